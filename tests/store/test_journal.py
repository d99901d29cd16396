"""The journal: gap-free sequence numbers per hotline, one transaction per batch, nothing that
was acknowledged is ever lost — not even when the writer is killed."""

from __future__ import annotations

import math
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from verbund.engine import (
    AgentConfigured,
    AgentSpec,
    Channel,
    ContactAbandoned,
    ContactArrived,
    Engine,
    ProviderStatusReported,
    TimeAdvanced,
)
from verbund.store import Database, Journal, StoreError, open_database, save_config
from verbund.store.tables import journal as journal_table

from .workload import busy_day, hotline_config

WRITER = Path(__file__).with_name("journal_writer.py")


def _arrival(name: str) -> ContactArrived:
    return ContactArrived(name, "+4930123", "termin", "de")


def test_append_numbers_entries_from_one_without_gaps(database: Database, hotline: str) -> None:
    journal = Journal(database, hotline)

    assert journal.last_seq() == 0
    assert journal.append([(1.0, _arrival("c1"))]) == 1
    assert journal.append([(2.0, _arrival("c2")), (2.5, ContactAbandoned("c1"))]) == 3
    assert journal.append([]) == 3

    entries = list(journal.read())
    assert [(e.seq, e.at, e.command) for e in entries] == [
        (1, 1.0, _arrival("c1")),
        (2, 2.0, _arrival("c2")),
        (3, 2.5, ContactAbandoned("c1")),
    ]
    assert [e.seq for e in journal.read(after_seq=1)] == [2, 3]
    assert list(journal.read(after_seq=3)) == []


def test_each_hotline_counts_on_its_own(database: Database, hotline: str) -> None:
    other = f"other-{uuid.uuid4().hex[:8]}"
    save_config(database, hotline_config(other))

    Journal(database, hotline).append([(1.0, _arrival("c1")), (1.0, _arrival("c2"))])
    assert Journal(database, other).append([(1.0, _arrival("x1"))]) == 1

    assert [e.command for e in Journal(database, other).read()] == [_arrival("x1")]


def test_reading_pages_through_a_long_journal_in_order(database: Database, hotline: str) -> None:
    journal = Journal(database, hotline, page_size=7)
    for start in range(0, 50, 10):
        journal.append([(float(i), _arrival(f"c{i}")) for i in range(start, start + 10)])

    entries = list(journal.read(after_seq=3))

    assert [e.seq for e in entries] == list(range(4, 51))
    assert [e.command for e in entries] == [_arrival(f"c{i}") for i in range(3, 50)]


def test_times_and_every_kind_of_value_come_back_bit_for_bit(
    database: Database, hotline: str
) -> None:
    journal = Journal(database, hotline)
    batch = [
        (1_700_000_000.123456789, _arrival("ünïcödé ☎ 电话 \U0001f4de")),
        (1_700_000_000.5, ContactArrived("c\\\"'", "", "termin", "de", Channel.SOCIAL, -7, True)),
        (1_700_000_001.0, ProviderStatusReported("remote", 2**40, 0, math.inf, 3)),
        (1_700_000_001.0, ProviderStatusReported("remote", 0, 0, 5e-324, 0)),
        (1_700_000_002.0, ProviderStatusReported("remote", 0, 0, -0.0, 0)),
        (
            1_700_000_003.0,
            AgentConfigured(
                AgentSpec("a9", "alpha", {("z", "de"): 3, ("a", "en"): 1}, {Channel.CHAT: 4})
            ),
        ),
        (1_700_000_004.0, TimeAdvanced()),
    ]

    journal.append(batch)
    entries = list(journal.read())

    assert [(e.at, e.command) for e in entries] == batch
    assert math.copysign(1.0, entries[4].command.handle_time) == -1.0  # type: ignore[attr-defined]
    assert list(entries[5].command.agent.skills) == [("z", "de"), ("a", "en")]  # type: ignore[attr-defined]


def test_a_whole_busy_day_of_commands_comes_back_as_it_went_in(
    database: Database, hotline: str
) -> None:
    journal = Journal(database, hotline)
    engine_log = []
    for batch in busy_day(Engine(hotline_config(hotline)), seed=3, steps=600):
        journal.append([(step.at, step.command) for step in batch])
        engine_log += [(step.at, step.command) for step in batch]

    assert [(e.at, e.command) for e in journal.read()] == engine_log


def test_a_batch_with_a_command_that_cannot_be_written_writes_nothing(
    database: Database, hotline: str
) -> None:
    journal = Journal(database, hotline)
    journal.append([(1.0, _arrival("c1"))])
    bad = ContactArrived("c3", "", "termin", "de", channel="fax")  # type: ignore[arg-type]

    with pytest.raises(StoreError, match=r"ContactArrived\.channel"):
        journal.append([(2.0, _arrival("c2")), (2.0, bad)])
    with pytest.raises(StoreError, match="expected a finite number of seconds"):
        journal.append([(math.nan, _arrival("c2"))])

    assert journal.last_seq() == 1


def test_a_hotline_must_be_configured_before_it_is_journalled(database: Database) -> None:
    with pytest.raises(StoreError, match="hotline 'nowhere' is not configured"):
        Journal(database, "nowhere").append([(1.0, _arrival("c1"))])


def test_a_gap_in_the_journal_is_reported_not_skipped(database: Database, hotline: str) -> None:
    journal = Journal(database, hotline)
    journal.append([(float(i), _arrival(f"c{i}")) for i in range(5)])
    with database.write() as c:
        c.execute(
            sa.delete(journal_table).where(
                journal_table.c.hotline == hotline, journal_table.c.seq == 3
            )
        )

    with pytest.raises(StoreError, match="has a gap: entry 3 is missing before 4"):
        list(journal.read())


def test_an_entry_that_cannot_be_read_is_named(database: Database, hotline: str) -> None:
    journal = Journal(database, hotline)
    journal.append([(1.0, _arrival("c1"))])
    with database.write() as c:
        c.execute(
            journal_table.insert().values(
                hotline=hotline, seq=2, at=2.0, type="Teleported", command={"type": "Teleported"}
            )
        )

    with pytest.raises(StoreError, match=r"entry 2: command\.type: unknown command type"):
        list(journal.read())


def test_concurrent_writers_queue_and_the_numbers_stay_gap_free(
    database: Database, hotline: str
) -> None:
    writers, batches = 4, 25
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        journal = Journal(database, hotline)
        try:
            for b in range(batches):
                size = 1 + (writer + b) % 3
                journal.append(
                    [(float(b), _arrival(f"w{writer}-{b}-{i}-of-{size}")) for i in range(size)]
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    entries = list(Journal(database, hotline).read())
    names = [e.command.contact for e in entries]  # type: ignore[attr-defined]
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    expected = {
        f"w{w}-{b}-{i}-of-{1 + (w + b) % 3}"
        for w in range(writers)
        for b in range(batches)
        for i in range(1 + (w + b) % 3)
    }
    assert sorted(names) == sorted(expected)
    for position, name in enumerate(names):  # every batch is contiguous
        index, size = int(name.split("-")[2]), int(name.split("-of-")[1])
        batch = name.rsplit("-", 3)[0]
        assert names[position - index : position - index + size] == [
            f"{batch}-{i}-of-{size}" for i in range(size)
        ]


def test_every_acknowledged_batch_survives_the_writer_being_killed(
    database_url: str, database: Database, hotline: str
) -> None:
    target, limit = 2000, 8.0
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), database_url, hotline],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[tuple[int, int, int]] = []
    started: float | None = None  # from the first append: starting Python may take a while
    assert writer.stdout is not None
    for line in writer.stdout:
        batch, size, last = map(int, line.split())
        acknowledged.append((batch, size, last))
        started = started or time.monotonic()
        if len(acknowledged) >= target or time.monotonic() - started > limit:
            break
    writer.send_signal(signal.SIGKILL)  # mid-way: it is appending again already
    # Read on through the same buffered reader: `communicate()` reads the raw pipe and would skip
    # the lines this reader has already buffered.
    rest = writer.stdout.read()
    assert writer.stderr is not None
    errors = writer.stderr.read()
    writer.wait()
    writer.stdout.close()
    writer.stderr.close()
    acknowledged += [  # a line cut by the kill was never acknowledged
        tuple(map(int, line.split()))  # type: ignore[misc]
        for line in rest.splitlines(keepends=True)
        if line.endswith("\n")
    ]
    assert writer.returncode == -signal.SIGKILL, f"the writer stopped by itself: {errors}"
    assert len(acknowledged) >= 500, f"only {len(acknowledged)} batches in {limit} s: {errors}"
    assert [size for _, size, _ in acknowledged] == _writer_sizes(len(acknowledged))

    # "Restart": a new connection reads what the killed writer left.
    with open_database(database_url) as reopened:
        entries = list(Journal(reopened, hotline).read())

    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    position = 0
    for batch, size, last in acknowledged:
        assert [e.command.contact for e in entries[position : position + size]] == [  # type: ignore[attr-defined]
            f"b{batch}-{i}" for i in range(size)
        ]
        position += size
        assert entries[position - 1].seq == last
    # At most the one batch in flight when the kill came may also be there — whole.
    torn = entries[position:]
    if torn:
        batch = acknowledged[-1][0] + 1
        assert [e.command.contact for e in torn] == [f"b{batch}-{i}" for i in range(len(torn))]  # type: ignore[attr-defined]
        assert len(torn) == _writer_sizes(batch)[-1]


def _writer_sizes(batches: int) -> list[int]:
    """The batch sizes journal_writer.py draws (same seed, same choices)."""
    rng = random.Random(7)
    return [rng.choice([1, 1, 1, 2, 3, 5, 20]) for _ in range(batches)]
