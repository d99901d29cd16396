"""The citizen's side of the web chat: start a chat, write, read the replies, leave. No login.

    POST /api/v1/hotlines/{h}/chats                      start: a contact on channel "chat"
    GET  /api/v1/hotlines/{h}/chats/{c}                  state, place in the queue, messages
    POST /api/v1/hotlines/{h}/chats/{c}/messages         the citizen writes
    POST /api/v1/hotlines/{h}/chats/{c}/leave            abandon while waiting, end when talking
    WS   /api/v1/hotlines/{h}/chats/{c}/ws?token=…       the same live: replies, state, waits

Starting a chat is an arrival like any other (``live_api.arrive``); its answer carries a token
that opens this one chat (``X-Chat-Token``, or ``?token=`` for the WebSocket). Every message is
stored before it is acknowledged. Chats started per client address and messages per chat are
rate-limited (settings ``chat_starts_per_minute``, ``chat_messages_per_minute``; 429 with
Retry-After), and a message is at most 2,000 characters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.security import APIKeyHeader

from verbund.engine import Channel, ContactAbandoned, ContactArrived, ContactEnded, ContactState
from verbund.errors import VerbundError
from verbund.service import ChatTokens, Hotline, JournalUnavailable, Settings, citizen_state
from verbund.service.conversations import for_citizen
from verbund.store import StoreError
from verbund.web.auth import service_of
from verbund.web.errors import Conflict
from verbund.web.limits import RateLimiter
from verbund.web.live_api import arrive
from verbund.web.schemas import (
    ChatLeft,
    ChatStart,
    ChatStarted,
    ChatState,
    CitizenMessage,
    MessageBody,
)
from verbund.web.ws import _drain

router = APIRouter(tags=["web chat"])
log = logging.getLogger("verbund.web.chat")

chat_token = APIKeyHeader(
    name="X-Chat-Token",
    auto_error=False,
    description="the token the start of the chat answered with",
)
ChatToken = Annotated[str | None, Depends(chat_token)]
POSITION_EVERY = 2.0  # seconds: a waiting chat page learns its place at least this often


def tokens_of(request: Request | WebSocket) -> ChatTokens:
    tokens: ChatTokens = request.app.state.chat_tokens
    return tokens


def limits_of(request: Request) -> tuple[RateLimiter, RateLimiter]:
    limits: tuple[RateLimiter, RateLimiter] = request.app.state.chat_limits
    return limits


def chat_limits(settings: Settings) -> tuple[RateLimiter, RateLimiter]:
    """For ``create_app``: (chats started per client address, messages per chat)."""
    return (
        RateLimiter(
            rate=settings.chat_starts_per_minute, per=60.0, what="new chats from your address"
        ),
        RateLimiter(rate=settings.chat_messages_per_minute, per=60.0, what="messages in this chat"),
    )


def _chat(request: Request, hotline: str, contact: str, token: str | None) -> Hotline:
    """The hotline, once ``token`` proves that the caller holds this chat."""
    tokens_of(request).check(token, hotline, contact)
    return service_of(request).hotline(hotline)


def _waiting_place(line: Hotline, contact: str) -> tuple[int | None, float | None]:
    engine = line.runner.engine
    if engine is None:
        return None, None
    position = engine.position(contact)
    details = engine.contact_details(contact)
    if position is None or details is None:
        return position, None
    ewt = engine.queue_ewt(details[1])
    return position, ewt if ewt is not None and math.isfinite(ewt) else None


def _state(line: Hotline, contact: str) -> ContactState | None:
    engine = line.runner.engine
    return None if engine is None else engine.contact_state(contact)


@router.post(
    "/hotlines/{hotline}/chats",
    status_code=201,
    summary="A citizen starts a web chat (no login; answers with the chat's token)",
)
async def start_chat(request: Request, hotline: str, body: ChatStart) -> ChatStarted:
    client = request.client.host if request.client else "unknown"
    limits_of(request)[0].check(client)
    service = service_of(request)
    line = service.hotline(hotline)
    contact = uuid.uuid4().hex
    caller = f"chat:{uuid.uuid4().hex[:16]}"
    command = ContactArrived(contact, caller, body.topic, body.language, Channel.CHAT)
    answer = await arrive(line, command)
    record = {
        "contact": contact,
        "channel": "chat",
        "topic": body.topic,
        "language": body.language,
        "caller": caller,
    }
    messages: list[dict[str, Any]] = []
    try:
        await service.conversations.open(line, record)
        if body.text is not None:
            messages.append(
                await service.conversations.append(line, contact, sender="caller", text=body.text)
            )
    except StoreError as exc:
        log.error("chat %s of hotline %s not stored: %s", contact, hotline, exc)
        if answer.status != "rejected":
            with contextlib.suppress(VerbundError):
                await line.runner.submit(ContactAbandoned(contact))
        raise JournalUnavailable(
            "the chat could not be stored; nothing of it was kept: try again"
        ) from exc
    if answer.status == "rejected":
        return ChatStarted(
            contact=contact,
            token=None,
            state="rejected",
            reason=answer.reason,
            retry_after=answer.retry_after,
        )
    position, ewt = _waiting_place(line, contact)
    return ChatStarted(
        contact=contact,
        token=tokens_of(request).issue(hotline, contact),
        state=citizen_state(_state(line, contact)),  # type: ignore[arg-type]
        position=position if position is not None else answer.position,
        ewt=ewt if ewt is not None else answer.ewt,
        messages=[CitizenMessage(**for_citizen(m)) for m in messages],
    )


@router.get(
    "/hotlines/{hotline}/chats/{contact}",
    summary="A chat as its citizen sees it: state, place in the queue, messages",
)
async def get_chat(request: Request, hotline: str, contact: str, token: ChatToken) -> ChatState:
    line = _chat(request, hotline, contact, token)
    document = await _document(request, line, contact)
    return ChatState(**document)


async def _document(request: Request | WebSocket, line: Hotline, contact: str) -> dict[str, Any]:
    conversations = request.app.state.service.conversations
    messages = await conversations.messages(line, contact)
    state = citizen_state(_state(line, contact))
    position, ewt = _waiting_place(line, contact) if state == "waiting" else (None, None)
    return {
        "contact": contact,
        "state": state,
        "position": position,
        "ewt": ewt,
        "messages": [for_citizen(m) for m in messages],
    }


@router.post(
    "/hotlines/{hotline}/chats/{contact}/messages",
    status_code=201,
    summary="The citizen writes (stored before it is acknowledged)",
)
async def citizen_writes(
    request: Request, hotline: str, contact: str, body: MessageBody, token: ChatToken
) -> CitizenMessage:
    line = _chat(request, hotline, contact, token)
    if citizen_state(_state(line, contact)) == "ended":
        raise Conflict("this chat has ended: start a new one to write again")
    limits_of(request)[1].check(f"{hotline}\n{contact}")
    message = await service_of(request).conversations.append(
        line, contact, sender="caller", text=body.text
    )
    return CitizenMessage(**for_citizen(message))


@router.post(
    "/hotlines/{hotline}/chats/{contact}/leave",
    summary="The citizen leaves: abandoned while waiting, ended while talking",
)
async def leave_chat(request: Request, hotline: str, contact: str, token: ChatToken) -> ChatLeft:
    line = _chat(request, hotline, contact, token)
    state = _state(line, contact)
    if state is ContactState.CONNECTED:
        await service_of(request).conversations.append(
            line, contact, sender="system", text="caller_left"
        )
        await line.runner.submit(ContactEnded(contact))
    elif citizen_state(state) == "waiting":
        await line.runner.submit(ContactAbandoned(contact))
    return ChatLeft(contact=contact, state=citizen_state(_state(line, contact)))  # type: ignore[arg-type]


@router.websocket("/hotlines/{hotline}/chats/{contact}/ws")
async def chat_socket(websocket: WebSocket, hotline: str, contact: str) -> None:
    """First the whole chat (``chat``), then ``message``, ``state`` and ``wait`` as they come."""
    service = websocket.app.state.service
    try:
        tokens_of(websocket).check(websocket.query_params.get("token"), hotline, contact)
        line = service.hotline(hotline)
    except VerbundError as exc:
        await websocket.accept()
        await websocket.close(code=4401, reason=str(exc)[:120])
        return
    await websocket.accept()
    with service.bus.subscribe_contact(hotline, contact) as subscription:
        document = await _document(websocket, line, contact)
        await websocket.send_json({"type": "chat", **document})
        place = (document["position"], document["ewt"])
        receiver = asyncio.create_task(_drain(websocket))
        getter: asyncio.Task[dict[str, Any]] | None = None
        try:
            while True:
                if getter is None:
                    getter = asyncio.create_task(subscription.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, timeout=POSITION_EVERY, return_when=asyncio.FIRST_COMPLETED
                )
                if receiver in done:
                    return
                if getter in done:
                    message, getter = getter.result(), None
                    if message["type"] == "state":
                        state = citizen_state(ContactState(message["state"]))
                        message = {"type": "state", "state": state}
                    elif message["type"] == "wait":
                        place = (message["position"], message["ewt"])
                    await websocket.send_json(message)
                    if subscription.overflowed and subscription.queue.empty():
                        await websocket.close(code=1013, reason="too far behind: connect again")
                        return
                elif citizen_state(_state(line, contact)) == "waiting":
                    now = _waiting_place(line, contact)
                    if now != place:
                        place = now
                        await websocket.send_json(
                            {"type": "wait", "position": now[0], "ewt": now[1]}
                        )
        except (WebSocketDisconnect, RuntimeError):
            return
        finally:
            receiver.cancel()
            if getter is not None:
                getter.cancel()
