"""Errors of the web layer, each answered with its own status (see ``verbund.web.app``)."""

from __future__ import annotations

from verbund.errors import VerbundError

__all__ = ["Conflict", "Forbidden", "Unauthenticated"]


class Unauthenticated(VerbundError):
    """No valid login came with the request (401)."""


class Forbidden(VerbundError):
    """The logged-in user may not do this (403)."""


class Conflict(VerbundError):
    """The request conflicts with what exists (409)."""
