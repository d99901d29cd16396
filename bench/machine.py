"""A short description of the machine a benchmark ran on."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            kib = int(meminfo.readline().split()[1])
            return f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown memory"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!BENCHMARKS.md"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return out.stdout.strip() + (" with uncommitted changes" if changed.stdout else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def describe_machine() -> str:
    return "\n".join(
        [
            "| machine | |",
            "|---|---|",
            f"| date | {datetime.now(UTC):%Y-%m-%d %H:%M} UTC |",
            f"| commit | {_commit()} |",
            f"| CPU | {_cpu_model()}, {os.cpu_count()} cores |",
            f"| memory | {_memory_gib()} |",
            f"| OS | {platform.platform()} |",
            f"| Python | {platform.python_implementation()} {platform.python_version()} |",
        ]
    )


def how_built() -> str:
    """Whether the engine's core and the simulator's driver ran compiled (``make compiled``)."""
    import verbund.engine.engine as core
    import verbund.sim.driver as driver

    compiled = [m.__name__ for m in (core, driver) if not (m.__file__ or "").endswith(".py")]
    if len(compiled) == 2:
        return "compiled by mypyc (`make compiled`)"
    return "interpreted" if not compiled else f"partly compiled ({', '.join(compiled)})"
