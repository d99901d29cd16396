"""How the live service runs Python's cyclic garbage collector: full collections scan only what is
new since the last one.

A full (generation 2) collection stops the process for as long as it takes to visit every tracked
object, and a hotline with tens of thousands of waiting contacts has hundreds of thousands of them:
each full collection held every request in flight for a tenth of a second and more, and while
queues grow they come every few seconds (CPython starts one whenever the objects that survived
younger collections reach a quarter of the old ones). With :func:`freeze_after_full_collections`,
what survives a full collection is moved to the permanent generation (``gc.freeze()``), which no
later collection visits, so each full collection visits only what was made since the last.

The price: garbage in reference cycles that had already survived a full collection is not freed
(objects without cycles, which is what the engine's state is, are freed by reference counting as
always). ``verbund_gc_frozen_objects`` on ``/metrics`` shows how many objects are frozen.
"""

from __future__ import annotations

import gc
from typing import Any

__all__ = ["freeze_after_full_collections"]

_installed = False


def _after(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def freeze_after_full_collections() -> None:
    """From now on, freeze the survivors of every full collection (once per process)."""
    global _installed
    if not _installed:
        gc.freeze()  # what start-up made (modules, configuration, the recovered engine)
        gc.callbacks.append(_after)
        _installed = True
