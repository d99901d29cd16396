"""Chat and social conversations, live: messages stored first, then handed to whoever waits.

    conversations = service.conversations
    await conversations.open(line, {"contact": c, "channel": "chat", ...})
    message = await conversations.append(line, c, sender="caller", text="Hallo")
    holder = await conversations.holder(line, c)        # (agent, provider) or None

A message is in the database before ``append`` returns — and so before anyone is told about it:
the agent holding the contact gets it on their desk's WebSocket, the citizen's chat page on its
own (``EventBus.publish_agent`` / ``publish_contact``). What a citizen sees of a message leaves
out which agent wrote it.

Chat pages prove who they are with a token per conversation (:class:`ChatTokens`: the hotline
and the contact, signed with the service's secret key), so no login is needed and one chat's
token opens no other chat.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from verbund.engine import ContactState
from verbund.errors import UnknownEntity
from verbund.service.accounts import AccountError
from verbund.service.bus import EventBus
from verbund.store import Database
from verbund.store.conversations import (
    MESSAGE_FIELDS,
    append_message,
    conversation,
    find_thread,
    open_conversation,
    read_messages,
)
from verbund.store.outcomes import finished_contact

if TYPE_CHECKING:
    from verbund.service.hotlines import Hotline

__all__ = ["CHAT_TOKEN_LIFETIME", "ChatTokens", "Conversations", "citizen_state"]

CHAT_TOKEN_LIFETIME = 86400.0  # seconds: a chat page may come back within a day
_WAITING = {
    ContactState.QUEUED,
    ContactState.OFFERED,
    ContactState.CALLBACK_WAITING,
    ContactState.CALLBACK_OFFERED,
}


def citizen_state(state: ContactState | None) -> str:
    """What a citizen is told: ``waiting`` (offers ringing included), ``connected``, ``ended``."""
    if state in _WAITING:
        return "waiting"
    if state in (ContactState.CONNECTED, ContactState.CALLBACK_DIALING):
        return "connected"
    return "ended"


def for_citizen(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the citizen's page shows it: no agent names, no delivery bookkeeping."""
    return {k: message[k] for k in ("seq", "sender", "text", "at")}


def for_staff(message: dict[str, Any]) -> dict[str, Any]:
    return {k: message.get(k) for k in MESSAGE_FIELDS}


class ChatTokens:
    """Signed, expiring tokens that open one conversation."""

    def __init__(self, secret_key: str, lifetime: float = CHAT_TOKEN_LIFETIME) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="verbund-chat")
        self.lifetime = lifetime

    def issue(self, hotline: str, contact: str) -> str:
        return self._serializer.dumps([hotline, contact])

    def check(self, token: str | None, hotline: str, contact: str) -> None:
        """Raises :class:`AccountError` unless ``token`` opens ``contact`` of ``hotline``."""
        if not token:
            raise AccountError("this chat needs its token: send it as the X-Chat-Token header")
        try:
            found = self._serializer.loads(token, max_age=int(self.lifetime))
        except SignatureExpired as exc:
            raise AccountError("this chat's token has expired: start a new chat") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise AccountError("not a valid chat token: start a new chat") from exc
        if found != [hotline, contact]:
            raise AccountError("this token belongs to another chat")


class Conversations:
    def __init__(self, database: Database, bus: EventBus) -> None:
        self.database = database
        self.bus = bus

    async def open(self, line: Hotline, record: dict[str, Any]) -> None:
        """Store a new conversation: ``contact``, ``channel``, ``topic``, ``language``,
        ``caller`` (and ``platform``, ``thread`` for social)."""
        row = {"started": line.runner.clock(), **record}
        await asyncio.to_thread(open_conversation, self.database, line.name, row)

    async def get(self, line: Hotline, contact: str) -> dict[str, Any]:
        found = await asyncio.to_thread(conversation, self.database, line.name, contact)
        if found is None:
            raise UnknownEntity(f"contact {contact!r} of hotline {line.name!r} has no conversation")
        return found

    async def exists(self, line: Hotline, contact: str) -> bool:
        found = await asyncio.to_thread(conversation, self.database, line.name, contact)
        return found is not None

    async def messages(self, line: Hotline, contact: str, after: int = 0) -> list[dict[str, Any]]:
        return await asyncio.to_thread(
            read_messages, self.database, line.name, contact, after=after
        )

    async def thread(self, line: Hotline, platform: str, thread: str) -> list[str]:
        return await asyncio.to_thread(find_thread, self.database, line.name, platform, thread)

    async def append(
        self,
        line: Hotline,
        contact: str,
        *,
        sender: str,
        text: str,
        agent: str | None = None,
        provider: str | None = None,
        delivery: str | None = None,
        external_id: str | None = None,
        author: str | None = None,
        author_role: str | None = None,
    ) -> dict[str, Any]:
        """Store a message at the end of ``contact``'s conversation, then tell the agent who
        holds the contact and the citizen's chat page. Returns the stored message (with
        ``duplicate`` set when the platform sent that ``external_id`` before)."""
        message = await asyncio.to_thread(
            append_message,
            self.database,
            line.name,
            contact,
            sender=sender,
            text=text,
            at=line.runner.clock(),
            agent=agent,
            provider=provider,
            delivery=delivery,
            external_id=external_id,
            author=author,
            author_role=author_role,
        )
        if not message.get("duplicate"):
            self.publish(line, contact, message)
        return message

    def publish(self, line: Hotline, contact: str, message: dict[str, Any]) -> None:
        engine = line.runner.engine
        agent = None if engine is None else engine.contact_agent(contact)
        if agent is not None:
            self.bus.publish_agent(
                line.name, agent, {"type": "message", "contact": contact, **for_staff(message)}
            )
        self.bus.publish_contact(line.name, contact, {"type": "message", **for_citizen(message)})

    async def holder(self, line: Hotline, contact: str) -> tuple[str, str | None] | None:
        """The agent a contact is with (offered, connected, wrap-up) and their provider; for a
        finished contact, the agent who answered it; None if no agent has it."""
        engine = line.runner.engine
        if engine is not None and engine.contact_state(contact) is not None:
            agent = engine.contact_agent(contact)
            return None if agent is None else (agent, engine.agent_provider(agent))
        finished = await asyncio.to_thread(finished_contact, self.database, line.name, contact)
        if finished is None or finished["agent"] is None:
            return None
        return finished["agent"], finished["provider"]
