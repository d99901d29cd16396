"""The simulator's one error: ``ScenarioError``, a :class:`~verbund.errors.VerbundError`.

A scenario file that cannot be run (unreadable, not TOML, an unknown key, a wrong unit, an
impossible value) is refused with a ``ScenarioError`` whose message names the file, the key and
what is expected there, e.g. ``launch.toml: [callers] patience.mean: expected a duration such as
"90s", "20m", "8h" or a number of seconds, got '3 minutes'``.
"""

from __future__ import annotations

from verbund.errors import VerbundError


class ScenarioError(VerbundError):
    """A scenario that cannot be simulated; the message says where and what is expected."""
