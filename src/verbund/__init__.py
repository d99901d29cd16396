"""Verbund: many contact-center companies staffing one national hotline together."""

from pathlib import Path

__version__ = "0.1.0"


def _refuse_stale_compiled_modules(here: Path = Path(__file__).parent) -> None:
    """``make compiled`` builds the engine's core and the simulator's driver with mypyc next to
    their sources, and Python prefers the compiled module: after an edit of the source it would
    silently run the old code. Refuse that, saying what to do."""
    for compiled in here.glob("*/*.so"):
        source = compiled.with_name(compiled.name.split(".", 1)[0] + ".py")
        if source.exists() and source.stat().st_mtime > compiled.stat().st_mtime:
            raise ImportError(
                f"{source} changed after it was compiled: run `make compiled` to compile it "
                "again (make run, test and bench do), or `make pure` to run it interpreted"
            )


_refuse_stale_compiled_modules()
