"""Conversations for staff and channel adapters: history, the agent's replies, social media.

    GET  /api/v1/hotlines/{h}/contacts/{c}/messages          a chat's or social thread's history
    POST /api/v1/hotlines/{h}/contacts/{c}/messages          the agent replies (while connected)
    POST /api/v1/hotlines/{h}/social/messages                an adapter posts an inbound message
    GET  /api/v1/hotlines/{h}/social/outbox                  agent replies waiting to be sent
    POST /api/v1/hotlines/{h}/social/outbox/{id}/ack         the adapter sent it (or could not)

Who may:

* read a conversation: the agent the contact is with (offered, connected, wrap-up; once it is
  finished, the agent who answered it), the admins and supervisors of that agent's provider, and
  the coordinator. Anyone else is told it does not exist (404). Callers are masked but for the
  last four characters for everyone but the coordinator;
* reply: whoever may act for the agent holding the contact (the agent, their provider's admins
  and supervisors, the coordinator) — for that agent, while the contact is connected; the
  message keeps who actually wrote it (``author``, ``author_role``), which the desk shows;
* the social endpoints: the coordinator, like every channel adapter (a social adapter logs in
  with a coordinator account, as the SIP and chat gateways do for ``POST /contacts``).

A reply on a web chat reaches the citizen's page at once (delivery ``sent``); one on a social
thread waits in the outbox (``pending``) until the adapter acknowledges it as ``sent`` or
``failed``, and the agent's desk is told either way.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Query, Request

from verbund.engine import Channel, ContactArrived, ContactState
from verbund.errors import UnknownEntity
from verbund.service import Hotline, Principal
from verbund.service.conversations import for_staff
from verbund.service.live import mask_caller
from verbund.store.conversations import pending_messages, set_delivery
from verbund.web.auth import (
    CurrentPrincipal,
    require_agent_or_provider,
    require_coordinator,
    service_of,
)
from verbund.web.errors import Conflict, Forbidden
from verbund.web.live_api import _held_by_agent, arrive
from verbund.web.schemas import (
    ConversationOut,
    DeliveryAnswer,
    DeliveryReport,
    MessageBody,
    OutboxItem,
    SocialAccepted,
    SocialInbound,
    StaffMessage,
)

router = APIRouter(tags=["conversations"])


async def _readable(request: Request, line: Hotline, contact: str, principal: Principal) -> None:
    """Raises UnknownEntity unless ``principal`` may read ``contact``'s conversation."""
    if principal.is_coordinator:
        return
    holder = await service_of(request).conversations.holder(line, contact)
    hidden = UnknownEntity(f"no conversation {contact!r} in hotline {line.name!r}")
    if holder is None:
        raise hidden
    try:
        require_agent_or_provider(principal, *holder)
    except Forbidden as exc:
        raise hidden from exc


@router.get(
    "/hotlines/{hotline}/contacts/{contact}/messages",
    summary="A chat's or social thread's history, oldest first",
)
async def conversation_history(
    request: Request,
    hotline: str,
    contact: str,
    principal: CurrentPrincipal,
    after: int = Query(0, ge=0, le=1_000_000_000, description="only messages after this seq"),
) -> ConversationOut:
    service = service_of(request)
    line = service.hotline(hotline)
    await _readable(request, line, contact, principal)
    found = await service.conversations.get(line, contact)
    messages = await service.conversations.messages(line, contact, after=after)
    caller = found["caller"] if principal.is_coordinator else mask_caller(found["caller"])
    return ConversationOut(
        contact=contact,
        channel=found["channel"],
        topic=found["topic"],
        language=found["language"],
        caller=caller,
        platform=found["platform"],
        messages=[StaffMessage(**for_staff(m)) for m in messages],
    )


@router.post(
    "/hotlines/{hotline}/contacts/{contact}/messages",
    status_code=201,
    summary="The agent replies through the contact's channel (chat: at once; social: outbox)",
)
async def agent_replies(
    request: Request, hotline: str, contact: str, body: MessageBody, principal: CurrentPrincipal
) -> StaffMessage:
    service = service_of(request)
    line = service.hotline(hotline)
    agent = _held_by_agent(line, contact, principal)
    engine = line.runner.engine
    assert engine is not None
    if engine.contact_state(contact) is not ContactState.CONNECTED:
        raise Conflict(f"contact {contact!r} is not connected: replies go to a live conversation")
    found = await service.conversations.get(line, contact)
    delivery = "pending" if found["channel"] == "social" else "sent"
    message = await service.conversations.append(
        line,
        contact,
        sender="agent",
        text=body.text,
        agent=agent,
        provider=engine.agent_provider(agent),
        delivery=delivery,
        author=principal.name,
        author_role=principal.role,
    )
    return StaffMessage(**for_staff(message))


# --- social media adapters -----------------------------------------------------------------------


@router.post(
    "/hotlines/{hotline}/social/messages",
    status_code=201,
    summary="A social-media adapter posts an inbound message (coordinator)",
)
async def social_inbound(
    request: Request, hotline: str, body: SocialInbound, principal: CurrentPrincipal
) -> SocialAccepted:
    """Appends to the thread's open contact; a thread without one (new, or its last contact
    in wrap-up or over) starts a new contact on channel ``social`` — unless the same person
    already waits with another thread, whose contact the message then joins."""
    require_coordinator(principal)
    service = service_of(request)
    line = service.hotline(hotline)
    conversations = service.conversations
    engine = line.runner.engine
    open_contact = None
    for contact in await conversations.thread(line, body.platform, body.thread):
        state = None if engine is None else engine.contact_state(contact)
        if state is not None and state is not ContactState.WRAP_UP:
            open_contact = contact
        break  # only the newest contact of a thread can be open
    answer = None
    if open_contact is None:
        contact = uuid.uuid4().hex
        caller = f"{body.platform}:{body.sender}"
        command = ContactArrived(contact, caller, body.topic, body.language, Channel.SOCIAL)
        answer = await arrive(line, command)
        waiting = answer.waiting_contact
        # The same person already waits in another thread: this message joins that contact.
        if (
            answer.status == "already_waiting"
            and waiting is not None
            and await conversations.exists(line, waiting)
        ):
            message = await conversations.append(
                line, waiting, sender="caller", text=body.text, external_id=body.message_id
            )
            return SocialAccepted(
                contact=waiting,
                new_contact=False,
                duplicate=bool(message.get("duplicate")),
                message=StaffMessage(**for_staff(message)),
                answer=answer,
            )
        record = {
            "contact": contact,
            "channel": "social",
            "topic": body.topic,
            "language": body.language,
            "caller": caller,
            "platform": body.platform,
            "thread": body.thread,
        }
        await conversations.open(line, record)
        open_contact = contact
    message = await conversations.append(
        line, open_contact, sender="caller", text=body.text, external_id=body.message_id
    )
    return SocialAccepted(
        contact=open_contact,
        new_contact=answer is not None,
        duplicate=bool(message.get("duplicate")),
        message=StaffMessage(**for_staff(message)),
        answer=answer,
    )


@router.get(
    "/hotlines/{hotline}/social/outbox",
    summary="Agents' replies on social threads waiting to be sent, oldest first (coordinator)",
)
async def social_outbox(
    request: Request,
    hotline: str,
    principal: CurrentPrincipal,
    limit: int = Query(100, ge=1, le=1000, description="at most this many"),
) -> list[OutboxItem]:
    require_coordinator(principal)
    service = service_of(request)
    line = service.hotline(hotline)
    rows = await asyncio.to_thread(pending_messages, service.database, line.name, limit=limit)
    return [
        OutboxItem(
            id=row["id"],
            contact=row["contact"],
            seq=row["seq"],
            platform=row["platform"],
            thread=row["thread"],
            recipient=str(row["caller"]).partition(":")[2] or str(row["caller"]),
            text=row["text"],
            at=row["at"],
        )
        for row in rows
    ]


@router.post(
    "/hotlines/{hotline}/social/outbox/{message}/ack",
    summary="The adapter reports a reply as sent or failed (coordinator)",
)
async def social_acknowledge(
    request: Request,
    hotline: str,
    message: int,
    body: DeliveryReport,
    principal: CurrentPrincipal,
) -> DeliveryAnswer:
    require_coordinator(principal)
    service = service_of(request)
    line = service.hotline(hotline)
    if not 1 <= message <= 2**62:
        raise UnknownEntity(f"no outbound message {message} in hotline {line.name!r}")
    found = await asyncio.to_thread(
        set_delivery, service.database, line.name, message, body.state, body.detail
    )
    if found is None:
        raise UnknownEntity(f"no outbound message {message} in hotline {line.name!r}")
    _tell_desk(request, line, found)
    return DeliveryAnswer(id=found["id"], contact=found["contact"], delivery=found["delivery"])


def _tell_desk(request: Request, line: Hotline, message: dict[str, Any]) -> None:
    """The agent holding the contact sees the reply's delivery change."""
    engine = line.runner.engine
    agent = None if engine is None else engine.contact_agent(message["contact"])
    if agent is not None:
        update = {
            "type": "delivery",
            "contact": message["contact"],
            "id": message["id"],
            "delivery": message["delivery"],
        }
        service_of(request).bus.publish_agent(line.name, agent, update)
