"""Configuration: checked once with a message naming what is wrong, and changeable while the
engine runs, the changes applying to the next decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from conftest import VOICE, Driver, agent, hotline, of_type, one
from verbund.engine import (
    AgentConfigured,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentReady,
    AgentRemoved,
    Channel,
    Command,
    ConfigurationChanged,
    ContactArrived,
    ContactEnded,
    Engine,
    OfferContact,
    ProviderConfigured,
    ProviderMode,
    ProviderSpec,
    QueueKey,
    RoutingRules,
    RulesChanged,
    TopicConfigured,
    TopicSpec,
)
from verbund.errors import ConfigurationError, EngineError, UnknownEntity


def _offers(effects: list) -> list[tuple[str, str]]:
    return [(e.contact, e.agent) for e in of_type(effects, OfferContact)]


# --- changes at run time -------------------------------------------------------------------------


def test_agents_added_at_run_time_take_waiting_contacts() -> None:
    d = Driver(hotline())
    d.arrive("c1", at=1.0)
    d.arrive("c2", at=2.0)
    assert d.engine.queue_ewt(VOICE) is None

    d.do(AgentConfigured(agent("new")), at=3.0)
    d.do(AgentLoggedIn("new"))
    assert d.engine.queue_ewt(VOICE) == 3 * 300.0  # it serves the queue as soon as logged in

    assert _offers(d.do(AgentReady("new"))) == [("c1", "new")]


def test_agents_added_at_run_time_with_a_lower_level_join_after_the_wait() -> None:
    d = Driver(hotline(level_waits=(0.0, 30.0), announce_interval=None))
    d.arrive("c1", at=0.0)
    d.do(AgentConfigured(agent("late", level=2)), at=10.0)
    d.login("late")

    assert not of_type(d.at(29.0), OfferContact)
    assert one(d.at(30.0), OfferContact) == OfferContact("c1", "late", 50.0)


def test_changed_shares_apply_to_the_next_decisions() -> None:
    def second_choice(beta_share: float | None) -> str:
        d = Driver(
            hotline(
                agent("a1", "alpha"),
                agent("a2", "alpha"),
                agent("b1", "beta"),
                providers=(ProviderSpec("alpha", share=3.0), ProviderSpec("beta", share=1.0)),
            )
        )
        d.login("a1")
        d.at(1.0)
        d.login("a2")
        d.at(2.0)
        d.login("b1")
        assert _offers(d.arrive("c1")) == [("c1", "a1")]  # alpha is furthest below its share
        if beta_share is not None:
            d.do(ProviderConfigured(ProviderSpec("beta", share=beta_share)))
        ((_, chosen),) = _offers(d.arrive("c2"))
        return chosen

    # As contracted, alpha and beta are equally far below their shares after c1: a2 has been
    # idle longer than b1. With beta's share raised to 9 of 12, beta is far behind.
    assert second_choice(None) == "a2"
    assert second_choice(9.0) == "b1"


def test_changed_skills_and_capacity_apply_to_a_logged_in_agent() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("en1", language="en")
    d.arrive("ch1", channel=Channel.CHAT)
    d.arrive("ch2", channel=Channel.CHAT)

    effects = d.do(
        AgentConfigured(agent("a1", skills={("termin", "de"): 1, ("termin", "en"): 1}, chat=2))
    )

    # en1 came first, and a call takes the whole agent: the chats wait.
    assert _offers(effects) == [("en1", "a1")]
    assert d.engine.waiting(QueueKey("termin", "de", Channel.CHAT)) == ["ch1", "ch2"]


def test_changed_rules_apply_to_the_next_offer_not_to_one_already_out() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), offer_timeout=20.0))
    d.login("a1", "a2")
    assert one(d.arrive("c1"), OfferContact).expires_at == 20.0

    d.change_rules(offer_timeout=45.0)

    assert one(d.arrive("c2", at=5.0), OfferContact) == OfferContact("c2", "a2", 50.0)
    assert d.engine.next_deadline() == 20.0


def test_shorter_level_waits_apply_to_contacts_already_waiting() -> None:
    d = Driver(hotline(agent("a2", level=2), level_waits=(0.0, 600.0), announce_interval=None))
    d.login("a2")
    d.arrive("c1", at=0.0)
    d.arrive("c2", at=100.0)

    d.at(150.0)

    # c1 has waited long enough under the new rule; c2 will have at 200 s.
    assert _offers(d.change_rules(level_waits=(0.0, 100.0))) == [("c1", "a2")]
    d.accept("c1")
    d.do(ContactEnded("c1"), at=160.0)
    assert not of_type(d.at(199.0), OfferContact)
    assert one(d.at(200.0), OfferContact) == OfferContact("c2", "a2", 220.0)


def test_contacts_a_rule_change_makes_eligible_go_to_the_longest_idle_agent() -> None:
    d = Driver(
        hotline(
            agent("x", level=2),
            agent("y", level=2),
            level_waits=(0.0, 600.0),
            announce_interval=None,
        )
    )
    d.login("y")
    d.at(1.0)
    d.login("x")
    d.arrive("c1", at=2.0)

    assert _offers(d.change_rules(level_waits=(0.0, 0.0))) == [("c1", "y")]


def test_topics_and_languages_can_be_added_at_run_time() -> None:
    d = Driver(hotline(agent("a1", skills={("impfung", "en"): 1})))
    d.login("a1")
    d.refuse(ContactArrived("c1", "+491", "impfung", "en"), error=UnknownEntity)

    d.do(TopicConfigured(TopicSpec("impfung", ("en", "tr"))))

    assert _offers(d.arrive("c1", topic="impfung", language="en")) == [("c1", "a1")]
    assert d.engine.waiting(QueueKey("impfung", "tr", Channel.VOICE)) == []
    d.arrive("c2", topic="impfung", language="tr")
    d.arrive("c3", topic="impfung", language="de")  # the languages it had are kept
    assert d.engine.waiting(QueueKey("impfung", "tr", Channel.VOICE)) == ["c2"]


@pytest.mark.parametrize(
    ("topic", "language", "message"),
    [
        ("reisen", "de", "topic 'reisen' is not configured (topics: termin, impfung)"),
        (
            "termin",
            "fr",
            "topic 'termin' is not offered in language 'fr' (languages: de, en)",
        ),
    ],
)
def test_unknown_topic_or_language_is_refused_with_a_clear_message(
    topic: str, language: str, message: str
) -> None:
    d = Driver(hotline())

    error = d.refuse(ContactArrived("c1", "+491", topic, language), error=UnknownEntity)

    assert str(error) == message
    assert d.engine.counters.attempts == 0


def test_a_contact_on_an_unknown_channel_or_with_a_fractional_priority_is_refused() -> None:
    d = Driver(hotline())
    bad_channel = ContactArrived("c1", "+491", "termin", "de", channel="fax")  # type: ignore[arg-type]
    assert str(d.refuse(bad_channel)) == "channel 'fax': expected one of voice, chat, social"
    with pytest.raises(TypeError, match="int object expected; got float"):  # when made
        ContactArrived("c1", "+491", "termin", "de", priority=0.5)  # type: ignore[arg-type]


def test_something_that_is_not_a_command_is_refused() -> None:
    @dataclass(frozen=True)
    class Shout(Command):
        words: str

    d = Driver(hotline())

    assert str(d.refuse(Shout("hello"))) == "Shout is not an engine command"


def test_agents_can_be_removed_only_when_logged_out() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")

    assert str(d.refuse(AgentRemoved("a1"))) == "agent 'a1' is ready: log out first"

    d.do(AgentLoggedOut("a1"))
    d.do(AgentRemoved("a1"))
    assert d.engine.agents() == []
    d.refuse(AgentLoggedIn("a1"), error=UnknownEntity)


def test_a_provider_changes_mode_only_with_its_agents_logged_out() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    to_connected = ProviderConfigured(
        ProviderSpec("alpha", ProviderMode.CONNECTED, serves=frozenset({("termin", "de")}))
    )

    assert "log them out before changing its mode" in str(d.refuse(to_connected))

    d.do(AgentLoggedOut("a1"))
    d.do(to_connected)
    error = d.refuse(AgentLoggedIn("a1"))
    assert "belongs to connected provider 'alpha'" in str(error)


def test_an_agent_changes_provider_only_while_logged_out() -> None:
    d = Driver(hotline(agent("a1"), providers=("alpha", "beta")))
    d.login("a1", ready=False)

    error = d.refuse(AgentConfigured(agent("a1", "beta")))

    assert str(error) == "agent 'a1' is not_ready: log out before changing provider"


# --- configuration checked once ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"offer_timeout": 0.0}, "offer_timeout: expected more than 0 seconds, got 0.0"),
        ({"redial_window": -1.0}, "redial_window: expected more than 0 seconds, got -1.0"),
        ({"default_aht": float("nan")}, "default_aht: expected a number of seconds, got nan"),
        ({"max_ewt": -5.0}, "max_ewt: expected 0 or more seconds, got -5.0"),
        ({"wrap_up": float("inf")}, "wrap_up: expected a number of seconds, got inf"),
        ({"announce_interval": 0.0}, "announce_interval: expected more than 0 seconds, got 0.0"),
        ({"max_no_answers": 0}, "max_no_answers: expected at least 1"),
        ({"callback_max_attempts": 0}, "callback_max_attempts: expected at least 1"),
        ({"max_queue_length": -1}, "max_queue_length: expected 0 or more"),
        ({"aht_smoothing": 0.0}, "aht_smoothing: expected a weight in (0, 1]"),
        ({"level_waits": (10.0, 30.0)}, "level_waits: expected a list starting with 0 (level 1)"),
        ({"level_waits": (0.0, 60.0, 30.0)}, "level_waits: expected non-decreasing waits"),
        (
            {"service_level_target": 0.0},
            "service_level_target: expected more than 0 seconds, got 0.0",
        ),
        *(
            (
                {"service_level_goal": goal},
                "service_level_goal: expected a share above 0 and at most 1 (0.8 = 80 %), "
                f"got {goal!r}",
            )
            for goal in (0.0, -0.5, 1.01, float("nan"), 80)
        ),
    ],
)
def test_routing_rules_are_checked_with_a_message_naming_the_field(
    rules: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError) as error:
        RoutingRules(**rules)
    assert str(error.value) == message


def test_the_service_level_goal_is_80_per_cent_of_the_nodes_target_unless_set() -> None:
    assert (RoutingRules().service_level_goal, RoutingRules().service_level_target) == (0.8, None)
    assert RoutingRules(service_level_goal=1).service_level_goal == 1


def test_an_unknown_strategy_is_refused_naming_the_known_ones() -> None:
    message = "strategy 'random': expected one of global-longest-idle, longest-idle"
    with pytest.raises(ConfigurationError) as error:
        Engine(hotline(strategy="random"))
    assert str(error.value) == message

    d = Driver(hotline())
    refused = d.refuse(RulesChanged(RoutingRules(strategy="random")), error=ConfigurationError)
    assert str(refused) == message


REMOTE = ProviderSpec("remote", ProviderMode.CONNECTED, serves=frozenset({("termin", "de")}))

IMPOSSIBLE: list[tuple[ConfigurationChanged, type[EngineError], str]] = [
    (
        ProviderConfigured(ProviderSpec("beta", ProviderMode.CONNECTED)),
        ConfigurationError,
        "provider 'beta' is connected: say which topics:languages it serves",
    ),
    (
        ProviderConfigured(ProviderSpec("beta", share=-1.0)),
        ConfigurationError,
        "provider 'beta': share must be ≥ 0",
    ),
    (
        AgentConfigured(agent("a1", "remote")),
        ConfigurationError,
        "agent 'a1': provider 'remote' is connected; only pooled providers have agents in Verbund",
    ),
    (
        AgentConfigured(agent("a1", level=0)),
        ConfigurationError,
        "agent 'a1': skill ('termin', 'de') level 0, expected 1 or more",
    ),
    (
        AgentConfigured(agent("a1", voice=-1)),
        ConfigurationError,
        "agent 'a1': voice capacity -1, expected ≥ 0",
    ),
    (
        TopicConfigured(TopicSpec("reisen", ())),
        ConfigurationError,
        "topic 'reisen': expected a name and languages",
    ),
    (
        AgentConfigured(agent("a1", "nobody")),
        UnknownEntity,
        "agent 'a1': provider 'nobody' is not configured",
    ),
]


@pytest.mark.parametrize(("change", "error", "message"), IMPOSSIBLE)
def test_an_impossible_configuration_is_refused_at_start_with_a_message_naming_it(
    change: ConfigurationChanged, error: type[EngineError], message: str
) -> None:
    config = hotline(providers=("alpha", REMOTE))
    if isinstance(change, TopicConfigured):
        config = replace(config, topics=(*config.topics, change.topic))
    elif isinstance(change, ProviderConfigured):
        config = replace(config, providers=(*config.providers, change.provider))
    elif isinstance(change, AgentConfigured):
        config = replace(config, agents=(change.agent,))

    with pytest.raises(error) as refused:
        Engine(config)

    assert str(refused.value) == message


@pytest.mark.parametrize(("change", "error", "message"), IMPOSSIBLE)
def test_an_impossible_configuration_change_is_refused_and_changes_nothing(
    change: ConfigurationChanged, error: type[EngineError], message: str
) -> None:
    d = Driver(hotline(agent("a1"), providers=("alpha", REMOTE)))
    d.login("a1")
    d.arrive("c1")

    assert str(d.refuse(change, error=error)) == message
