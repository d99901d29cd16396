"""The store's one error: ``StoreError``, a :class:`~verbund.errors.VerbundError`.

Every failure of the database layer that a person can act on (a bad URL, a server that does not
answer, a schema older or newer than the code, an unreadable journal entry) becomes a
``StoreError`` whose message says what was wrong and what to do; the foreign exception travels as
its ``__cause__``.
"""

from __future__ import annotations

from verbund.errors import VerbundError


class StoreError(VerbundError):
    """The database could not do what was asked; the message says what to do about it."""
