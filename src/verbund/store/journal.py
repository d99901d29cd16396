"""The journal: every command a hotline's engine handled, in order, append-only.

    journal = Journal(database, "116117")
    last = journal.append([(now, command), ...])   # one transaction: all of them or none
    for entry in journal.read(after_seq=snapshot_seq):
        engine.handle(entry.command, entry.at)

Sequence numbers start at 1 and have no gaps, per hotline. ``append`` writes its whole batch in
one transaction (group commit: the live service gathers the commands that arrived during one
flush, writes them together, and only then lets their effects leave the process), so after a
crash every batch whose ``append`` returned is there, and no part of any other.

Several writers may append to the same hotline: each transaction first locks the hotline's row
(``FOR NO KEY UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), so they queue and the
numbers stay gap-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from verbund.engine.commands import Command
from verbund.store.codec import decode_command, encode_command
from verbund.store.database import Database, json_dumps, translate_errors
from verbund.store.errors import StoreError
from verbund.store.tables import journal

__all__ = ["Journal", "JournalEntry"]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    seq: int
    at: float  # engine time the command was handled at
    command: Command


class Journal:
    """The journal of one hotline (which must be configured: a row in ``hotlines``)."""

    def __init__(self, database: Database, hotline: str, *, page_size: int = 2000) -> None:
        self.database = database
        self.hotline = hotline
        self.page_size = page_size

    def append(self, batch: Sequence[tuple[float, Command]]) -> int:
        """Write ``batch`` in one transaction; return the sequence number of its last entry.

        An empty batch writes nothing and returns the last sequence number so far.
        """
        if not batch:
            return self.last_seq()
        rows = []
        for at, command in batch:
            if not isinstance(at, int | float) or isinstance(at, bool) or not math.isfinite(at):
                raise StoreError(f"journal entry time {at!r}: expected a finite number of seconds")
            data = encode_command(command)
            rows.append((float(at), data["type"], json_dumps(data)))
        lock, last_seq, insert = _STATEMENTS[self.database.dialect]
        with (
            translate_errors(f"appending to the journal of hotline {self.hotline!r}"),
            self.database.write() as connection,
        ):
            # Plain SQL through the driver: the group commit runs once per batch on the writer's
            # path, and building SQLAlchemy statements cost more than the database's work.
            if connection.exec_driver_sql(lock, (self.hotline,)).first() is None:
                raise StoreError(
                    f"hotline {self.hotline!r} is not configured: save its configuration "
                    "(verbund.store.save_config) before journalling its commands"
                )
            last = int(connection.exec_driver_sql(last_seq, (self.hotline,)).scalar_one() or 0)
            connection.exec_driver_sql(
                insert,
                [
                    (self.hotline, last + i, at, kind, text)
                    for i, (at, kind, text) in enumerate(rows, start=1)
                ],
            )
        return last + len(rows)

    def last_seq(self) -> int:
        """The sequence number of the newest entry; 0 for an empty journal."""
        with (
            translate_errors(f"reading the journal of hotline {self.hotline!r}"),
            self.database.read() as connection,
        ):
            return last_seq_of(connection, self.hotline)

    def read(self, after_seq: int = 0) -> Iterator[JournalEntry]:
        """The entries after ``after_seq``, in order, fetched a page at a time."""
        expected = after_seq + 1
        while True:
            with (
                translate_errors(f"reading the journal of hotline {self.hotline!r}"),
                self.database.read() as connection,
            ):
                rows = connection.execute(
                    sa.select(journal.c.seq, journal.c.at, journal.c.command)
                    .where(journal.c.hotline == self.hotline, journal.c.seq >= expected)
                    .order_by(journal.c.seq)
                    .limit(self.page_size)
                ).all()
            for seq, at, data in rows:
                if seq != expected:
                    raise StoreError(
                        f"the journal of hotline {self.hotline!r} has a gap: entry {expected} is "
                        f"missing before {seq}; restore the database from a backup"
                    )
                try:
                    command = decode_command(data)
                except StoreError as exc:
                    raise StoreError(
                        f"journal of hotline {self.hotline!r}, entry {seq}: {exc}"
                    ) from exc
                yield JournalEntry(seq, at, command)
                expected += 1
            if len(rows) < self.page_size:
                return


def _statements(mark: str, lock: str, command: str) -> tuple[str, str, str]:
    return (
        f"SELECT name FROM hotlines WHERE name = {mark}{lock}",
        f"SELECT max(seq) FROM journal WHERE hotline = {mark}",
        f"INSERT INTO journal (hotline, seq, at, type, command) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {command})",
    )


# (lock the hotline's row, its last sequence number, insert an entry) in each dialect's
# parameter style; SQLite locks the whole database at BEGIN IMMEDIATE (Database.write).
_STATEMENTS = {
    "sqlite": _statements("?", "", "?"),
    "postgresql": _statements("%s", " FOR NO KEY UPDATE", "CAST(%s AS json)"),
}


def last_seq_of(connection: sa.Connection, hotline: str) -> int:
    last = connection.execute(
        sa.select(sa.func.max(journal.c.seq)).where(journal.c.hotline == hotline)
    ).scalar_one()
    return int(last or 0)
