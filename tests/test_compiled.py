"""The compiled modules (``make compiled``): never silently older than their source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import verbund
import verbund.engine.commands
import verbund.engine.effects
import verbund.engine.engine
import verbund.sim.driver
from verbund import _refuse_stale_compiled_modules


def _module(folder: Path, compiled_at: float, edited_at: float) -> None:
    (folder / "engine").mkdir()
    compiled = folder / "engine" / "engine.cpython-311-x86_64-linux-gnu.so"
    source = folder / "engine" / "engine.py"
    compiled.write_bytes(b"")
    source.write_text("")
    os.utime(compiled, (compiled_at, compiled_at))
    os.utime(source, (edited_at, edited_at))


def test_a_compiled_module_older_than_its_source_is_refused_saying_what_to_do(
    tmp_path: Path,
) -> None:
    _module(tmp_path, compiled_at=1_000.0, edited_at=2_000.0)
    with pytest.raises(
        ImportError, match=r"engine\.py changed after it was compiled.*make compiled"
    ):
        _refuse_stale_compiled_modules(tmp_path)


def test_a_compiled_module_newer_than_its_source_is_taken(tmp_path: Path) -> None:
    _module(tmp_path, compiled_at=2_000.0, edited_at=1_000.0)
    _refuse_stale_compiled_modules(tmp_path)  # nothing raised


def test_the_engine_and_the_driver_run_as_make_test_built_them() -> None:
    kinds = {"pure" if (m.__file__ or "").endswith(".py") else "compiled" for m in MODULES}
    assert len(kinds) == 1  # never the one compiled and the other not
    # make test sets VERBUND_BUILD: the whole suite compiled, then the engine's and the
    # simulator's tests on a copy of the source without the compiled modules.
    wanted = os.environ.get("VERBUND_BUILD")
    if wanted is not None:
        assert kinds == {wanted}
    assert Path(verbund.__file__).name == "__init__.py"  # the package itself is never compiled


MODULES = (
    verbund.engine.engine,
    verbund.engine.commands,
    verbund.engine.effects,
    verbund.sim.driver,
)
