"""Conversations on SQLite and PostgreSQL: messages numbered 1, 2, … without gaps even when
several writers append at once, a platform's message kept once, the outbox of social replies."""

from __future__ import annotations

import threading

import pytest

from verbund.store import Database, StoreError
from verbund.store.conversations import (
    append_message,
    conversation,
    find_thread,
    open_conversation,
    pending_messages,
    read_messages,
    set_delivery,
)


def opened(database: Database, hotline: str, contact: str, **fields: object) -> str:
    record = {
        "contact": contact,
        "channel": "chat",
        "topic": "termin",
        "language": "de",
        "caller": f"chat:{contact}",
        "started": 100.0,
        **fields,
    }
    open_conversation(database, hotline, record)
    return contact


def test_messages_are_numbered_in_order_without_gaps_under_concurrent_writers(
    database: Database, hotline: str
) -> None:
    contact = opened(database, hotline, "c1")
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for i in range(20):
                append_message(
                    database, hotline, contact, sender="caller", text=f"{writer}-{i}", at=1.0
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    stored = read_messages(database, hotline, contact)
    assert [m["seq"] for m in stored] == list(range(1, 81))
    assert sorted(m["text"] for m in stored) == sorted(
        f"{w}-{i}" for w in range(4) for i in range(20)
    )
    for writer in range(4):  # each writer's messages in the order it wrote them
        mine = [int(m["text"].split("-")[1]) for m in stored if m["text"].startswith(f"{writer}-")]
        assert mine == sorted(mine)
    assert conversation(database, hotline, contact)["messages"] == 80  # type: ignore[index]


def test_a_message_is_returned_as_stored_and_read_after_a_given_seq(
    database: Database, hotline: str
) -> None:
    contact = opened(database, hotline, "c2")
    first = append_message(database, hotline, contact, sender="caller", text="Hallo", at=5.0)
    second = append_message(
        database, hotline, contact, sender="agent", agent="a1", provider="A", text="Ja?",
        at=6.5, delivery="sent",
    )  # fmt: skip
    assert (first["seq"], first["channel"], first["delivery"]) == (1, "chat", None)
    assert (second["seq"], second["agent"], second["delivery"]) == (2, "a1", "sent")
    assert read_messages(database, hotline, contact, after=1) == [second]


def test_a_reply_keeps_who_actually_wrote_it(database: Database, hotline: str) -> None:
    contact = opened(database, hotline, "c-author")
    written = append_message(
        database, hotline, contact, sender="agent", agent="a1", provider="A", text="Wir sind da",
        at=7.0, delivery="sent", author="chef-a", author_role="supervisor",
    )  # fmt: skip
    own = append_message(
        database, hotline, contact, sender="agent", agent="a1", provider="A", text="Ich auch",
        at=8.0, delivery="sent", author="a1", author_role="agent",
    )  # fmt: skip
    assert (written["agent"], written["author"], written["author_role"]) == (
        "a1",
        "chef-a",
        "supervisor",
    )
    assert read_messages(database, hotline, contact) == [written, own]
    caller = append_message(database, hotline, contact, sender="caller", text="Gut", at=9.0)
    assert (caller["author"], caller["author_role"]) == (None, None)


def test_a_platform_message_posted_twice_is_kept_once(database: Database, hotline: str) -> None:
    contact = opened(database, hotline, "s1", channel="social", platform="x", thread="t1")
    once = append_message(
        database, hotline, contact, sender="caller", text="Hi", at=1.0, external_id="m-1"
    )
    again = append_message(
        database, hotline, contact, sender="caller", text="Hi", at=2.0, external_id="m-1"
    )
    assert again["duplicate"] is True
    assert again["id"] == once["id"]
    assert len(read_messages(database, hotline, contact)) == 1


def test_a_message_needs_its_conversation(database: Database, hotline: str) -> None:
    with pytest.raises(StoreError, match="has no conversation"):
        append_message(database, hotline, "nowhere", sender="caller", text="Hallo", at=1.0)


def test_the_outbox_holds_social_replies_until_the_adapter_acknowledges_them(
    database: Database, hotline: str
) -> None:
    contact = opened(
        database, hotline, "s2", channel="social", platform="messenger", thread="t2",
        caller="messenger:psid-1",
    )  # fmt: skip
    inbound = append_message(database, hotline, contact, sender="caller", text="Hi", at=1.0)
    reply = append_message(
        database, hotline, contact, sender="agent", agent="b1", text="Hallo!", at=2.0,
        delivery="pending",
    )  # fmt: skip
    outbox = pending_messages(database, hotline)
    assert [(m["id"], m["platform"], m["thread"], m["caller"]) for m in outbox] == [
        (reply["id"], "messenger", "t2", "messenger:psid-1")
    ]
    assert set_delivery(database, hotline, inbound["id"], "sent") is None  # inbound: no delivery
    assert set_delivery(database, hotline, 10**12, "sent") is None
    failed = set_delivery(database, hotline, reply["id"], "failed", "token expired")
    assert failed is not None
    assert (failed["contact"], failed["delivery"]) == (contact, "failed")
    assert pending_messages(database, hotline) == []
    assert read_messages(database, hotline, contact)[-1]["delivery"] == "failed"


def test_a_thread_lists_its_contacts_newest_first(database: Database, hotline: str) -> None:
    for contact, started in (("old", 1.0), ("new", 2.0)):
        opened(database, hotline, contact, channel="social", platform="x", thread="same",
               started=started)  # fmt: skip
    opened(database, hotline, "other", channel="social", platform="x", thread="different")
    assert find_thread(database, hotline, "x", "same") == ["new", "old"]
    assert find_thread(database, hotline, "instagram", "same") == []
