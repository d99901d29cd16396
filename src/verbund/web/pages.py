"""The pages people use: agent desktop, wallboard, coordinator console, admin — and logging in.

    /login, /logout                        the session cookie (the same token as the API's)
    /                                      to one's page: agents to their desk, others onward
    /desk/{hotline}[/{agent}]              the agent desktop (live over the agent WebSocket)
    /wallboard/{hotline}                   queues, agents, the day's chart, alerts (live)
    /console[/{hotline}]                   the coordinator's: hotline, rules, topics, providers,
                                           pledges, forecast and staffing plan (+ plan.csv)
    /admin                                 users and agents (a provider admin: their own only)
    /lang/{de|en}                          switches the language (cookie ``lang``)

Server-rendered Jinja2 with small hand-written scripts under ``/static``; no build step. Every
text goes through gettext (catalogues in ``locale/``, message ids in English, German the
default). Changes go through the same functions as the JSON API (``config_api``), so the rules
about who may do what are the API's: a page only shows what its user may see, and something of
another provider is a 403 or 404 page, never its data. No error shows a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import io
import json
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError

from verbund.errors import PlanningError, UnknownEntity, VerbundError
from verbund.planning import ForecastRow, Goals, IntervalRequirement, parse_forecast
from verbund.planning import plan_requirements as planned
from verbund.planning.pledges import Pledge
from verbund.service import (
    AccountError,
    JournalUnavailable,
    Overloaded,
    Principal,
    UnknownHotline,
)
from verbund.service.accounts import verify_login
from verbund.store import (
    StoredForecast,
    load_forecast,
    load_pledges,
    load_title,
    save_forecast,
)
from verbund.store.outcomes import read_feedback
from verbund.web import config_api
from verbund.web.auth import (
    COOKIE,
    LOGIN_COOKIE,
    check_csrf,
    check_login_csrf,
    cookie_principal,
    csrf_token_of,
    login_nonce,
    principal_from_token,
    service_of,
    set_login_cookie,
    signer_of,
)
from verbund.web.errors import CsrfRefused, Forbidden, Unauthenticated
from verbund.web.i18n import LANG_COOKIE, LANGUAGES, gettext_for, language, translations
from verbund.web.live_api import _agent, state_document
from verbund.web.schemas import (
    AgentBody,
    HotlineCreate,
    HotlinePatch,
    PledgeBody,
    ProviderBody,
    TopicBody,
    UserCreate,
    UserPatch,
)

__all__ = ["LANGUAGES", "STATIC", "router"]

log = logging.getLogger("verbund.web.pages")

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
FLASH_COOKIE = "verbund_flash"
INTERVAL = timedelta(minutes=15)
RULE_FIELDS = (
    "callback_offer_ewt",
    "max_ewt",
    "redial_window",
    "strategy",
    "service_level_goal",
    "service_level_target",
)


# --- languages -----------------------------------------------------------------------------------


@functools.cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["clock"] = _clock
    env.filters["seconds"] = _seconds
    env.filters["decimal"] = functools.partial(decimal_text, lang=lang)
    env.filters["percent"] = functools.partial(percent_text, lang=lang)
    return env


# --- rendering -----------------------------------------------------------------------------------


def _clock(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%H:%M")


def _seconds(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    value = round(value)
    return f"{value // 60}:{value % 60:02d}"


def decimal_text(value: float | None, lang: str) -> str:
    """A number as readers of ``lang`` write it: "1.234,5" in German, "1,234.5" in English (up
    to three decimals); "–" for none. The scripts do the same with ``Intl.NumberFormat``."""
    if value is None or not math.isfinite(value):
        return "–"
    return format_decimal(value, locale=lang)


def percent_text(value: float | None, lang: str) -> str:
    """A share as a whole per cent: "80 %" (a no-break space) in German, "80%" in English."""
    if value is None or not math.isfinite(value):
        return "–"
    return format_percent(value, locale=lang)


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    flash = _read_flash(request)
    page = environment(lang).get_template(template)
    service = service_of(request)
    _ = translations(lang).gettext
    role_names = {
        "coordinator": _("Coordinator"),
        "provider_admin": _("Provider admin"),
        "supervisor": _("Supervisor"),
        "agent": _("Agent"),
    }
    html = page.render(
        lang=lang,
        other_lang="en" if lang == "de" else "de",
        here=_here(request),
        user=principal,
        hotlines=sorted(service.hotlines),
        flash=flash,
        role_names=role_names,
        csrf_token=csrf_token_of(request) if principal is not None else "",
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(found, dict) or not {"kind", "text"} <= found.keys():
        return None
    return {"kind": str(found["kind"]), "text": str(found["text"])[:1000]}


def redirect(url: str, *, flash: tuple[str, str] | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        kind, text = flash
        response.set_cookie(
            FLASH_COOKIE,
            json.dumps({"kind": kind, "text": text[:1000]}),
            max_age=60,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//elsewhere`` or ``https://elsewhere``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# --- errors: every failure is a page that says what to do ----------------------------------------


def error_page(
    request: Request, status: int, message: str | None, *, hint: str | None = None
) -> Response:
    _ = gettext_for(request)
    titles = {
        400: _("The request could not be carried out"),
        403: _("Not allowed"),
        404: _("Not found"),
        422: _("Please check your input"),
        500: _("Something went wrong"),
        503: _("The service is busy"),
    }
    hints = {
        403: _("Your login does not give you access to this page."),
        404: _("There is nothing here that you may see."),
        500: _("The request was not completed; it has been logged. Please try again."),
        503: _("Please try again in a moment."),
    }
    principal = getattr(request.state, "principal", None)
    return render(
        request,
        "error.html",
        principal,
        status=status,
        title=titles.get(status, titles[400]),
        message=hint or hints.get(status, message),
        # What was wrong with the input helps; why something is refused or unknown is no
        # business of someone who may not see it.
        detail=message if status in (400, 422) else None,
    )


class PageRoute(APIRoute):
    """A page route: not logged in → the login page; a refusal → an error page in HTML."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated:
                return redirect(f"/login?next={quote(_here(request), safe='')}")
            except CsrfRefused as exc:
                return error_page(request, 403, str(exc), hint=str(exc))
            except Forbidden as exc:
                return error_page(request, 403, str(exc))
            except (UnknownEntity, UnknownHotline) as exc:
                return error_page(request, 404, str(exc))
            except (Overloaded, JournalUnavailable) as exc:
                return error_page(request, 503, str(exc))
            except RequestValidationError as exc:
                return error_page(request, 422, _validation_text(exc.errors()))
            except VerbundError as exc:
                return error_page(request, 400, str(exc))
            except Exception:
                log.exception("page %s %s failed", request.method, request.url.path)
                return error_page(request, 500, None)

        return page


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _validation_text(errors: Iterable[Any]) -> str:
    problems = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        problems.append(f"{where or 'form'}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid input"


INPUT_ERRORS: tuple[type[Exception], ...] = (ValidationError, VerbundError, ValueError)


def _input_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return _validation_text(exc.errors())
    return str(exc)


def _passes_through(exc: Exception) -> bool:
    """Refusals and unknown things become 403/404 pages, not messages on the form."""
    return isinstance(exc, (Forbidden, UnknownEntity, UnknownHotline, Unauthenticated))


# --- who is asking -------------------------------------------------------------------------------


async def page_principal(request: Request) -> Principal:
    """The session cookie's user; a form post needs the session's CSRF token too (web.auth)."""
    if not request.cookies.get(COOKIE):
        raise Unauthenticated("log in first")
    try:
        principal = await cookie_principal(request)
    except CsrfRefused:
        # The page of the refusal may still show who is logged in.
        request.state.principal = await principal_from_token(request, request.cookies[COOKIE])
        raise
    request.state.principal = principal
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def _require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"the role {principal.role!r} may not open this page")


def _agent_hotline(request: Request, agent: str) -> str | None:
    """The first hotline in which ``agent`` is configured."""
    for name, line in sorted(service_of(request).hotlines.items()):
        engine = line.runner.engine
        if engine is None:
            continue
        try:
            engine.agent_provider(agent)
        except UnknownEntity:
            continue
        return name
    return None


# --- logging in and out, language ----------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    try:
        principal = await page_principal(request)
    except Unauthenticated:
        return redirect("/login")
    hotlines = sorted(service_of(request).hotlines)
    if principal.role == "agent":
        found = _agent_hotline(request, principal.name)
        if found is None:
            _ = gettext_for(request)
            return render(
                request,
                "error.html",
                principal,
                title=_("No hotline yet"),
                message=_("You are not yet an agent of any hotline. Ask your provider's admin."),
                detail=None,
            )
        return redirect(f"/desk/{quote(found)}")
    if principal.role == "provider_admin":
        return redirect("/admin")
    if not hotlines:
        return redirect("/console")
    return redirect(f"/wallboard/{quote(hotlines[0])}")


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next=next)


def _login_page(
    request: Request, *, next: str, status: int = 200, error: str | None = None, username: str = ""
) -> Response:
    """The login form with its token for this browser's pre-session cookie (set when new)."""
    nonce, new = login_nonce(request)
    response = render(
        request,
        "login.html",
        None,
        status=status,
        next=_safe_next(next),
        error=error,
        username=username,
        login_token=signer_of(request).login_csrf_token(nonce),
    )
    if new:
        set_login_cookie(request, response, nonce)
    return response


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf_token: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        check_login_csrf(request, csrf_token)
    except CsrfRefused as exc:
        # Checked before the password: a forged post learns nothing about it.
        return _login_page(request, next=next, status=403, error=str(exc))
    service = service_of(request)
    try:
        user = await asyncio.to_thread(verify_login, service.database, username, password)
    except AccountError:
        _ = gettext_for(request)
        return _login_page(
            request,
            next=next,
            status=401,
            error=_("Unknown user name or wrong password."),
            username=username,
        )
    signer = signer_of(request)
    response = redirect(_safe_next(next))
    response.set_cookie(
        COOKIE,
        signer.issue(user),
        max_age=int(signer.lifetime),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/")  # its work is done; the session has its own
    return response


@router.get("/logout")
async def logout_form(request: Request) -> Response:
    """Logging out changes something, so it takes a form post; a link here asks first."""
    try:
        principal = await page_principal(request)
    except Unauthenticated:
        return redirect("/login")
    return render(request, "logout.html", principal)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session; with a session cookie, only with its CSRF token (else another site
    could log the user out). Without one there is nothing to end."""
    session = request.cookies.get(COOKIE)
    if session:
        try:
            await check_csrf(request, session)
        except CsrfRefused as exc:
            with contextlib.suppress(Unauthenticated):
                request.state.principal = await principal_from_token(request, session)
            return error_page(request, 403, str(exc), hint=str(exc))
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    response = redirect(_safe_next(next))
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/", httponly=False
        )
    return response


# --- agent desktop -------------------------------------------------------------------------------


@router.get("/desk/{hotline}")
async def my_desk(request: Request, hotline: str, principal: PagePrincipal) -> Response:
    line = service_of(request).hotline(hotline)
    if principal.role == "agent":
        return await _desk(request, hotline, principal.name, principal)
    engine = line.runner.engine
    agents = [] if engine is None else await config_api.get_agents(request, hotline, principal)
    return render(request, "desk_choose.html", principal, hotline=hotline, agents=agents)


@router.get("/desk/{hotline}/{agent}")
async def desk(request: Request, hotline: str, agent: str, principal: PagePrincipal) -> Response:
    return await _desk(request, hotline, agent, principal)


async def _desk(request: Request, hotline: str, agent: str, principal: Principal) -> Response:
    service = service_of(request)
    line = service.hotline(hotline)
    _agent(line, agent, principal)
    feedback = await asyncio.to_thread(read_feedback, service.database, hotline, agent, limit=20)
    _ = gettext_for(request)
    texts = {
        "no_thanks": _("None yet."),
        "stars": _("%(n)s of 5 stars"),
        "status": {
            "logged_out": _("Logged out"),
            "not_ready": _("Not ready"),
            "ready": _("Ready"),
            "reserved": _("Offer ringing"),
            "busy": _("In conversation"),
            "wrap_up": _("Wrap-up"),
        },
        "reasons": _reasons(_),
        "states": {
            "offered": _("ringing"),
            "connected": _("connected"),
            "wrap_up": _("wrap-up"),
            "callback_offered": _("callback offered"),
            "callback_dialing": _("callback: dialling"),
        },
        "channels": _channels(_),
        "seconds_left": _("%(n)s s left"),
        "paused": _("pause after declining: %(n)s s left"),
        "reconnecting": _("Connection lost: reconnecting…"),
        "connected": _("Live"),
        "no_offer": _("No offer at the moment."),
        "no_contact": _("No conversation at the moment."),
        "no_callbacks": _("No callbacks assigned to you."),
        "accept": _("Accept"),
        "decline": _("Decline"),
        "end": _("End conversation"),
        "finish_wrap_up": _("Finish wrap-up"),
        "disposition": _("Disposition"),
        "note": _("Note"),
        "topic": _("Topic"),
        "language": _("Language"),
        "channel": _("Channel"),
        "waited": _("Waited"),
        "earlier_attempts": _("Earlier attempts"),
        "caller": _("Caller"),
        "state": _("State"),
        "failed": _("Not done: %(detail)s"),
        "dispositions": _dispositions(_),
        "callback": _("Callback"),
        "conversation": _("Conversation history"),
        "reply": _("Reply"),
        "send": _("Send"),
        "reply_hint": _("Enter sends, Shift+Enter starts a new line, Esc leaves the box."),
        "senders": {"caller": _("Caller"), "agent": _("Agent"), "system": _("System")},
        "written_for": _("%(role)s %(author)s for agent %(agent)s"),
        "roles": {
            "coordinator": _("Coordinator"),
            "provider_admin": _("Provider admin"),
            "supervisor": _("Supervisor"),
            "agent": _("Agent"),
        },
        "system_texts": {"caller_left": _("The caller has left the chat.")},
        "delivery": {
            "pending": _("not sent yet"),
            "sent": _("sent"),
            "failed": _("could not be sent"),
        },
    }
    return render(
        request,
        "desk.html",
        principal,
        hotline=hotline,
        agent=agent,
        desk=line.agent_desk(agent),
        feedback=[
            {**f, "when": datetime.fromtimestamp(f["at"]).strftime("%d.%m. %H:%M")}
            for f in feedback
        ],
        server_now=line.runner.clock(),
        reasons=_reasons(_),
        dispositions=_dispositions(_),
        texts=texts,
    )


def _reasons(_: Callable[[str], str]) -> dict[str, str]:
    return {
        "break": _("Break"),
        "training": _("Training"),
        "meeting": _("Meeting"),
        "technical": _("Technical problem"),
        "no_answer": _("Offers not answered"),
    }


def _dispositions(_: Callable[[str], str]) -> dict[str, str]:
    return {
        "resolved": _("Resolved"),
        "appointment": _("Appointment booked"),
        "information": _("Information given"),
        "forwarded": _("Forwarded"),
        "callback": _("Callback needed"),
        "other": _("Other"),
    }


def _channels(_: Callable[[str], str]) -> dict[str, str]:
    return {"voice": _("Phone"), "chat": _("Chat"), "social": _("Social media")}


# --- wallboard -----------------------------------------------------------------------------------


@router.get("/wallboard/{hotline}")
async def wallboard(request: Request, hotline: str, principal: PagePrincipal) -> Response:
    _require(principal, "coordinator", "provider_admin", "supervisor")
    service = service_of(request)
    line = service.hotline(hotline)
    now = datetime.fromtimestamp(line.runner.clock())
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    pledges = await asyncio.to_thread(
        load_pledges, service.database, hotline, start=today, end=today + timedelta(days=1)
    )
    pledged: dict[str, dict[str, int]] = {}
    for pledge in pledges:
        if principal.sees_provider(pledge.provider):
            key = pledge.interval_start.isoformat()[:16]
            pledged.setdefault(key, {})[pledge.provider] = pledge.agents
    forecast = await _forecast(request, hotline)
    config = await service.config(hotline)
    plan: dict[str, float] = {}
    if forecast is not None:
        for requirement in forecast.requirements:
            start = _local(requirement.start)
            if start.date() == today.date():
                plan[start.isoformat()[:16]] = requirement.calls
    _ = gettext_for(request)
    utc_offset = now.astimezone().utcoffset()
    texts = {
        "status": {
            "logged_out": _("Logged out"),
            "not_ready": _("Not ready"),
            "ready": _("Ready"),
            "reserved": _("Offer ringing"),
            "busy": _("In conversation"),
            "wrap_up": _("Wrap-up"),
        },
        "alert_sl": _("Service level today %(sl)s is below the target of %(goal)s."),
        "alert_pledge": _(
            "Provider %(provider)s: %(logged_in)s agents logged in, %(pledged)s pledged for "
            "this interval."
        ),
        "no_alerts": _("No alerts."),
        "reconnecting": _("Connection lost: reconnecting…"),
        "connected": _("Live"),
        "offered": _("Attempts"),
        "callers": _("Callers"),
        "answered": _("Answered"),
        "abandoned": _("Abandoned"),
        "service_level": _("Service level"),
        "plan": _("Plan (forecast calls)"),
        "no_data": _("No contacts today yet."),
        "logged_in": _("Logged in"),
    }
    return render(
        request,
        "wallboard.html",
        principal,
        hotline=hotline,
        state=state_document(line, principal),
        pledged=pledged,
        plan=plan,
        goal=config.rules.service_level_goal,
        target=line.view.target,
        utc_offset=0 if utc_offset is None else int(utc_offset.total_seconds()),
        texts=texts,
    )


# --- coordinator console -------------------------------------------------------------------------


@dataclass
class Forecast:
    """The hotline's latest uploaded forecast, the goals it was planned with, and its plan.

    The store keeps the CSV text and the goals (``verbund.store.forecasts``); the plan is computed
    from them again after a restart and kept here, in ``app.state.forecasts``, per upload."""

    source: str
    rows: list[ForecastRow]
    goals: Goals
    requirements: list[IntervalRequirement] = field(default_factory=list)
    uploaded: datetime | None = None
    uploaded_by: str = ""


def _forecasts(request: Request) -> dict[str, tuple[float, Forecast]]:
    found: dict[str, tuple[float, Forecast]] | None = getattr(request.app.state, "forecasts", None)
    if found is None:
        found = request.app.state.forecasts = {}
    return found


def _planned_forecast(stored: StoredForecast) -> Forecast:
    goals = Goals(
        target=stored.target, service_level=stored.service_level, shrinkage=stored.shrinkage
    )
    rows = parse_forecast(stored.text.splitlines(), stored.source)
    return Forecast(
        stored.source,
        rows,
        goals,
        planned(rows, goals),
        datetime.fromtimestamp(stored.uploaded),
        stored.uploaded_by,
    )


async def _forecast(request: Request, hotline: str) -> Forecast | None:
    """The hotline's latest forecast from the store (planned once per upload and process)."""
    database = service_of(request).database
    stored = await asyncio.to_thread(load_forecast, database, hotline)
    if stored is None:
        return None
    cache = _forecasts(request)
    cached = cache.get(hotline)
    if cached is not None and cached[0] == stored.uploaded:
        return cached[1]
    try:
        forecast = await asyncio.to_thread(_planned_forecast, stored)
    except (VerbundError, PlanningError, ValueError):
        # It was planned when it was uploaded; if the planning rules changed since, say so in
        # the log and show no plan rather than an error page.
        log.exception("the stored forecast of hotline %s cannot be planned any more", hotline)
        return None
    cache[hotline] = (stored.uploaded, forecast)
    return forecast


def _local(moment: datetime) -> datetime:
    """A forecast time as the hotline's local time without a zone (how pledges are kept)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


@router.get("/console")
async def console_index(request: Request, principal: PagePrincipal) -> Response:
    _require(principal, "coordinator")
    return render(request, "console_index.html", principal)


@router.post("/console")
async def console_create(
    request: Request,
    principal: PagePrincipal,
    name: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _require(principal, "coordinator")
    try:
        body = HotlineCreate(name=name.strip(), title=title)
        await config_api.create_hotline(request, body, principal)
    except INPUT_ERRORS as exc:
        if _passes_through(exc):
            raise
        return redirect("/console", flash=("error", _input_error(exc)))
    _ = gettext_for(request)
    return redirect(f"/console/{quote(body.name)}", flash=("ok", _("The hotline was created.")))


def _title(request: Request, hotline: str) -> str:
    return load_title(service_of(request).database, hotline)


@dataclass
class PlanRow:
    start: datetime
    calls: float | None
    required: int | None
    pledged: dict[str, int]
    logged_in: int | None

    @property
    def pledged_total(self) -> int:
        return sum(self.pledged.values())

    @property
    def gap(self) -> int | None:
        return None if self.required is None else self.pledged_total - self.required


def plan_table(
    day: date,
    requirements: list[IntervalRequirement],
    pledges: list[Pledge],
    logged_in_now: int | None,
    now: datetime,
) -> list[PlanRow]:
    """One row per 15-minute interval of ``day`` with a forecast or a pledge: calls and agents
    required (from the forecast), pledged per provider, and — for the running interval — the
    agents logged in now."""
    rows: dict[datetime, PlanRow] = {}

    def row(start: datetime) -> PlanRow:
        if start not in rows:
            rows[start] = PlanRow(start, None, None, {}, None)
        return rows[start]

    for requirement in requirements:
        start = _local(requirement.start)
        if start.date() == day:
            found = row(start)
            found.calls, found.required = requirement.calls, requirement.agents
    for pledge in pledges:
        if pledge.interval_start.date() == day:
            found = row(pledge.interval_start)
            found.pledged[pledge.provider] = found.pledged.get(pledge.provider, 0) + pledge.agents
    current = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    if logged_in_now is not None and current.date() == day:
        row(current).logged_in = logged_in_now
    return [rows[start] for start in sorted(rows)]


PALETTE = ("#2f6db5", "#e08a1e", "#3a9a5b", "#8e5bb5", "#c9473f", "#4aa3b0", "#9a8a2e")


def plan_chart(rows: list[PlanRow], providers: list[str]) -> dict[str, Any]:
    """Geometry of the plan chart (an SVG drawn by the template): pledged agents as stacked bars
    per provider, required agents as a line, logged-in agents as a dot."""
    width, height, left, bottom, top = 960, 280, 44, 36, 12
    plot_h = height - bottom - top
    count = max(len(rows), 1)
    step = (width - left - 8) / count
    peak = max(
        [1]
        + [r.pledged_total for r in rows]
        + [r.required or 0 for r in rows]
        + [r.logged_in or 0 for r in rows]
    )
    scale = plot_h / (peak * 1.1)

    def y(value: float) -> float:
        return round(top + plot_h - value * scale, 1)

    bars, points, dots, labels = [], [], [], []
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(providers)}
    for i, r in enumerate(rows):
        x = left + i * step
        base = 0
        for provider in providers:
            agents = r.pledged.get(provider, 0)
            if agents:
                bars.append(
                    {
                        "x": round(x + step * 0.15, 1),
                        "y": y(base + agents),
                        "w": round(step * 0.7, 1),
                        "h": round(agents * scale, 1),
                        "color": colors[provider],
                        "provider": provider,
                        "agents": agents,
                        "interval": r.start.strftime("%H:%M"),
                    }
                )
                base += agents
        center = round(x + step / 2, 1)
        if r.required is not None:
            points.append({"x": center, "y": y(r.required), "agents": r.required})
        if r.logged_in is not None:
            dots.append({"x": center, "y": y(r.logged_in), "agents": r.logged_in})
        if len(rows) <= 24 or i % 4 == 0:
            labels.append({"x": center, "text": r.start.strftime("%H:%M")})
    tick_step = max(1, math.ceil(peak / 5))
    ticks = [{"y": y(v), "value": v} for v in range(0, int(peak * 1.1) + 1, tick_step)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "baseline": y(0),
        "bars": bars,
        "required": points,
        "required_path": " ".join(f"{p['x']},{p['y']}" for p in points),
        "logged_in": dots,
        "labels": labels,
        "ticks": ticks,
        "colors": colors,
    }


async def _plan(request: Request, hotline: str, day: date | None) -> dict[str, Any]:
    service = service_of(request)
    line = service.hotline(hotline)
    forecast = await _forecast(request, hotline)
    requirements = [] if forecast is None else forecast.requirements
    now = datetime.fromtimestamp(line.runner.clock())
    if day is None:
        day = _local(requirements[0].start).date() if requirements else now.date()
    start = datetime.combine(day, datetime.min.time())
    pledges = await asyncio.to_thread(
        load_pledges, service.database, hotline, start=start, end=start + timedelta(days=1)
    )
    logged_in = sum(
        count
        for row in line.view.agents_by_state().values()
        for status, count in row.items()
        if status != "logged_out"
    )
    rows = plan_table(day, requirements, pledges, logged_in, now)
    config = await service.config(hotline)
    providers = [p.name for p in config.providers]
    providers += sorted({p for r in rows for p in r.pledged} - set(providers))
    return {
        "day": day,
        "rows": rows,
        "providers": providers,
        "chart": plan_chart(rows, providers),
        "forecast": forecast,
    }


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise VerbundError(f"day {value!r}: expected a date like 2021-01-12") from exc


@router.get("/console/{hotline}")
async def console(
    request: Request, hotline: str, principal: PagePrincipal, day: str | None = None
) -> Response:
    _require(principal, "coordinator")
    service = service_of(request)
    config = await service.config(hotline)
    hotline_out = await config_api.get_hotline(request, hotline, principal)
    _ = gettext_for(request)
    plan = await _plan(request, hotline, _day(day))
    return render(
        request,
        "console.html",
        principal,
        hotline=hotline,
        title=await asyncio.to_thread(_title, request, hotline),
        config=config,
        rules={k: hotline_out["rules"].get(k) for k in RULE_FIELDS},
        strategies=_strategies(),
        channels=_channels(_),
        **plan,
    )


def _strategies() -> list[str]:
    from verbund.engine.policies import STRATEGIES

    return sorted(STRATEGIES)


async def _console_action(
    request: Request,
    hotline: str,
    action: Callable[[], Awaitable[object]],
    done: str,
    day: str = "",
) -> Response:
    target = f"/console/{quote(hotline)}" + (f"?day={quote(day)}" if day else "")
    try:
        await action()
    except INPUT_ERRORS as exc:
        if _passes_through(exc):
            raise
        return redirect(target, flash=("error", _input_error(exc)))
    return redirect(target, flash=("ok", done))


def _optional_seconds(name: str, value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise VerbundError(f"{name}: {value!r} is not a number of seconds") from None
    if not math.isfinite(number) or number < 0:
        raise VerbundError(f"{name}: expected 0 or more seconds, got {value!r}")
    return number


@router.post("/console/{hotline}/hotline")
async def console_hotline(
    request: Request,
    hotline: str,
    principal: PagePrincipal,
    title: Annotated[str, Form(max_length=200)] = "",
    callback_offer_ewt: Annotated[str, Form(max_length=50)] = "",
    max_ewt: Annotated[str, Form(max_length=50)] = "",
    redial_window: Annotated[str, Form(max_length=50)] = "",
    strategy: Annotated[str, Form(max_length=100)] = "",
    service_level_goal: Annotated[str, Form(max_length=20)] = "",
    service_level_target: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    _require(principal, "coordinator")
    _ = gettext_for(request)

    async def change() -> None:
        rules: dict[str, Any] = {
            "callback_offer_ewt": _optional_seconds("callback_offer_ewt", callback_offer_ewt),
            "max_ewt": _optional_seconds("max_ewt", max_ewt),
        }
        window = _optional_seconds("redial_window", redial_window)
        if window is None:
            raise VerbundError("redial_window: give the window in seconds, above 0")
        rules["redial_window"] = window
        if strategy:
            rules["strategy"] = strategy
        if service_level_goal.strip():  # in per cent on the form, a share in the rules
            rules["service_level_goal"] = _number("service_level_goal", service_level_goal) / 100
        target = _optional_seconds("service_level_target", service_level_target)
        if target == 0:
            raise VerbundError("service_level_target: give the seconds above 0, or leave it empty")
        rules["service_level_target"] = target
        body = HotlinePatch(title=title, rules=rules)
        await config_api.patch_hotline(request, hotline, body, principal)

    return await _console_action(request, hotline, change, _("The hotline was saved."))


@router.post("/console/{hotline}/topics")
async def console_topic(
    request: Request,
    hotline: str,
    principal: PagePrincipal,
    topic: Annotated[str, Form(max_length=200)] = "",
    languages: Annotated[str, Form(max_length=1000)] = "de",
) -> Response:
    _require(principal, "coordinator")
    _ = gettext_for(request)

    async def change() -> None:
        codes = [c.strip() for c in languages.replace(";", ",").split(",") if c.strip()]
        body = TopicBody(languages=codes)
        await config_api.put_topic(request, hotline, topic.strip(), body, principal)

    return await _console_action(request, hotline, change, _("The topic was saved."))


@router.post("/console/{hotline}/providers")
async def console_provider(
    request: Request,
    hotline: str,
    principal: PagePrincipal,
    provider: Annotated[str, Form(max_length=200)] = "",
    mode: Annotated[str, Form(max_length=20)] = "pooled",
    share: Annotated[str, Form(max_length=50)] = "1",
    label: Annotated[str, Form(max_length=500)] = "",
    serves: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    _require(principal, "coordinator")
    _ = gettext_for(request)

    async def change() -> None:
        body = ProviderBody.model_validate(
            {
                "mode": mode,
                "share": share,
                "label": label.strip() or None,
                "serves": [s.strip() for s in serves.split(",") if s.strip()],
            }
        )
        await config_api.put_provider(request, hotline, provider.strip(), body, principal)

    return await _console_action(request, hotline, change, _("The provider was saved."))


@router.post("/console/{hotline}/pledges")
async def console_pledges(
    request: Request,
    hotline: str,
    principal: PagePrincipal,
    provider: Annotated[str, Form(max_length=200)] = "",
    day: Annotated[str, Form(max_length=20)] = "",
    start: Annotated[str, Form(max_length=10)] = "",
    end: Annotated[str, Form(max_length=10)] = "",
    agents: Annotated[str, Form(max_length=20)] = "",
    share: Annotated[str, Form(max_length=20)] = "1",
) -> Response:
    """Pledge ``agents`` for every 15-minute interval from ``start`` up to ``end`` on ``day``."""
    _require(principal, "coordinator")
    _ = gettext_for(request)

    async def change() -> None:
        first = _at(day, start, "start")
        last = _at(day, end, "end") if end.strip() else first + INTERVAL
        if last <= first:
            raise VerbundError("end: expected a time after the start")
        rows = []
        moment = first
        while moment < last:
            rows.append(
                PledgeBody.model_validate(
                    {
                        "provider": provider.strip(),
                        "interval_start": moment,
                        "agents": agents,
                        "share": share,
                    }
                )
            )
            moment += INTERVAL
        await config_api.put_pledges(request, hotline, rows, principal)

    return await _console_action(request, hotline, change, _("The pledges were saved."), day)


def _at(day: str, clock: str, name: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day.strip()), _time(clock))
    except ValueError:
        raise VerbundError(
            f"{name}: expected a date like 2021-01-12 and a time like 08:00, got {day!r} {clock!r}"
        ) from None


def _time(clock: str) -> Any:
    return datetime.strptime(clock.strip(), "%H:%M").time()


@router.post("/console/{hotline}/forecast")
async def console_forecast(
    request: Request,
    hotline: str,
    principal: PagePrincipal,
    forecast: Annotated[UploadFile, File()],
    target: Annotated[str, Form(max_length=20)] = "20",
    service_level: Annotated[str, Form(max_length=20)] = "80",
    shrinkage: Annotated[str, Form(max_length=20)] = "0",
) -> Response:
    _require(principal, "coordinator")
    service = service_of(request)
    line = service.hotline(hotline)
    _ = gettext_for(request)
    source = (forecast.filename or "forecast.csv")[:200]
    data = await forecast.read(5_000_001)
    day = ""
    try:
        if len(data) > 5_000_000:
            raise VerbundError(f"{source}: larger than 5 MB; split it by day")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise VerbundError(f"{source}: not UTF-8 text; save the CSV as UTF-8") from None
        goals = Goals(
            target=_number("target", target),
            service_level=_number("service_level", service_level) / 100.0,
            shrinkage=_number("shrinkage", shrinkage) / 100.0,
        )
        rows = parse_forecast(text.splitlines(), source)
        if not rows:
            raise VerbundError(f"{source} has a header but no rows; add one row per interval")
        requirements = await asyncio.to_thread(planned, rows, goals)
    except (VerbundError, PlanningError, ValueError) as exc:
        return redirect(f"/console/{quote(hotline)}", flash=("error", str(exc)))
    stored = StoredForecast(
        source=source,
        text=text,
        target=goals.target,
        service_level=goals.service_level,
        shrinkage=goals.shrinkage,
        uploaded=line.runner.clock(),
        uploaded_by=principal.name,
    )
    await asyncio.to_thread(save_forecast, service.database, hotline, stored)
    _forecasts(request)[hotline] = (
        stored.uploaded,
        Forecast(
            source,
            rows,
            goals,
            requirements,
            datetime.fromtimestamp(stored.uploaded),
            principal.name,
        ),
    )
    day = _local(requirements[0].start).date().isoformat()
    return redirect(
        f"/console/{quote(hotline)}?day={day}",
        flash=(
            "ok",
            _("The forecast was read: %(n)s intervals.")
            % {"n": decimal_text(len(requirements), language(request))},
        ),
    )


def _number(name: str, value: str) -> float:
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        raise VerbundError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise VerbundError(f"{name}: {value!r} is not a number")
    return number


@router.get("/console/{hotline}/plan.csv")
async def plan_csv(
    request: Request, hotline: str, principal: PagePrincipal, day: str | None = None
) -> Response:
    _require(principal, "coordinator")
    plan = await _plan(request, hotline, _day(day))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    providers: list[str] = plan["providers"]
    writer.writerow(
        [
            "interval_start",
            "calls",
            "required_agents",
            "pledged_agents",
            *(f"pledged_{p}" for p in providers),
            "logged_in_agents",
        ]
    )
    for r in plan["rows"]:
        writer.writerow(
            [
                r.start.isoformat(timespec="minutes"),
                "" if r.calls is None else f"{r.calls:g}",
                "" if r.required is None else r.required,
                r.pledged_total,
                *(r.pledged.get(p, 0) for p in providers),
                "" if r.logged_in is None else r.logged_in,
            ]
        )
    filename = f"plan-{hotline}-{plan['day'].isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


# --- admin: users and agents ---------------------------------------------------------------------


@router.get("/admin")
async def admin(request: Request, principal: PagePrincipal) -> Response:
    _require(principal, "coordinator", "provider_admin")
    service = service_of(request)
    users = await config_api.get_users(request, principal)
    agents: dict[str, list[dict[str, Any]]] = {}
    providers: dict[str, list[str]] = {}
    for name in sorted(service.hotlines):
        agents[name] = await config_api.get_agents(request, name, principal)
        config = await service.config(name)
        providers[name] = [p.name for p in config.providers if principal.sees_provider(p.name)]
    own = sorted({p for names in providers.values() for p in names})
    return render(
        request,
        "admin.html",
        principal,
        users=users,
        agents=agents,
        providers=own,
        roles=_roles(principal),
    )


def _roles(principal: Principal) -> list[str]:
    if principal.is_coordinator:
        return ["agent", "supervisor", "provider_admin", "coordinator"]
    return ["agent", "supervisor", "provider_admin"]


async def _admin_action(
    request: Request, action: Callable[[], Awaitable[object]], done: str
) -> Response:
    try:
        await action()
    except INPUT_ERRORS as exc:
        if _passes_through(exc):
            raise
        return redirect("/admin", flash=("error", _input_error(exc)))
    return redirect("/admin", flash=("ok", done))


@router.post("/admin/users")
async def admin_create_user(
    request: Request,
    principal: PagePrincipal,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    role: Annotated[str, Form(max_length=50)] = "agent",
    provider: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _require(principal, "coordinator", "provider_admin")
    _ = gettext_for(request)
    if not principal.is_coordinator:
        provider = principal.provider or ""

    async def change() -> None:
        body = UserCreate.model_validate(
            {
                "name": name.strip(),
                "password": password,
                "role": role,
                "provider": None if role == "coordinator" else (provider.strip() or None),
            }
        )
        await config_api.post_user(request, body, principal)

    return await _admin_action(request, change, _("The user was created."))


@router.post("/admin/users/{name}")
async def admin_change_user(
    request: Request,
    name: str,
    principal: PagePrincipal,
    role: Annotated[str, Form(max_length=50)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    _require(principal, "coordinator", "provider_admin")
    _ = gettext_for(request)

    async def change() -> None:
        body = UserPatch.model_validate({"role": role or None, "password": password or None})
        await config_api.patch_user(request, name, body, principal)

    return await _admin_action(request, change, _("The user was changed."))


@router.post("/admin/users/{name}/delete")
async def admin_delete_user(request: Request, name: str, principal: PagePrincipal) -> Response:
    _require(principal, "coordinator", "provider_admin")
    _ = gettext_for(request)

    async def change() -> None:
        await config_api.remove_user(request, name, principal)

    return await _admin_action(request, change, _("The user was deleted."))


@router.post("/admin/agents")
async def admin_put_agent(
    request: Request,
    principal: PagePrincipal,
    hotline: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    provider: Annotated[str, Form(max_length=200)] = "",
    skills: Annotated[str, Form(max_length=5000)] = "",
    voice: Annotated[str, Form(max_length=5)] = "1",
    chat: Annotated[str, Form(max_length=5)] = "0",
    social: Annotated[str, Form(max_length=5)] = "0",
) -> Response:
    _require(principal, "coordinator", "provider_admin")
    _ = gettext_for(request)
    if not principal.is_coordinator:
        provider = principal.provider or ""

    async def change() -> None:
        levels: dict[str, str] = {}
        for item in skills.replace(";", ",").split(","):
            skill, _sep, level = item.strip().partition("=")
            if skill.strip():
                levels[skill.strip()] = level.strip() or "1"
        capacity = {"voice": voice or "0", "chat": chat or "0", "social": social or "0"}
        body = AgentBody.model_validate(
            {"provider": provider.strip(), "skills": levels, "capacity": capacity}
        )
        await config_api.put_agent(request, hotline, name.strip(), body, principal)

    return await _admin_action(request, change, _("The agent was saved."))


@router.post("/admin/agents/{hotline}/{agent}/delete")
async def admin_delete_agent(
    request: Request, hotline: str, agent: str, principal: PagePrincipal
) -> Response:
    _require(principal, "coordinator", "provider_admin")
    _ = gettext_for(request)

    async def change() -> None:
        await config_api.delete_agent(request, hotline, agent, principal)

    return await _admin_action(request, change, _("The agent was removed."))
