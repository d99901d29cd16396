"""The codec turns every engine command into JSON and back, exactly, and refuses what it cannot
read with an error that names the field."""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verbund.engine import (
    AgentConfigured,
    AgentSpec,
    Channel,
    Command,
    ConfigurationChanged,
    ContactArrived,
    ProviderConfigured,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    RoutingRules,
    RulesChanged,
    TimeAdvanced,
    TopicSpec,
)
from verbund.engine import commands as engine_commands
from verbund.store import COMMAND_TYPES, StoreError, decode_command, encode_command

names = st.text(max_size=12)
skill_parts = st.text(min_size=1, max_size=8).filter(lambda s: ":" not in s)
skills = st.tuples(skill_parts, skill_parts)
finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.integers(), finite, st.sampled_from([math.inf, -math.inf]))
seconds = st.floats(min_value=0.0, max_value=1e7, allow_nan=False)
positive = st.floats(min_value=0.001, max_value=1e7, allow_nan=False)

SPECS: dict[Any, st.SearchStrategy[Any]] = {
    TopicSpec: st.builds(TopicSpec, names, st.lists(names, max_size=4).map(tuple)),
    ProviderSpec: st.builds(
        ProviderSpec,
        names,
        st.sampled_from(ProviderMode),
        numbers,
        st.none() | names,
        st.frozensets(skills, max_size=4),
    ),
    AgentSpec: st.builds(
        AgentSpec,
        names,
        names,
        st.dictionaries(skills, st.integers(), max_size=5),
        st.dictionaries(st.sampled_from(Channel), st.integers(), max_size=3),
    ),
    RoutingRules: st.builds(
        RoutingRules,
        offer_timeout=positive,
        max_no_answers=st.integers(1, 10),
        wrap_up=st.none() | seconds,
        level_waits=st.lists(seconds, max_size=4).map(lambda w: (0.0, *sorted(w))),
        callback_offer_ewt=st.none() | seconds,
        max_ewt=st.none() | seconds,
        max_queue_length=st.none() | st.integers(0, 10**6),
        redial_window=positive,
        announce_interval=st.none() | positive,
        callback_max_attempts=st.integers(1, 9),
        aht_smoothing=st.floats(min_value=0.01, max_value=1.0),
        strategy=names,
    ),
}
SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    str: names,
    int: st.integers(),
    float: numbers,
    bool: st.booleans(),
    Channel: st.sampled_from(Channel),
}


def command_strategy(cls: type[Command]) -> st.SearchStrategy[Command]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: {**SCALARS, **SPECS}[hints[f.name]] for f in dataclasses.fields(cls)}
    return st.builds(cls, **fields)


commands = st.one_of([command_strategy(cls) for cls in COMMAND_TYPES.values()])


def test_every_engine_command_has_a_journal_name() -> None:
    defined = {
        obj
        for obj in vars(engine_commands).values()
        if isinstance(obj, type) and issubclass(obj, Command)
    }
    bases = {base for cls in defined for base in cls.__mro__[1:]}

    assert set(COMMAND_TYPES.values()) == defined - bases
    assert {ConfigurationChanged, Command} <= bases


@given(commands)
def test_every_command_survives_json_unchanged(command: Command) -> None:
    encoded = encode_command(command)
    text = json.dumps(encoded, allow_nan=False)  # standard JSON: no NaN or Infinity tokens

    decoded = decode_command(json.loads(text))

    assert decoded == command
    assert type(decoded) is type(command)
    assert encoded["type"] == type(command).__name__
    assert encode_command(decoded) == encoded


def test_the_encoding_is_plain_and_readable() -> None:
    agent = AgentSpec("a1", "alpha", {("termin", "de"): 1, ("impfung", "de"): 2}, {Channel.CHAT: 3})
    provider = ProviderSpec(
        "remote", ProviderMode.CONNECTED, 0.5, "sip:x", frozenset({("termin", "de"), ("a", "b")})
    )

    assert encode_command(ContactArrived("c1", "+4930", "termin", "de")) == {
        "type": "ContactArrived",
        "contact": "c1",
        "caller": "+4930",
        "topic": "termin",
        "language": "de",
        "channel": "voice",
        "priority": 0,
        "callback": False,
    }
    assert encode_command(AgentConfigured(agent))["agent"] == {
        "name": "a1",
        "provider": "alpha",
        "skills": {"termin:de": 1, "impfung:de": 2},
        "capacity": {"chat": 3},
    }
    assert encode_command(ProviderConfigured(provider))["provider"]["serves"] == [
        "a:b",
        "termin:de",
    ]
    assert encode_command(TimeAdvanced()) == {"type": "TimeAdvanced"}


def test_skill_order_is_kept_because_the_engine_may_depend_on_it() -> None:
    skills = {("z", "de"): 1, ("a", "de"): 2, ("m", "en"): 1}
    command = AgentConfigured(AgentSpec("a1", "alpha", skills))

    decoded = decode_command(json.loads(json.dumps(encode_command(command))))

    assert isinstance(decoded, AgentConfigured)
    assert list(decoded.agent.skills) == list(skills)


def test_numbers_json_cannot_hold_are_written_as_words() -> None:
    command = ProviderStatusReported("remote", 1, 2, math.nan, 3)
    encoded = encode_command(command)

    decoded = decode_command(json.loads(json.dumps(encoded, allow_nan=False)))

    assert encoded["handle_time"] == "NaN"
    assert isinstance(decoded, ProviderStatusReported)
    assert math.isnan(decoded.handle_time)
    assert decode_command({**encoded, "handle_time": "-Infinity"}) == ProviderStatusReported(
        "remote", 1, 2, -math.inf, 3
    )


def test_a_field_missing_from_old_data_takes_its_default() -> None:
    data = {"type": "ContactArrived", "contact": "c", "caller": "", "topic": "t", "language": "de"}

    assert decode_command(data) == ContactArrived("c", "", "t", "de")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "ContactTeleported", "contact": "c"}, "unknown command type 'ContactTeleported'"),
        ({"contact": "c"}, "unknown command type None"),
        ([1, 2], "command: expected an object"),
        ({"type": "ContactAbandoned"}, "ContactAbandoned.contact: missing"),
        ({"type": "ContactAbandoned", "contact": 7}, "ContactAbandoned.contact: expected a string"),
        ({"type": "ContactAbandoned", "contact": "c", "mood": "x"}, "ContactAbandoned.mood"),
        (
            {"type": "ContactArrived", "contact": "c", "caller": "", "topic": "t",
             "language": "de", "channel": "fax"},
            "ContactArrived.channel: expected one of 'voice', 'chat', 'social', got 'fax'",
        ),
        (
            {"type": "ContactArrived", "contact": "c", "caller": "", "topic": "t",
             "language": "de", "priority": True},
            "ContactArrived.priority: expected a whole number",
        ),
        (
            {"type": "AgentConfigured",
             "agent": {"name": "a", "provider": "p", "skills": {"termin:de": "1"}}},
            "AgentConfigured.agent.skills['termin:de']: expected a whole number",
        ),
        (
            {"type": "AgentConfigured",
             "agent": {"name": "a", "provider": "p", "skills": {"termin": 1}}},
            "AgentConfigured.agent.skills key 'termin': expected a skill 'topic:language'",
        ),
        (
            {"type": "ProviderConfigured",
             "provider": {"name": "p", "mode": "connected", "serves": "termin:de"}},
            "ProviderConfigured.provider.serves: expected a list",
        ),
        (
            {"type": "ProviderStatusReported", "provider": "p", "ready_agents": 1,
             "waiting": 0, "handle_time": "soon", "serving_agents": 1},
            "ProviderStatusReported.handle_time: expected a number",
        ),
        (
            {"type": "RulesChanged", "rules": {"offer_timeout": -1}},
            "RulesChanged.rules: offer_timeout: expected more than 0 seconds",
        ),
        (
            {"type": "RulesChanged", "rules": {"level_waits": [0, "x"]}},
            "RulesChanged.rules.level_waits[1]: expected a number",
        ),
    ],
)  # fmt: skip
def test_what_cannot_be_read_is_refused_naming_the_field(data: Any, message: str) -> None:
    with pytest.raises(StoreError) as error:
        decode_command(data)

    assert message in str(error.value)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (ContactArrived("c", "", "t", "de", channel="voice"), "ContactArrived.channel"),  # type: ignore[arg-type]
        (AgentConfigured(AgentSpec("a", "p", {("a:b", "de"): 1})), "AgentConfigured.agent.skills"),
        (RulesChanged(None), "RulesChanged.rules: expected a RoutingRules"),  # type: ignore[arg-type]
        (ConfigurationChanged(), "ConfigurationChanged is not an engine command"),
    ],
)
def test_what_cannot_be_written_is_refused_naming_the_field(command: Any, message: str) -> None:
    with pytest.raises(StoreError) as error:
        encode_command(command)

    assert message in str(error.value)
