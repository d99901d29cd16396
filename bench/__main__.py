"""Run the benchmark suites and write BENCHMARKS.md.

    python -m bench                 # every suite
    python -m bench engine planning # only these

Each suite is a module ``bench.<name>`` with ``run() -> str`` returning a Markdown section
(a ``## `` heading, what was measured, a table with medians and ratios, and a verdict per target).
The machine is described once at the top of the file; the machines are shared and noisy, so
suites report medians of repeated runs and ratios measured side by side in the same run.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

from bench.machine import describe_machine

SUITES = ("planning", "engine", "sim")
OUTPUT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def main(argv: list[str]) -> int:
    names = argv or list(SUITES)
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    sections = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        section = module.run()
        print(section, flush=True)
        print(f"(bench.{name} took {time.perf_counter() - started:.0f} s)", flush=True)
        sections.append(section.strip())
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
        print(f"ran only {', '.join(names)}: BENCHMARKS.md left as it is")
        return 0
    OUTPUT.write_text("\n".join(header) + "\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
