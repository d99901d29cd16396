"""Commands and effects keep every property of frozen dataclasses, quicker ``__init__``.

Every test here runs twice in ``make test``: compiled, where the often-made commands and the
effects are native classes with ``__init__``s of their own, and interpreted, where
:func:`verbund.engine.records.quick_init` stands in for those ``__init__``s.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import enum
import pickle
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from verbund.engine import commands, effects
from verbund.engine.commands import (
    AgentNotReady,
    Command,
    ContactArrived,
    OfferAccepted,
    ProviderStatusReported,
    TimeAdvanced,
)
from verbund.engine.config import Channel
from verbund.engine.effects import AnnounceWait, ContactStateChanged, Effect, OfferContact
from verbund.engine.records import quick_init
from verbund.engine.states import ContactState

COMPILED = not (commands.__file__ or "").endswith(".py")


def _classes(module: object, base: type) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value is not base
    ]


RECORDS = _classes(commands, Command) + _classes(effects, Effect)


def _sample(annotation: Any, i: int) -> Any:
    """A value of the field's type, different for each field number ``i``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args:
        return _sample(args[0], i)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = list(annotation)
        return members[i % len(members)]
    return {str: f"v{i}", int: 10 + i, float: 0.5 + i, bool: i % 2 == 0}.get(annotation, object())


def _hints(cls: type) -> dict[str, Any]:
    """The fields' types as the source writes them (compiled by mypyc, a class keeps ``type`` for
    a union such as ``float | None``), evaluated in the class's module."""
    module = sys.modules[cls.__module__]
    source = Path(module.__file__ or "").with_name(cls.__module__.rsplit(".", 1)[-1] + ".py")
    (node,) = (
        n
        for n in ast.walk(ast.parse(source.read_text()))
        if isinstance(n, ast.ClassDef) and n.name == cls.__name__
    )
    return {
        statement.target.id: eval(ast.unparse(statement.annotation), vars(module))
        for statement in node.body
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
    }


def _samples(cls: type) -> dict[str, Any]:
    hints = _hints(cls)
    return {f.name: _sample(hints[f.name], i) for i, f in enumerate(dataclasses.fields(cls))}


# (Not the configuration commands: their fields hold specs, made and checked in their own tests.)
SAMPLED = [c for c in RECORDS if all(type(v) is not object for v in _samples(c).values())]


def test_the_sampled_records_are_all_but_the_configuration_commands() -> None:
    assert {c.__name__ for c in RECORDS} - {c.__name__ for c in SAMPLED} == {
        "TopicConfigured",
        "ProviderConfigured",
        "AgentConfigured",
        "RulesChanged",
    }


@pytest.mark.parametrize("cls", SAMPLED, ids=lambda c: c.__name__)
def test_every_field_is_set_from_its_own_argument_by_position_and_by_name(cls: type) -> None:
    values = _samples(cls)
    by_position = cls(*values.values())
    by_name = cls(**values)
    assert by_position == by_name
    assert {name: getattr(by_position, name) for name in values} == values


@pytest.mark.parametrize("cls", SAMPLED, ids=lambda c: c.__name__)
def test_left_out_arguments_take_the_fields_defaults(cls: type) -> None:
    values = _samples(cls)
    defaults = {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }
    made = cls(**{name: v for name, v in values.items() if name not in defaults})
    assert {name: getattr(made, name) for name in defaults} == defaults


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_own_init_or_the_quick_one_never_the_dataclass_s_slow_one(cls: type) -> None:
    native = hasattr(cls, "__mypyc_attrs__")
    own_init = not cls.__dataclass_params__.init  # type: ignore[attr-defined]
    assert own_init
    assert native == COMPILED
    if not native:
        names = cls.__init__.__code__.co_names
        assert "__dataclass_builtins_object__" not in names  # the frozen dataclass's slow way


def test_all_are_native_when_compiled() -> None:
    native = [c for c in RECORDS if hasattr(c, "__mypyc_attrs__")]
    assert native == (RECORDS if COMPILED else [])


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
    assert AgentNotReady("a1").reason == "break"
    assert TimeAdvanced() == TimeAdvanced()
    assert OfferAccepted("c1", "a1") != AgentNotReady("c1", "a1")  # another type, same values


def test_still_frozen() -> None:
    notice = ContactStateChanged("c1", ContactState.QUEUED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        notice.agent = "a1"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del notice.contact  # type: ignore[misc]
    with pytest.raises(AttributeError):
        notice.colour = "red"  # type: ignore[attr-defined]
    assert notice.agent is None


def test_a_field_of_the_wrong_type_is_refused_when_made_as_mypyc_does() -> None:
    with pytest.raises(TypeError, match=r"^str object expected; got int$"):
        OfferAccepted("c1", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^int object expected; got float$"):
        ContactArrived("c1", "", "termin", "de", priority=0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^bool object expected; got int$"):
        ContactArrived("c1", "", "termin", "de", callback=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^float or None object expected; got str$"):
        AnnounceWait("c1", 1, "soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^str object expected; got None$"):
        AgentNotReady("a1", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^int object expected; got float$"):
        ProviderStatusReported("p", 1, 0.5, 60.0, 2)  # type: ignore[arg-type]
    assert AnnounceWait("c1", 1, 30).ewt == 30  # a float field takes a whole number
    # A field of a class from an interpreted module (a Channel, a RoutingRules…) mypyc does not
    # check: the engine refuses what is wrong there, saying which channels or rules it expected.
    assert ContactArrived("c1", "", "t", "de", channel="fax").channel == "fax"  # type: ignore[arg-type]


def test_missing_or_unknown_arguments_are_refused_as_before() -> None:
    with pytest.raises(TypeError, match="agent"):
        OfferAccepted("c1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):  # (mypyc's words name no argument: "takes at most 2…")
        AgentNotReady("a1", "pause", colour="red")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "record",
    [
        ContactArrived("c1", "", "termin", "de", Channel.CHAT, 1, True),
        OfferContact("c1", "a1", 5.0, answered=True),
        ProviderStatusReported("p", 1, 0, 60.0, 2),
        TimeAdvanced(),
    ],
    ids=lambda r: type(r).__name__,
)
def test_pickles_and_copies_round_trip(record: object) -> None:
    assert pickle.loads(pickle.dumps(record)) == record
    assert copy.copy(record) == record
    assert copy.deepcopy(record) == record
    assert type(pickle.loads(pickle.dumps(record))) is type(record)


def test_refuses_classes_it_would_break() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            raise AssertionError

    @dataclasses.dataclass(frozen=True, init=False)
    class Reordered:
        first: int
        second: int

        def __init__(self, second: int, first: int) -> None:
            raise AssertionError

    class Plain:
        value: int

    for cls in (Checked, Reordered, Plain):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_quick_init_of_a_slotted_class_sets_its_slots() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        value: int
        label: str = "x"

    quick_init(Slotted)
    made = Slotted(3)
    assert (made.value, made.label) == (3, "x")
    assert not hasattr(made, "__dict__")
    assert "_set_value" in Slotted.__init__.__code__.co_names
