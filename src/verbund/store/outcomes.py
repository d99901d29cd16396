"""Outcome records that connected providers send back for the calls routed to them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from verbund.store.database import Database, translate_errors
from verbund.store.tables import caller_feedback, contact_history, contact_notes, provider_outcomes

__all__ = [
    "finished_contact",
    "read_feedback",
    "read_notes",
    "read_outcomes",
    "save_feedback",
    "save_note",
    "save_outcome",
]


def save_outcome(database: Database, hotline: str, provider: str, record: dict[str, Any]) -> bool:
    """Store one record (``contact``, ``outcome``, ``waited``, ``talk_time``, ``agent``,
    ``reported``); False if that provider reported that contact already (the first one stays)."""
    insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
    statement = (
        insert(provider_outcomes)
        .values(hotline=hotline, provider=provider, **record)
        .on_conflict_do_nothing(index_elements=["hotline", "provider", "contact"])
    )
    with translate_errors(f"saving an outcome record of {provider!r}"), database.write() as c:
        return bool(c.execute(statement).rowcount)


def read_outcomes(
    database: Database, hotline: str, provider: str | None = None
) -> list[dict[str, Any]]:
    query = sa.select(*[c for c in provider_outcomes.c if c.name not in ("id", "hotline")]).where(
        provider_outcomes.c.hotline == hotline
    )
    if provider is not None:
        query = query.where(provider_outcomes.c.provider == provider)
    with translate_errors("reading outcome records"), database.read() as c:
        return [dict(r._mapping) for r in c.execute(query.order_by(provider_outcomes.c.id))]


def save_note(database: Database, hotline: str, note: dict[str, Any]) -> None:
    """Store an agent's wrap-up note (``contact``, ``agent``, ``provider``, ``disposition``,
    ``note``, ``at``)."""
    with translate_errors("saving a wrap-up note"), database.write() as c:
        c.execute(contact_notes.insert().values(hotline=hotline, **note))


def read_notes(database: Database, hotline: str, contact: str) -> list[dict[str, Any]]:
    query = (
        sa.select(*[c for c in contact_notes.c if c.name not in ("id", "hotline")])
        .where(contact_notes.c.hotline == hotline, contact_notes.c.contact == contact)
        .order_by(contact_notes.c.id)
    )
    with translate_errors("reading wrap-up notes"), database.read() as c:
        return [dict(r._mapping) for r in c.execute(query)]


def finished_contact(database: Database, hotline: str, contact: str) -> dict[str, Any] | None:
    """The history row of a finished contact (its agent, provider, outcome); None if unknown."""
    query = (
        sa.select(contact_history.c.agent, contact_history.c.provider, contact_history.c.outcome)
        .where(contact_history.c.hotline == hotline, contact_history.c.contact == contact)
        .order_by(contact_history.c.arrived.desc())
        .limit(1)
    )
    with translate_errors("reading the contact history"), database.read() as c:
        row = c.execute(query).first()
    return None if row is None else dict(row._mapping)


def save_feedback(database: Database, hotline: str, feedback: dict[str, Any]) -> bool:
    """Store a caller's thanks and rating (``contact``, ``agent``, ``provider``, ``stars``,
    ``thanks``, ``at``); False if that contact has feedback already (the first one stays)."""
    insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
    statement = (
        insert(caller_feedback)
        .values(hotline=hotline, **feedback)
        .on_conflict_do_nothing(index_elements=["hotline", "contact"])
    )
    with translate_errors("saving a caller's feedback"), database.write() as c:
        return bool(c.execute(statement).rowcount)


def read_feedback(
    database: Database, hotline: str, agent: str, *, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest feedback for ``agent``, newest first."""
    query = (
        sa.select(
            caller_feedback.c.contact,
            caller_feedback.c.stars,
            caller_feedback.c.thanks,
            caller_feedback.c.at,
        )
        .where(caller_feedback.c.hotline == hotline, caller_feedback.c.agent == agent)
        .order_by(caller_feedback.c.at.desc())
        .limit(limit)
    )
    with translate_errors("reading callers' feedback"), database.read() as c:
        return [dict(r._mapping) for r in c.execute(query)]
