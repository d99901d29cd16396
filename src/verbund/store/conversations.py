"""Chat and social conversations: the thread of a contact and its messages, in order.

    open_conversation(database, hotline, {"contact": c, "channel": "chat", ...})
    message = append_message(database, hotline, c, sender="caller", text="Hallo", at=now)
    read_messages(database, hotline, c, after=0)           # oldest first
    pending_messages(database, hotline)                     # agent replies the adapter must send
    set_delivery(database, hotline, message["id"], "sent")

A message is numbered within its conversation (``seq`` 1, 2, …) in the same transaction that
stores it: the conversation row's counter is incremented (a row lock on PostgreSQL, the write
lock on SQLite), so two writers never take the same number. ``append_message`` returns only once
the transaction is committed — whoever acknowledges a message may rely on it being stored.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from verbund.store.database import Database, translate_errors
from verbund.store.errors import StoreError
from verbund.store.tables import conversation_messages, conversations

__all__ = [
    "MESSAGE_FIELDS",
    "append_message",
    "conversation",
    "find_thread",
    "open_conversation",
    "pending_messages",
    "read_messages",
    "set_delivery",
]

MESSAGE_FIELDS = (
    "id",
    "seq",
    "sender",
    "agent",
    "text",
    "at",
    "channel",
    "delivery",
    "author",
    "author_role",
)
_MESSAGE_COLUMNS = [conversation_messages.c[name] for name in MESSAGE_FIELDS]


def open_conversation(database: Database, hotline: str, record: dict[str, Any]) -> None:
    """Store a new conversation (``contact``, ``channel``, ``topic``, ``language``, ``caller``,
    ``started``, and for social ``platform`` and ``thread``)."""
    with translate_errors("opening a conversation"), database.write() as c:
        c.execute(conversations.insert().values(hotline=hotline, **record))


def conversation(database: Database, hotline: str, contact: str) -> dict[str, Any] | None:
    """The conversation of ``contact`` (without its messages); None if it has none."""
    query = sa.select(*[c for c in conversations.c if c.name != "hotline"]).where(
        conversations.c.hotline == hotline, conversations.c.contact == contact
    )
    with translate_errors("reading a conversation"), database.read() as c:
        row = c.execute(query).first()
    return None if row is None else dict(row._mapping)


def find_thread(database: Database, hotline: str, platform: str, thread: str) -> list[str]:
    """The contacts of a social thread, newest first."""
    query = (
        sa.select(conversations.c.contact)
        .where(
            conversations.c.hotline == hotline,
            conversations.c.platform == platform,
            conversations.c.thread == thread,
        )
        .order_by(conversations.c.started.desc())
        .limit(20)
    )
    with translate_errors("looking up a social thread"), database.read() as c:
        return [row.contact for row in c.execute(query)]


def append_message(
    database: Database,
    hotline: str,
    contact: str,
    *,
    sender: str,
    text: str,
    at: float,
    agent: str | None = None,
    provider: str | None = None,
    delivery: str | None = None,
    external_id: str | None = None,
    author: str | None = None,
    author_role: str | None = None,
) -> dict[str, Any]:
    """Store one message at the end of the conversation and return it (``MESSAGE_FIELDS``).
    ``author`` and ``author_role``: who wrote an agent's message (the agent, or someone replying
    for them).

    With an ``external_id`` the platform already sent once, the stored message is returned
    and nothing is added."""
    with translate_errors("storing a message"), database.write() as c:
        if external_id is not None:
            found = c.execute(
                sa.select(*_MESSAGE_COLUMNS).where(
                    conversation_messages.c.hotline == hotline,
                    conversation_messages.c.contact == contact,
                    conversation_messages.c.external_id == external_id,
                )
            ).first()
            if found is not None:
                return {**found._mapping, "duplicate": True}
        numbered = c.execute(
            conversations.update()
            .where(conversations.c.hotline == hotline, conversations.c.contact == contact)
            .values(messages=conversations.c.messages + 1)
            .returning(conversations.c.messages, conversations.c.channel)
        ).first()
        if numbered is None:
            raise StoreError(f"contact {contact!r} of hotline {hotline!r} has no conversation")
        row = {
            "hotline": hotline,
            "contact": contact,
            "seq": numbered.messages,
            "sender": sender,
            "agent": agent,
            "provider": provider,
            "text": text,
            "at": at,
            "channel": numbered.channel,
            "delivery": delivery,
            "external_id": external_id,
            "author": author,
            "author_role": author_role,
        }
        inserted = c.execute(
            conversation_messages.insert().values(**row).returning(conversation_messages.c.id)
        ).scalar_one()
    return {**{name: row.get(name) for name in MESSAGE_FIELDS}, "id": inserted}


def read_messages(
    database: Database, hotline: str, contact: str, *, after: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """The messages after ``seq`` ``after``, oldest first, at most ``limit``."""
    query = (
        sa.select(*_MESSAGE_COLUMNS)
        .where(
            conversation_messages.c.hotline == hotline,
            conversation_messages.c.contact == contact,
            conversation_messages.c.seq > after,
        )
        .order_by(conversation_messages.c.seq)
        .limit(limit)
    )
    with translate_errors("reading messages"), database.read() as c:
        return [dict(row._mapping) for row in c.execute(query)]


def pending_messages(database: Database, hotline: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Outbound messages waiting for the channel adapter, oldest first, with the thread they
    go to (``contact``, ``platform``, ``thread``, ``caller``)."""
    m, t = conversation_messages, conversations
    query = (
        sa.select(*_MESSAGE_COLUMNS, m.c.contact, t.c.platform, t.c.thread, t.c.caller)
        .join(t, sa.and_(t.c.hotline == m.c.hotline, t.c.contact == m.c.contact))
        .where(m.c.hotline == hotline, m.c.delivery == "pending")
        .order_by(m.c.id)
        .limit(limit)
    )
    with translate_errors("reading the outbox"), database.read() as c:
        return [dict(row._mapping) for row in c.execute(query)]


def set_delivery(
    database: Database, hotline: str, message: int, state: str, detail: str | None = None
) -> dict[str, Any] | None:
    """Mark outbound message ``message`` (its ``id``) as ``sent`` or ``failed``; returns it
    with its contact, or None if the hotline has no outbound message of that id."""
    m = conversation_messages
    where = sa.and_(m.c.hotline == hotline, m.c.id == message, m.c.delivery.is_not(None))
    with translate_errors("recording a delivery"), database.write() as c:
        found = c.execute(sa.select(*_MESSAGE_COLUMNS, m.c.contact).where(where)).first()
        if found is None:
            return None
        c.execute(m.update().where(where).values(delivery=state, delivery_detail=detail))
    return {**found._mapping, "delivery": state}
