"""The collector policy: survivors of a full collection are frozen, so the next full collection
visits only what is new; garbage without cycles is still freed at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_survivors_of_a_full_collection_are_frozen_and_new_garbage_still_goes() -> None:
    # In a fresh interpreter: freezing is process-wide and must not leak into the test run.
    script = textwrap.dedent(
        """
        import gc, weakref
        from verbund.service.collector import freeze_after_full_collections

        class Node:
            pass

        freeze_after_full_collections()
        frozen_at_start = gc.get_freeze_count()
        kept = [Node() for _ in range(10_000)]
        gc.collect()
        assert gc.get_freeze_count() >= frozen_at_start + 10_000, gc.get_freeze_count()
        plain = Node()
        gone = weakref.ref(plain)
        del plain
        assert gone() is None  # no cycle: freed by reference counting, frozen or not
        a, b = Node(), Node()
        a.other, b.other = b, a
        cycle = weakref.ref(a)
        del a, b
        gc.collect()
        assert cycle() is None  # a new cycle is still collected
        print("ok", len(kept))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok 10000"
