"""Run the benchmark suites and write BENCHMARKS.md.

    python -m bench                 # every suite
    python -m bench engine planning # only these: their sections are replaced, the others kept

Each suite is a module ``bench.<name>`` with ``run() -> str`` returning a Markdown section
(a ``## `` heading, what was measured, a table with medians and ratios, and a verdict per target).
The machine is described once at the top of the file; the machines are shared and noisy, so
suites report medians of repeated runs and ratios measured side by side in the same run.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import time
from pathlib import Path

from bench.machine import describe_machine

SUITES = ("planning", "engine", "sim", "service")
OUTPUT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def main(argv: list[str]) -> int:
    names = argv or list(SUITES)
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    sections: dict[str, str] = {}
    for name in names:
        print(f"== bench.{name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        section = module.run()
        print(section, flush=True)
        print(f"(bench.{name} took {time.perf_counter() - started:.0f} s)", flush=True)
        sections[name] = f"{MARK.format(name)}\n{section.strip()}"
    header = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. Every number is a "
        "median",
        "of repeated runs on the machine below, and every comparison was measured side by side in",
        "the same run. Machines are shared and noisy: read ratios, not absolute times.",
        "",
        describe_machine(),
    ]
    if set(names) != set(SUITES) and OUTPUT.exists():
        # Only some suites ran: replace their sections, keep the header and every other section.
        old_header, old_sections = _split(OUTPUT.read_text(encoding="utf-8"))
        for name, section in sections.items():
            sections[name] = f"{section}\n\n_{name}: {_stamp()}._"
        merged = _merge(old_sections, sections)
        OUTPUT.write_text(old_header + "\n\n" + "\n\n".join(merged) + "\n", encoding="utf-8")
        print(f"replaced the section(s) of {', '.join(names)} in {OUTPUT}")
        return 0
    ordered = [sections[name] for name in SUITES if name in sections]
    OUTPUT.write_text("\n".join(header) + "\n\n" + "\n\n".join(ordered) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


MARK = "<!-- bench: {} -->"


def _stamp() -> str:
    machine = dict(
        line.strip("|").split("|", 1)
        for line in describe_machine().splitlines()[2:]
        if line.count("|") >= 3
    )
    date = machine.get(" date ", "").strip()
    commit = machine.get(" commit ", "").strip()
    load = os.getloadavg()[0]
    return (
        f"measured {date} at commit {commit}, when only this suite ran "
        f"(load average {load:.1f} on {os.cpu_count()} cores as it ended)"
    )


def _split(text: str) -> tuple[str, list[str]]:
    """The header (everything before the first section) and the sections, each with the
    marker line before its ``## `` heading when it has one."""
    lines = text.rstrip("\n").split("\n")
    starts = [
        i
        for i, line in enumerate(lines)
        if line.startswith("<!-- bench: ")
        or (line.startswith("## ") and not (i > 0 and lines[i - 1].startswith("<!-- bench: ")))
    ]
    if not starts:
        return text.rstrip("\n"), []
    header = "\n".join(lines[: starts[0]]).rstrip("\n")
    bounds = [*starts, len(lines)]
    sections = ["\n".join(lines[a:b]).strip("\n") for a, b in itertools.pairwise(bounds)]
    return header, sections


def _suite_of(section: str, new: dict[str, str]) -> str | None:
    first = section.split("\n", 1)[0]
    for name in SUITES:
        if first == MARK.format(name):
            return name
    heading = next((line for line in section.split("\n") if line.startswith("## ")), None)
    for name, fresh in new.items():  # an unmarked section with the same heading as a new one
        if heading is not None and heading in fresh.split("\n"):
            return name
    return None


def _merge(old: list[str], new: dict[str, str]) -> list[str]:
    """The old sections with those of the suites in ``new`` replaced (in place), new ones
    appended in the order of ``SUITES``."""
    out: list[str] = []
    placed: set[str] = set()
    for section in old:
        name = _suite_of(section, new)
        if name in new:
            if name not in placed:
                out.append(new[name])
                placed.add(name)
            continue
        out.append(section)
    out += [new[name] for name in SUITES if name in new and name not in placed]
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
