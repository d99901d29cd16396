"""Errors of the web layer, each answered with its own status (see ``verbund.web.app``)."""

from __future__ import annotations

from verbund.errors import VerbundError

__all__ = ["Conflict", "Forbidden", "TooManyRequests", "Unauthenticated"]


class Unauthenticated(VerbundError):
    """No valid login came with the request (401)."""


class Forbidden(VerbundError):
    """The logged-in user may not do this (403)."""


class Conflict(VerbundError):
    """The request conflicts with what exists (409)."""


class TooManyRequests(VerbundError):
    """A public endpoint was used faster than its limit (429, with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
