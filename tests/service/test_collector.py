"""The collector policy: survivors of collections of generations 1 and 2 are frozen, so later
collections visit only what is young; garbage without cycles is still freed at once, young cycles
are still collected, and a deep collection now and then frees cycles that died frozen."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from verbund.service.settings import Settings, SettingsError


def _run(script: str) -> str:
    # In a fresh interpreter: freezing is process-wide and must not leak into the test run.
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


PRELUDE = """
import gc, weakref
from verbund.service.collector import install_collector_policy

class Node:
    pass

def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a
"""


def test_survivors_of_generation_1_are_frozen_and_new_garbage_still_goes() -> None:
    out = _run(
        PRELUDE
        + textwrap.dedent(
            """
        policy = install_collector_policy(deep_interval=0)
        frozen_at_start = gc.get_freeze_count()
        kept = [Node() for _ in range(10_000)]
        gc.collect(1)
        assert gc.get_freeze_count() >= frozen_at_start + 10_000, gc.get_freeze_count()
        assert len(gc.get_objects(2)) < 1_000, len(gc.get_objects(2))  # nothing left to visit
        plain = Node()
        gone = weakref.ref(plain)
        del plain
        assert gone() is None  # no cycle: freed by reference counting, frozen or not
        young = weakref.ref(cycle())
        gc.collect(1)
        assert young() is None  # a cycle that died young is still collected
        print("ok", len(kept), policy.deep_collections)
        """
        )
    )
    assert out == "ok 10000 0"


def test_a_deep_collection_frees_cycles_that_died_frozen_and_freezes_again() -> None:
    out = _run(
        PRELUDE
        + textwrap.dedent(
            """
        now = [0.0]
        policy = install_collector_policy(deep_interval=60)
        policy.clock = lambda: now[0]
        policy.deep_due = 60.0
        held = [cycle()]
        died = weakref.ref(held[0])
        gc.collect(1)  # frozen while alive
        held.clear()
        gc.collect()
        assert died() is not None  # frozen: no ordinary collection visits it
        now[0] = 61.0
        gc.collect(1)  # the deep collection is due: everything is unfrozen
        assert policy.deep_pending and gc.get_freeze_count() == 0
        gc.collect(2)  # the next full collection visits all
        assert died() is None
        assert not policy.deep_pending and policy.deep_collections == 1
        assert gc.get_freeze_count() > 0  # its survivors are frozen again
        assert policy.deep_due == 121.0
        print("ok")
        """
        )
    )
    assert out == "ok"


def test_the_deep_interval_is_a_setting_in_seconds() -> None:
    assert Settings().gc_deep_interval == 3600.0
    assert Settings(gc_deep_interval=0).gc_deep_interval == 0
    with pytest.raises(SettingsError, match=r"gc_deep_interval -1.*seconds >= 0"):
        Settings(gc_deep_interval=-1)
