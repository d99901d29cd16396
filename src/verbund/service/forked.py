"""Snapshots pickled in a forked child, so the writer does not stop for them.

Pickling an engine with tens of thousands of waiting contacts takes a tenth of a second or more;
done by the writer, every request in flight waits that long (and in a worker thread it fights the
event loop for the GIL, five times slower). As Redis does for its snapshots, the writer forks
instead: the child has the engine exactly as journalled up to the snapshot's entry (copy-on-write
memory), pickles it on another core, writes the bytes to a pipe and exits; the parent goes on at
once, and a worker thread reads the pipe and stores the snapshot.

    child = fork_pickle(engine, history)          # in the writer: a fork, a few milliseconds
    pickled = child.result()                      # in a worker thread: waits for the child

Where there is no ``os.fork`` (Windows), :func:`fork_pickle` pickles in the caller.
"""

from __future__ import annotations

import os
import pickle
import warnings
from dataclasses import dataclass

from verbund.engine import Engine
from verbund.store import HistoryRecorder, Pickled, StoreError, pickle_state

__all__ = ["PickledInChild", "fork_pickle"]


@dataclass
class PickledInChild:
    """A snapshot being pickled by child process ``pid`` into pipe ``fd`` (or done: ``ready``)."""

    pid: int = 0
    fd: int = -1
    ready: Pickled | None = None

    def result(self) -> Pickled:
        """Wait for the child; its snapshot, or :class:`StoreError` if it failed."""
        if self.ready is not None:
            return self.ready
        chunks = []
        with os.fdopen(self.fd, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise StoreError(f"the snapshot child process {self.pid} failed (exit code {code})")
        ready: Pickled = pickle.loads(b"".join(chunks))
        self.ready = ready
        return ready


def fork_pickle(engine: Engine, history: HistoryRecorder | None) -> PickledInChild:
    """Start pickling ``engine`` and ``history`` in a child process (see the module's text)."""
    if not hasattr(os, "fork"):
        return PickledInChild(ready=pickle_state(engine, history))
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking with threads running; the child touches nothing
        # another thread could hold (no locks, no I/O but its own pipe) and leaves by _exit.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: pickle, write, leave without running any clean-up
        code = 1
        try:
            os.close(read)
            data = pickle.dumps(pickle_state(engine, history), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return PickledInChild(pid=pid, fd=read)
