"""Errors of the web layer, and the one place that turns an error into its answer.

Every error a client can cause is answered with a 4xx and ``{"detail": "..."}`` saying what was
wrong: a refused engine command is 409, something unknown 404, a bad configuration 422, a login
problem 401, a missing right 403; overload (too many requests in flight, or too many commands
waiting for a hotline's writer) is 503 with ``Retry-After``. Both ways a request can take (FastAPI's
and :mod:`verbund.web.lean`) answer through :func:`error_response` and :func:`invalid_response`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from verbund.errors import CommandRefused, ConfigurationError, UnknownEntity, VerbundError
from verbund.service import (
    AccountError,
    HotlineExists,
    JournalUnavailable,
    Overloaded,
    UnknownHotline,
)
from verbund.store import StoreError

__all__ = [
    "Conflict",
    "CsrfRefused",
    "Forbidden",
    "TooManyRequests",
    "Unauthenticated",
    "error_response",
    "invalid_response",
    "status_of",
]


class Unauthenticated(VerbundError):
    """No valid login came with the request (401)."""


class Forbidden(VerbundError):
    """The logged-in user may not do this (403)."""


class CsrfRefused(Forbidden):
    """A page's form post or script call with the session cookie came without this session's
    CSRF token, or with a wrong one (403): it may have come from another site."""


class Conflict(VerbundError):
    """The request conflicts with what exists (409)."""


class TooManyRequests(VerbundError):
    """A public endpoint was used faster than its limit (429, with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


STATUS: list[tuple[type[BaseException], int]] = [
    (Overloaded, 503),
    (JournalUnavailable, 503),
    (Unauthenticated, 401),
    (AccountError, 401),
    (Forbidden, 403),
    (TooManyRequests, 429),
    (UnknownHotline, 404),
    (UnknownEntity, 404),
    (HotlineExists, 409),
    (Conflict, 409),
    (CommandRefused, 409),
    (ConfigurationError, 422),
    (StoreError, 422),
    (VerbundError, 400),
]


def status_of(exc: BaseException) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def error_response(exc: VerbundError) -> JSONResponse:
    """The answer to ``exc``: its status, its message, and the headers that status asks for."""
    status = status_of(exc)
    headers = {}
    if isinstance(exc, Overloaded | TooManyRequests):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    elif status == 503:
        headers["Retry-After"] = "1"
    elif status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


def invalid_response(errors: Iterable[Any]) -> JSONResponse:
    """422 for a request that failed validation, naming each field and what is wrong with it
    (``errors`` as pydantic gives them, ``loc`` starting with ``body``, ``path`` or ``query``)."""
    problems, plain = [], []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
        # Without the objects JSON cannot carry (exceptions in ``ctx``).
        plain.append({k: v for k, v in error.items() if k in ("loc", "msg", "type")})
    return JSONResponse(
        {"detail": "; ".join(problems) or "invalid request", "errors": plain}, status_code=422
    )
