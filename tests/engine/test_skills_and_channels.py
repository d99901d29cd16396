"""Which agents may take a contact: skills (topic × language), skill levels that join after a
wait, and capacity per channel."""

from __future__ import annotations

from conftest import CHAT, VOICE, Driver, agent, hotline, of_type, one
from verbund.engine import (
    AgentLoggedIn,
    AgentNotReady,
    AgentReady,
    Channel,
    ContactAbandoned,
    ContactEnded,
    OfferContact,
    QueueKey,
)


def _offers(effects: list) -> list[tuple[str, str]]:
    return [(e.contact, e.agent) for e in of_type(effects, OfferContact)]


def test_lower_skill_levels_join_after_the_configured_wait() -> None:
    d = Driver(
        hotline(
            agent("a2", level=2),
            agent("a3", level=3),
            level_waits=(0.0, 30.0, 60.0),
            announce_interval=None,
        )
    )
    d.login("a2", "a3")
    d.arrive("c1")
    d.arrive("c2", at=10.0)

    assert d.engine.next_deadline() == 30.0
    assert d.at(29.999) == []
    assert _offers(d.at(30.0)) == [("c1", "a2")]
    d.accept("c1")

    # c2 may go to level 2 from 40 s, but a2 is busy; level 3 joins at 70 s.
    assert not of_type(d.at(69.0), OfferContact)
    assert one(d.at(70.0), OfferContact) == OfferContact("c2", "a3", 90.0)


def test_primary_skill_agents_are_preferred_over_lower_levels() -> None:
    d = Driver(hotline(agent("a2", level=2), agent("a1", level=1), level_waits=(0.0, 30.0)))
    d.arrive("c1", "+4930111", at=0.0)
    d.do(ContactAbandoned("c1"), at=50.0)
    d.login("a2")  # idle longer than a1, but level 2
    d.at(60.0)
    d.login("a1")

    # The redial reclaims a place from 0 s: it has waited long enough for level 2, yet level 1
    # takes it.
    assert _offers(d.arrive("r1", "+4930111", at=70.0)) == [("r1", "a1")]


def test_an_agent_of_a_lower_level_takes_only_contacts_that_waited_long_enough() -> None:
    d = Driver(hotline(agent("a2", level=2), level_waits=(0.0, 30.0), announce_interval=None))
    d.login("a2", ready=False)
    d.arrive("c1", at=0.0)
    d.arrive("c2", at=20.0)

    # Agent side: a2 becomes ready at 40 s and takes c1 (waited 40 s), not c2 (20 s).
    assert _offers(d.do(AgentReady("a2"), at=40.0)) == [("c1", "a2")]
    d.accept("c1")
    assert not of_type(d.do(ContactEnded("c1"), at=45.0), OfferContact)
    # Contact side: at 50 s c2 has waited long enough.
    assert one(d.at(50.0), OfferContact) == OfferContact("c2", "a2", 70.0)


def test_agents_take_only_the_topics_and_languages_they_are_skilled_for() -> None:
    d = Driver(
        hotline(
            agent("de", skills={("termin", "de"): 1}),
            agent("en", skills={("termin", "en"): 1}),
            agent("both", skills={("impfung", "de"): 1, ("termin", "en"): 1}),
        )
    )
    d.login("de", "en", "both")

    assert _offers(d.arrive("c1", language="en")) == [("c1", "en")]
    assert _offers(d.arrive("c2", topic="impfung")) == [("c2", "both")]
    assert _offers(d.arrive("c3", language="en")) == []  # "de" is idle but not skilled
    assert d.engine.waiting(QueueKey("termin", "en", Channel.VOICE)) == ["c3"]


def test_voice_excludes_other_channels_while_chats_share_capacity() -> None:
    d = Driver(hotline(agent("a1", chat=3), announce_interval=None))
    d.login("a1")

    chats = [d.arrive(f"ch{i}", channel=Channel.CHAT, at=float(i)) for i in range(1, 5)]
    assert [_offers(effects) for effects in chats] == [
        [("ch1", "a1")],
        [("ch2", "a1")],
        [("ch3", "a1")],
        [],  # three chats at once is the agent's capacity
    ]
    assert d.engine.waiting(CHAT) == ["ch4"]
    assert not _offers(d.arrive("v1", at=5.0))  # no call while any chat is held
    for chat in ("ch1", "ch2", "ch3"):
        d.accept(chat)

    assert _offers(d.do(ContactEnded("ch1"), at=10.0)) == [("ch4", "a1")]
    d.accept("ch4")
    for chat in ("ch2", "ch3"):
        assert not _offers(d.do(ContactEnded(chat), at=11.0))
    assert _offers(d.do(ContactEnded("ch4"), at=12.0)) == [("v1", "a1")]
    d.accept("v1")

    assert not _offers(d.arrive("ch5", channel=Channel.CHAT, at=13.0))  # no chat during a call
    assert _offers(d.do(ContactEnded("v1"), at=20.0)) == [("ch5", "a1")]
    assert d.engine.waiting(VOICE) == []


def test_an_agent_free_for_both_takes_whichever_contact_came_first() -> None:
    d = Driver(hotline(agent("a1", chat=2), announce_interval=None))
    d.login("a1", ready=False)
    d.arrive("v1", at=1.0)
    d.arrive("ch1", channel=Channel.CHAT, at=2.0)

    assert _offers(d.do(AgentReady("a1"), at=3.0)) == [("v1", "a1")]

    d2 = Driver(hotline(agent("a1", chat=2), announce_interval=None))
    d2.login("a1", ready=False)
    d2.arrive("ch1", channel=Channel.CHAT, at=1.0)
    d2.arrive("ch2", channel=Channel.CHAT, at=2.0)
    d2.arrive("v1", at=3.0)

    assert _offers(d2.do(AgentReady("a1"), at=4.0)) == [("ch1", "a1"), ("ch2", "a1")]


def test_an_agent_without_capacity_on_a_channel_gets_nothing_there() -> None:
    d = Driver(hotline(agent("chat-only", voice=0, chat=2), agent("voice-only")))
    d.do(AgentLoggedIn("chat-only"))
    d.do(AgentReady("chat-only"))

    assert not _offers(d.arrive("v1"))
    assert _offers(d.arrive("ch1", channel=Channel.CHAT)) == [("ch1", "chat-only")]
    assert _offers(d.login("voice-only")) == [("v1", "voice-only")]


def test_an_agent_on_a_break_or_logged_out_gets_nothing() -> None:
    d = Driver(hotline(agent("a1"), agent("a2")))
    d.login("a1")
    d.login("a2", ready=False)
    d.do(AgentNotReady("a1"))

    assert not _offers(d.arrive("c1"))
    assert _offers(d.do(AgentReady("a2"))) == [("c1", "a2")]
