"""Live API: contacts in and out, agents' actions, connected providers' reports, current state.

Every command is answered once it is journalled. Who may send what:

* contacts arriving, abandoning, asking for or answering callbacks: the coordinator (channel
  adapters log in with a coordinator account);
* agents' actions: the agent, their provider's supervisors and admins, the coordinator;
* status reports and outcome records of a connected provider: its admins and supervisors;
* the state: everyone logged in, with agents and contacts only of their own provider.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from verbund.engine import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AlreadyWaiting,
    AnnounceWait,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    Channel,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    ContactState,
    ContactStateChanged,
    OfferAccepted,
    OfferCallback,
    OfferDeclined,
    ProviderMode,
    ProviderStatusReported,
    QueueKey,
    RejectContact,
    RouteContact,
    WrapUpDone,
)
from verbund.errors import ConfigurationError, UnknownEntity
from verbund.service import Hotline, Outcome, Principal
from verbund.store.outcomes import (
    finished_contact,
    read_feedback,
    save_feedback,
    save_note,
    save_outcome,
)
from verbund.web.auth import (
    CurrentPrincipal,
    require_agent_or_provider,
    require_coordinator,
    require_provider,
    service_of,
)
from verbund.web.errors import Forbidden
from verbund.web.schemas import (
    Accepted,
    ContactAnswer,
    ContactCreate,
    FeedbackBody,
    NotReadyBody,
    OutcomeRecord,
    StatusReport,
    WrapUpBody,
)

router = APIRouter(tags=["live"])


def _hotline(request: Request, name: str) -> Hotline:
    return service_of(request).hotline(name)


def _accepted(outcome: Outcome) -> Accepted:
    return Accepted(seq=outcome.seq, effects=len(outcome.effects))


async def _submit(hotline: Hotline, command: Command) -> Outcome:
    return await hotline.runner.submit(command)


# --- contacts ------------------------------------------------------------------------------------


def answer(contact: str, outcome: Outcome) -> ContactAnswer:
    """What the engine decided about an arrival, in one object."""
    out: dict[str, Any] = {"contact": contact, "status": "other", "seq": outcome.seq}
    for effect in outcome.effects:
        if isinstance(effect, ContactStateChanged) and effect.contact == contact:
            state = effect.state
            if state is ContactState.QUEUED:
                out["status"] = "queued"
            elif state in (ContactState.OFFERED, ContactState.CALLBACK_OFFERED):
                out["status"] = "offered"
                out["agent"] = effect.agent
            elif state in (ContactState.CONNECTED, ContactState.CALLBACK_DIALING):  # auto-answer
                out["status"] = state.value
                out["agent"] = effect.agent
            elif state is ContactState.ROUTED:
                out["status"] = "routed"
                out["provider"] = effect.provider
            elif state is ContactState.REJECTED:
                out["status"] = "rejected"
            elif state is ContactState.CALLBACK_WAITING:
                out["status"] = "callback_waiting"
        elif isinstance(effect, AnnounceWait) and effect.contact == contact:
            out["position"], out["ewt"] = effect.position, effect.ewt
        elif isinstance(effect, OfferCallback) and effect.contact == contact:
            out["callback_offered"] = True
            out["ewt"] = effect.ewt if out.get("ewt") is None else out["ewt"]
        elif isinstance(effect, RejectContact) and effect.contact == contact:
            out.update(
                status="rejected",
                reason=effect.reason,
                retry_after=effect.retry_after,
                callback_available=effect.callback_available,
            )
        elif isinstance(effect, AlreadyWaiting) and effect.attempt == contact:
            out.update(
                status="already_waiting",
                waiting_contact=effect.contact,
                position=effect.position,
            )
        elif isinstance(effect, RouteContact) and effect.contact == contact:
            out.update(status="routed", provider=effect.provider, label=effect.label)
    return ContactAnswer(**out)


@router.post(
    "/hotlines/{hotline}/contacts",
    status_code=201,
    summary="A call, chat, social message or callback request arrives (coordinator)",
)
async def contact_arrived(
    request: Request, hotline: str, body: ContactCreate, principal: CurrentPrincipal
) -> ContactAnswer:
    require_coordinator(principal)
    line = _hotline(request, hotline)
    command = ContactArrived(
        body.contact or uuid.uuid4().hex,
        body.caller,
        body.topic,
        body.language,
        Channel(body.channel),
        body.priority,
        body.callback,
    )
    return await arrive(line, command)


async def arrive(line: Hotline, command: ContactArrived) -> ContactAnswer:
    """Submit an arrival (a call, a web chat, a social message) and answer with the engine's
    decision, the place in the queue and the expected wait included."""
    contact = command.contact
    result = answer(contact, await _submit(line, command))
    if result.status in ("queued", "callback_waiting") and result.position is None:
        result.position = line.runner.engine.position(contact) if line.runner.engine else None
        key = QueueKey(command.topic, command.language, command.channel)
        if result.ewt is None and line.runner.engine is not None and result.position:
            result.ewt = line.runner.engine.queue_ewt(key)
    return result


def _contact_view(line: Hotline, contact: str, principal: Principal) -> dict[str, Any]:
    view = line.view.contacts.get(contact)
    if view is None:
        raise UnknownEntity(f"no live contact {contact!r} in hotline {line.name!r}")
    if principal.is_coordinator:
        return view.public(reveal_caller=True)
    if principal.role == "agent":
        if view.agent != principal.name:
            raise UnknownEntity(f"no live contact {contact!r} of yours")
    elif view.provider is None or view.provider != principal.provider:
        raise UnknownEntity(f"no live contact {contact!r} of provider {principal.provider!r}")
    return view.public(reveal_caller=False)


@router.get("/hotlines/{hotline}/contacts/{contact}", summary="A live contact")
async def get_contact(
    request: Request, hotline: str, contact: str, principal: CurrentPrincipal
) -> dict[str, Any]:
    line = _hotline(request, hotline)
    found = _contact_view(line, contact, principal)
    engine = line.runner.engine
    found["position"] = None if engine is None else engine.position(contact)
    return found


def _channel_command(name: str) -> Any:
    async def route(
        request: Request, hotline: str, contact: str, principal: CurrentPrincipal
    ) -> Accepted:
        require_coordinator(principal)
        command = {
            "abandon": ContactAbandoned,
            "callback": CallbackRequested,
            "callback-answered": CallbackAnswered,
            "callback-not-answered": CallbackNotAnswered,
        }[name](contact)
        return _accepted(await _submit(_hotline(request, hotline), command))

    route.__name__ = f"contact_{name.replace('-', '_')}"
    return route


for _action, _summary in (
    ("abandon", "The caller hung up, left the chat or cancelled the callback"),
    ("callback", "The waiting caller accepts a callback and keeps their place"),
    ("callback-answered", "The caller answered the callback"),
    ("callback-not-answered", "The callback was not answered"),
):
    router.add_api_route(
        f"/hotlines/{{hotline}}/contacts/{{contact}}/{_action}",
        _channel_command(_action),
        methods=["POST"],
        summary=f"{_summary} (coordinator)",
        response_model=Accepted,
    )


def _held_by_agent(line: Hotline, contact: str, principal: Principal) -> str:
    """The agent holding ``contact``, after checking that ``principal`` may act for them."""
    engine = line.runner.engine
    agent = None if engine is None else engine.contact_agent(contact)
    if agent is None:
        raise UnknownEntity(f"contact {contact!r} is not with an agent in hotline {line.name!r}")
    assert engine is not None
    try:
        require_agent_or_provider(principal, agent, engine.agent_provider(agent))
    except Forbidden as exc:
        raise UnknownEntity(f"contact {contact!r} is not with an agent of yours") from exc
    return agent


@router.post("/hotlines/{hotline}/contacts/{contact}/end", summary="The conversation is over")
async def contact_ended(
    request: Request, hotline: str, contact: str, principal: CurrentPrincipal
) -> Accepted:
    line = _hotline(request, hotline)
    _held_by_agent(line, contact, principal)
    return _accepted(await _submit(line, ContactEnded(contact)))


@router.post(
    "/hotlines/{hotline}/contacts/{contact}/wrap-up-done",
    summary="Wrap-up finished, with a disposition code and a note",
)
async def wrap_up_done(
    request: Request,
    hotline: str,
    contact: str,
    principal: CurrentPrincipal,
    body: WrapUpBody | None = None,
) -> Accepted:
    line = _hotline(request, hotline)
    agent = _held_by_agent(line, contact, principal)
    outcome = await _submit(line, WrapUpDone(contact))
    if body is not None and (body.disposition or body.note):
        engine = line.runner.engine
        note = {
            "contact": contact,
            "agent": agent,
            "provider": None if engine is None else engine.agent_provider(agent),
            "disposition": body.disposition,
            "note": body.note,
            "at": outcome.at,
        }
        await asyncio.to_thread(save_note, service_of(request).database, hotline, note)
    return _accepted(outcome)


@router.post(
    "/hotlines/{hotline}/contacts/{contact}/feedback",
    status_code=201,
    summary="A caller's thanks and rating for the agent who helped (coordinator)",
)
async def feedback(
    request: Request,
    hotline: str,
    contact: str,
    body: FeedbackBody,
    principal: CurrentPrincipal,
) -> dict[str, bool]:
    require_coordinator(principal)
    line = _hotline(request, hotline)
    if body.stars is None and not body.thanks:
        raise ConfigurationError("give stars (1 to 5), thanks, or both")
    database = service_of(request).database
    finished = await asyncio.to_thread(finished_contact, database, hotline, contact)
    if finished is None or finished["agent"] is None:
        raise UnknownEntity(
            f"contact {contact!r} of hotline {hotline!r} is not a finished conversation with an "
            "agent (feedback comes after the conversation; try again once it is over)"
        )
    record = {
        "contact": contact,
        "agent": finished["agent"],
        "provider": finished["provider"],
        "stars": body.stars,
        "thanks": body.thanks,
        "at": line.runner.clock(),
    }
    return {"saved": await asyncio.to_thread(save_feedback, database, hotline, record)}


# --- agents --------------------------------------------------------------------------------------


def _agent(line: Hotline, agent: str, principal: Principal) -> None:
    engine = line.runner.engine
    if engine is None:
        raise UnknownEntity(f"hotline {line.name!r} is starting")
    try:
        provider = engine.agent_provider(agent)
    except UnknownEntity:
        if principal.is_coordinator:
            raise
        provider = None
    try:
        require_agent_or_provider(principal, agent, provider)
    except Forbidden:
        if provider is None:
            raise UnknownEntity(f"no agent {agent!r} of yours in hotline {line.name!r}") from None
        raise


def _agent_command(name: str) -> Any:
    async def route(
        request: Request, hotline: str, agent: str, principal: CurrentPrincipal
    ) -> Accepted:
        line = _hotline(request, hotline)
        _agent(line, agent, principal)
        command = {"login": AgentLoggedIn, "logout": AgentLoggedOut, "ready": AgentReady}[name](
            agent
        )
        return _accepted(await _submit(line, command))

    route.__name__ = f"agent_{name}"
    return route


for _action, _summary in (
    ("login", "The agent logs in (not ready)"),
    ("logout", "The agent logs out"),
    ("ready", "The agent is ready for contacts"),
):
    router.add_api_route(
        f"/hotlines/{{hotline}}/agents/{{agent}}/{_action}",
        _agent_command(_action),
        methods=["POST"],
        summary=_summary,
        response_model=Accepted,
    )


@router.post("/hotlines/{hotline}/agents/{agent}/not-ready", summary="The agent takes a break")
async def agent_not_ready(
    request: Request,
    hotline: str,
    agent: str,
    principal: CurrentPrincipal,
    body: NotReadyBody | None = None,
) -> Accepted:
    line = _hotline(request, hotline)
    _agent(line, agent, principal)
    reason = "break" if body is None else body.reason
    return _accepted(await _submit(line, AgentNotReady(agent, reason)))


def _offer_command(command: type[OfferAccepted] | type[OfferDeclined]) -> Any:
    async def route(
        request: Request, hotline: str, agent: str, contact: str, principal: CurrentPrincipal
    ) -> Accepted:
        line = _hotline(request, hotline)
        _agent(line, agent, principal)
        return _accepted(await _submit(line, command(contact, agent)))

    return route


for _action, _command in (("accept", OfferAccepted), ("decline", OfferDeclined)):
    router.add_api_route(
        f"/hotlines/{{hotline}}/agents/{{agent}}/offers/{{contact}}/{_action}",
        _offer_command(_command),
        methods=["POST"],
        summary=f"{_action.capitalize()} an offer",
        response_model=Accepted,
        name=_action,
    )


@router.get(
    "/hotlines/{hotline}/agents/{agent}/desk",
    summary="An agent's desktop: status, ringing offers, contacts held",
)
async def desk(
    request: Request, hotline: str, agent: str, principal: CurrentPrincipal
) -> dict[str, Any]:
    line = _hotline(request, hotline)
    _agent(line, agent, principal)
    return line.agent_desk(agent)


@router.get(
    "/hotlines/{hotline}/agents/{agent}/feedback",
    summary="The thanks and ratings callers left for an agent, newest first",
)
async def agent_feedback(
    request: Request, hotline: str, agent: str, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    line = _hotline(request, hotline)
    _agent(line, agent, principal)
    database = service_of(request).database
    return await asyncio.to_thread(read_feedback, database, hotline, agent)


# --- connected providers -------------------------------------------------------------------------


def _connected(line: Hotline, provider: str, principal: Principal) -> None:
    require_provider(principal, provider)
    engine = line.runner.engine
    spec = None if engine is None else engine.provider(provider)
    if spec is None or spec.mode is not ProviderMode.CONNECTED:
        raise UnknownEntity(f"no connected provider {provider!r} in hotline {line.name!r}")


@router.post(
    "/hotlines/{hotline}/providers/{provider}/status",
    summary="A connected provider's ACD reports its live status",
)
async def status_report(
    request: Request,
    hotline: str,
    provider: str,
    body: StatusReport,
    principal: CurrentPrincipal,
) -> Accepted:
    line = _hotline(request, hotline)
    _connected(line, provider, principal)
    command = ProviderStatusReported(
        provider, body.ready_agents, body.waiting, body.handle_time, body.serving_agents
    )
    return _accepted(await _submit(line, command))


@router.post(
    "/hotlines/{hotline}/providers/{provider}/outcomes",
    status_code=201,
    summary="A connected provider reports what became of a call routed to it",
)
async def outcome_record(
    request: Request,
    hotline: str,
    provider: str,
    body: OutcomeRecord,
    principal: CurrentPrincipal,
) -> dict[str, bool]:
    line = _hotline(request, hotline)
    _connected(line, provider, principal)
    record = {**body.model_dump(), "reported": line.runner.clock()}
    database = service_of(request).database
    saved = await asyncio.to_thread(save_outcome, database, hotline, provider, record)
    return {"saved": saved}


@router.get(
    "/hotlines/{hotline}/queues/{queue}",
    summary="The contacts waiting in one queue, in order (coordinator; a page at a time)",
)
async def queue_contents(
    request: Request,
    hotline: str,
    queue: str,
    principal: CurrentPrincipal,
    limit: int = Query(100, ge=1, le=1000, description="at most this many contacts"),
    offset: int = Query(0, ge=0, le=10_000_000, description="skip this many first"),
) -> dict[str, Any]:
    """``queue`` is ``topic:language:channel``; the contacts come in the order they will be
    served (priority, then first arrival), with their 1-based position and state."""
    require_coordinator(principal)
    line = _hotline(request, hotline)
    parts = queue.split(":")
    if len(parts) != 3 or not all(parts) or parts[2] not in {c.value for c in Channel}:
        raise HTTPException(
            422, f"queue {queue!r}: expected topic:language:channel, e.g. termin:de:voice"
        )
    key = QueueKey(parts[0], parts[1], Channel(parts[2]))
    engine = line.runner.engine
    waiting = [] if engine is None else engine.waiting(key)
    page = waiting[offset : offset + limit]
    states = {} if engine is None else {c: engine.contact_state(c) for c in page}
    return {
        "queue": queue,
        "waiting": len(waiting),
        "offset": offset,
        "limit": limit,
        "contacts": [
            {
                "contact": contact,
                "position": offset + i,
                "state": None if (state := states[contact]) is None else state.value,
            }
            for i, contact in enumerate(page, start=1)
        ],
    }


# --- state ---------------------------------------------------------------------------------------


@router.get(
    "/hotlines/{hotline}/state",
    summary="Queues, agents by state per provider, expected waits, service level today",
)
async def state(request: Request, hotline: str, principal: CurrentPrincipal) -> dict[str, Any]:
    line = _hotline(request, hotline)
    return state_document(line, principal)


def state_document(line: Hotline, principal: Principal) -> dict[str, Any]:
    """The state a wallboard shows, as ``principal`` may see it."""
    view = line.view
    own = None if principal.is_coordinator else principal.provider
    return {
        "hotline": line.name,
        "at": line.runner.clock(),
        "queues": view.queue_summary(),
        "totals": view.totals(),
        "intervals": view.intervals(),
        "agents": {
            "alliance": view.alliance_agents(),
            "by_provider": view.agents_by_state(own) if own or principal.is_coordinator else {},
        },
        "providers": view.provider_counts(own) if own or principal.is_coordinator else {},
        "journal_seq": line.runner.last_seq,
    }
