"""WebSockets: agents' desktops receive offers and contact updates; wallboards receive state.

    /api/v1/hotlines/{hotline}/agents/{agent}/ws      offers, cancellations, status, contacts
    /api/v1/hotlines/{hotline}/wallboard/ws           the state document, on every change

Log in with ``?token=<bearer token>`` or the session cookie. A browser sends the cookie with a
handshake that any site's script opens, so with the cookie the handshake's ``Origin`` (which
browsers always send) must be this server's own (scheme aside, its host and port as in ``Host``):
another site cannot read a logged-in user's live data (cross-site WebSocket hijacking). A
refused connection is closed with 4401 (no valid login), 4403 (not yours, or another site's
page) or 4404 (no such hotline) and the reason.

The first message is the whole picture (``desk`` or ``state``); after a dropped connection the
client simply connects again and gets the whole picture anew — an offer still ringing is in it,
so none is lost. A desktop that falls too far behind is closed with code 1013 (try again) and
does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from verbund.errors import VerbundError
from verbund.service import Principal
from verbund.web.auth import COOKIE, principal_from_token
from verbund.web.live_api import _agent, state_document

router = APIRouter()

WALLBOARD_EVERY = 0.5  # seconds: wallboards get at most two updates a second


async def _login(websocket: WebSocket) -> Principal | None:
    token = websocket.query_params.get("token")
    if not token:
        token = websocket.cookies.get(COOKIE)
        origin = websocket.headers.get("origin")
        if token and origin is not None and not _same_origin(origin, websocket):
            await _refuse(
                websocket,
                4403,
                f"a page of {origin} may not use your login here: open Verbund's own pages",
            )
            return None
    try:
        return await principal_from_token(websocket, token)  # type: ignore[arg-type]
    except VerbundError as exc:
        await _refuse(websocket, 4401, str(exc))
        return None


def _same_origin(origin: str, websocket: WebSocket) -> bool:
    """Whether ``origin`` (``scheme://host[:port]``) names the host and port the client connected
    to (the ``Host`` header; behind a proxy, the proxy must pass it on)."""
    host = websocket.headers.get("host", "")
    found = urlsplit(origin)
    if found.scheme not in ("http", "https") or not found.hostname:
        return False
    default = 443 if found.scheme == "https" else 80
    claimed = urlsplit(f"//{host}")
    try:
        return (found.hostname, found.port or default) == (
            claimed.hostname,
            claimed.port or default,
        )
    except ValueError:  # a port that is no number
        return False


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Accept, then close with ``code`` and the reason, so that the client learns why (a refused
    handshake would only say 403)."""
    await websocket.accept()
    await websocket.close(code=code, reason=reason[:120])


@router.websocket("/hotlines/{hotline}/agents/{agent}/ws")
async def agent_socket(websocket: WebSocket, hotline: str, agent: str) -> None:
    principal = await _login(websocket)
    if principal is None:
        return
    service = websocket.app.state.service
    try:
        line = service.hotline(hotline)
        _agent(line, agent, principal)
    except VerbundError as exc:
        await _refuse(websocket, 4403, str(exc))
        return
    await websocket.accept()
    with service.bus.subscribe_agent(hotline, agent) as subscription:
        await websocket.send_json({"type": "desk", **line.agent_desk(agent)})
        receiver = asyncio.create_task(_drain(websocket))
        try:
            while True:
                getter = asyncio.create_task(subscription.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, return_when=asyncio.FIRST_COMPLETED
                )
                if receiver in done:
                    getter.cancel()
                    return
                message = getter.result()
                await websocket.send_json(message)
                if subscription.overflowed and subscription.queue.empty():
                    await websocket.close(code=1013, reason="too far behind: connect again")
                    return
        except (WebSocketDisconnect, RuntimeError):
            return
        finally:
            receiver.cancel()


async def _drain(websocket: WebSocket) -> None:
    """Read (and answer pings from) the client until it goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message: Any = await websocket.receive_json()
            if isinstance(message, dict) and message.get("type") == "ping":
                await websocket.send_json({"type": "pong"})


@router.websocket("/hotlines/{hotline}/wallboard/ws")
async def wallboard_socket(websocket: WebSocket, hotline: str) -> None:
    principal = await _login(websocket)
    if principal is None:
        return
    service = websocket.app.state.service
    try:
        line = service.hotline(hotline)
    except VerbundError as exc:
        await _refuse(websocket, 4404, str(exc))
        return
    await websocket.accept()
    receiver = asyncio.create_task(_drain(websocket))
    try:
        seen = -1
        while not receiver.done():
            if line.view.version != seen:
                seen = line.view.version
                await websocket.send_json({"type": "state", **state_document(line, principal)})
            await asyncio.wait({receiver}, timeout=WALLBOARD_EVERY)
    except (WebSocketDisconnect, RuntimeError):
        return
    finally:
        receiver.cancel()
