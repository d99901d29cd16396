"""Commands and effects keep every property of frozen dataclasses, quicker ``__init__``."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from verbund.engine import commands, effects
from verbund.engine.commands import (
    AgentNotReady,
    Command,
    ContactArrived,
    OfferAccepted,
    TimeAdvanced,
)
from verbund.engine.config import Channel
from verbund.engine.effects import ContactStateChanged, Effect, OfferContact
from verbund.engine.records import quick_init
from verbund.engine.states import ContactState


def _classes(module: object, base: type) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value is not base
    ]


@pytest.mark.parametrize(
    "cls", _classes(commands, Command) + _classes(effects, Effect), ids=lambda c: c.__name__
)
def test_every_command_and_effect_has_the_quick_init_with_the_dataclass_signature(
    cls: type,
) -> None:
    names = cls.__init__.__code__.co_names
    assert "__dataclass_builtins_object__" not in names  # the frozen dataclass's slow way
    assert {f"_set_{f.name}" for f in dataclasses.fields(cls)} == set(names)
    expected = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
        )
        for f in dataclasses.fields(cls)
    ]
    assert list(inspect.signature(cls.__init__).parameters.values())[1:] == expected


def test_fields_defaults_keywords_and_equality() -> None:
    arrived = ContactArrived("c1", "+49301", "termin", "de", priority=2)
    assert (arrived.contact, arrived.caller, arrived.topic, arrived.language) == (
        "c1",
        "+49301",
        "termin",
        "de",
    )
    assert (arrived.channel, arrived.priority, arrived.callback) == (Channel.VOICE, 2, False)
    assert arrived == ContactArrived(
        contact="c1", caller="+49301", topic="termin", language="de", priority=2
    )
    assert arrived != ContactArrived("c1", "+49301", "termin", "de")
    assert hash(arrived) == hash(ContactArrived("c1", "+49301", "termin", "de", priority=2))
    assert repr(OfferContact("c1", "a1", 5.0)) == (
        "OfferContact(contact='c1', agent='a1', expires_at=5.0, callback=False, answered=False)"
    )
    assert TimeAdvanced() == TimeAdvanced()


def test_still_frozen_and_slotted() -> None:
    notice = ContactStateChanged("c1", ContactState.QUEUED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        notice.agent = "a1"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del notice.contact  # type: ignore[misc]
    assert not hasattr(notice, "__dict__")


def test_missing_or_unknown_arguments_are_refused_as_before() -> None:
    with pytest.raises(TypeError, match="agent"):
        OfferAccepted("c1")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="colour"):
        AgentNotReady("a1", "pause", colour="red")  # type: ignore[call-arg]


def test_pickles_round_trip() -> None:
    arrived = ContactArrived("c1", "", "termin", "de", Channel.CHAT, 1, True)
    assert pickle.loads(pickle.dumps(arrived)) == arrived


def test_refuses_classes_it_would_break() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            raise AssertionError

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        values: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        value: int

    for cls in (Checked, Factory, Unslotted):
        with pytest.raises(TypeError):
            quick_init(cls)
