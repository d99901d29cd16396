"""Who is asking: bearer tokens (API, OAuth2 password flow) and the session cookie (pages).

Checks are plain functions that raise :class:`Forbidden`; routes call them with the principal
and the provider the object belongs to. The rules (DESIGN.md section 2):

* a coordinator may do everything;
* a provider admin or supervisor acts within their own provider;
* an agent acts only as themself (the user name is the agent name);
* what belongs to the alliance as a whole (queue aggregates) every logged-in user may read.

CSRF: a browser sends the session cookie with a form post from any site, so every request that
logs in with the cookie and may change something (not GET, HEAD, OPTIONS) must carry this
session's token (:meth:`TokenSigner.csrf_token`), as the form field ``csrf_token`` or the header
``X-CSRF-Token``; the pages put it into every form and their scripts send the header. All three
ways in (the pages, FastAPI's API routes, :mod:`verbund.web.lean`) check it here, in
:func:`cookie_principal`. A bearer token is no cookie: API clients need no CSRF token.

The login form comes before any session, yet another site must not log a visitor in either
(into an account of the attacker's, to watch what they type): as Django does, the login page
sets a short-lived pre-session cookie with a random value (``verbund_login``), and the form
carries a signed, timed token bound to it (:meth:`TokenSigner.login_csrf_token`), which
:func:`check_login_csrf` checks. Logging out needs the session's token like any other form.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer

from verbund.service import AccountError, Principal, Service, TokenSigner
from verbund.web.errors import CsrfRefused, Forbidden, Unauthenticated
from verbund.web.i18n import gettext_for

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_COOKIE",
    "Forbidden",
    "Unauthenticated",
    "check_csrf",
    "check_login_csrf",
    "cookie_principal",
    "csrf_token_of",
    "current_principal",
    "login_nonce",
    "principal_of",
    "require_agent_or_provider",
    "require_coordinator",
    "require_provider",
    "set_login_cookie",
]

COOKIE = "verbund_session"
LOGIN_COOKIE = "verbund_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def signer_of(request: Request) -> TokenSigner:
    signer: TokenSigner = request.app.state.signer
    return signer


async def principal_from_token(request: Request, token: str | None) -> Principal:
    if not token:
        raise Unauthenticated(
            "log in first: send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)"
        )
    cache: dict[str, Principal] = request.app.state.principals
    found = cache.get(token)
    if found is not None:
        return found
    service = service_of(request)
    try:
        principal = await asyncio.to_thread(signer_of(request).check, token, service.database)
    except AccountError as exc:
        raise Unauthenticated(str(exc)) from exc
    if len(cache) > 10_000:
        cache.clear()
    cache[token] = principal
    return principal


def csrf_token_of(request: Request) -> str:
    """The CSRF token of the request's session ("" without a session cookie)."""
    session = request.cookies.get(COOKIE)
    return signer_of(request).csrf_token(session) if session else ""


async def csrf_sent(request: Request) -> str | None:
    """The CSRF token that came with the request: the header, else the form field."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORMS):
        field = (await request.form()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    return sent


async def check_csrf(request: Request, session: str) -> None:
    """:class:`CsrfRefused` (403) unless the request carries the CSRF token of ``session``."""
    sent = await csrf_sent(request)
    if not sent or not signer_of(request).csrf_valid(session, sent):
        _ = gettext_for(request)
        raise CsrfRefused(
            _(
                "This form or action came without the security token of your session "
                "(perhaps from another site, or the page is too old). Reload the page and "
                "try again."
            )
        )


async def cookie_principal(request: Request) -> Principal:
    """Who is logged in with the session cookie; for a request that may change something, only
    with this session's CSRF token (else :class:`CsrfRefused`, 403)."""
    session = request.cookies.get(COOKIE)
    principal = await principal_from_token(request, session)
    if request.method not in SAFE_METHODS:
        assert session is not None  # principal_from_token refuses a missing one
        await check_csrf(request, session)
    return principal


# --- the login form: CSRF before there is a session ------------------------------------------


def login_nonce(request: Request) -> tuple[str, bool]:
    """The random value of the browser's pre-session cookie, and whether it is new (then the
    response must set it with :func:`set_login_cookie`)."""
    found = request.cookies.get(LOGIN_COOKIE, "")
    if 20 <= len(found) <= 100:
        return found, False
    return secrets.token_urlsafe(32), True


def set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=int(signer_of(request).login_form_lifetime),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def check_login_csrf(request: Request, token: str) -> None:
    """:class:`CsrfRefused` (403) unless ``token``, the login form's field, was made for this
    browser's pre-session cookie within the login form's lifetime: another site cannot log
    a visitor into an account of its choosing."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    _ = gettext_for(request)
    if not nonce:
        raise CsrfRefused(
            _(
                "Your browser did not send this site's login cookie, so the login could not be "
                "checked. Allow cookies for this site and log in again."
            )
        )
    if not token or not signer_of(request).login_csrf_valid(nonce, token):
        raise CsrfRefused(
            _("This login form has expired or did not come from this site. Please log in again.")
        )


async def current_principal(
    request: Request, token: Annotated[str | None, Depends(bearer)]
) -> Principal:
    if token:
        return await principal_from_token(request, token)
    return await cookie_principal(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def principal_of(request: Request) -> Principal:
    """What :func:`current_principal` gives, read straight from the request (for
    :mod:`verbund.web.lean`): the bearer token, else the session cookie."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if token:
        return await principal_from_token(request, token)
    return await cookie_principal(request)


def require_coordinator(principal: Principal) -> None:
    if not principal.is_coordinator:
        raise Forbidden("only the alliance coordinator may do this")


def require_provider(principal: Principal, provider: str, *, admin: bool = False) -> None:
    """Coordinator, or a provider admin (``admin``) / admin or supervisor of ``provider``."""
    if principal.is_coordinator:
        return
    allowed = ("provider_admin",) if admin else ("provider_admin", "supervisor")
    if principal.role not in allowed or principal.provider != provider:
        raise Forbidden(
            f"only {'an admin' if admin else 'an admin or a supervisor'} of provider "
            f"{provider!r} or the coordinator may do this"
        )


def require_agent_or_provider(principal: Principal, agent: str, provider: str | None) -> None:
    """The agent themself, their provider's admins and supervisors, or the coordinator."""
    if principal.is_coordinator:
        return
    if principal.role == "agent":
        if principal.name != agent or principal.provider != provider:
            raise Forbidden("an agent may act only as themself")
        return
    if provider is None or principal.provider != provider:
        raise Forbidden(f"agent {agent!r} belongs to another provider")
