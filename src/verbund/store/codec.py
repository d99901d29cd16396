"""Engine commands ↔ JSON-compatible dicts, for the journal.

    encode_command(ContactArrived("c1", "+4930123", "termin", "de"))
    == {"type": "ContactArrived", "contact": "c1", "caller": "+4930123", "topic": "termin",
        "language": "de", "channel": "voice", "priority": 0, "callback": False}

The rules, the same for every field of every command (and of the specifications nested in them):

* enums by value (``"voice"``, ``"connected"``);
* ``AgentSpec``, ``ProviderSpec``, ``TopicSpec``, ``RoutingRules`` as objects of their fields;
* a skill ``(topic, language)`` as ``"topic:language"``: as a key of ``AgentSpec.skills`` (in the
  order given, which the engine's tie-breaks may depend on) and in the sorted list that stands for
  the frozenset ``ProviderSpec.serves``;
* tuples as lists; ``None`` as ``null``; a float that is not finite as ``"NaN"``, ``"Infinity"``
  or ``"-Infinity"`` (JSON has no such numbers, but a journal must hold whatever the engine was
  given, refused commands included).

Decoding is strict: an unknown command type, an unknown field or a value of the wrong type is a
:class:`StoreError` naming the field (``AgentConfigured.agent.skills['termin:de']: …``). A field
missing from the data takes its default, so that journals written before a field was added stay
readable.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from verbund.engine.commands import (
    AgentConfigured,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AgentRemoved,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    OfferAccepted,
    OfferDeclined,
    ProviderConfigured,
    ProviderStatusReported,
    RulesChanged,
    TimeAdvanced,
    TopicConfigured,
    WrapUpDone,
)
from verbund.engine.config import RoutingRules
from verbund.errors import ConfigurationError
from verbund.store.errors import StoreError

__all__ = [
    "COMMAND_TYPES",
    "decode_command",
    "decode_rules",
    "encode_command",
    "encode_rules",
]

#: Every command the engine handles, by the name the journal stores.
COMMAND_TYPES: dict[str, type[Command]] = {
    cls.__name__: cls
    for cls in (
        ContactArrived,
        ContactAbandoned,
        CallbackRequested,
        CallbackAnswered,
        CallbackNotAnswered,
        OfferAccepted,
        OfferDeclined,
        ContactEnded,
        WrapUpDone,
        AgentLoggedIn,
        AgentLoggedOut,
        AgentReady,
        AgentNotReady,
        ProviderStatusReported,
        TopicConfigured,
        ProviderConfigured,
        AgentConfigured,
        AgentRemoved,
        RulesChanged,
        TimeAdvanced,
    )
}

Encoder = Callable[[Any, str], Any]
Decoder = Callable[[Any, str], Any]

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _fail(path: str, expected: str, value: object) -> StoreError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return StoreError(f"{path}: expected {expected}, got {shown}")


# --- converters for each kind of annotation ------------------------------------------------------


def _str() -> tuple[Encoder, Decoder]:
    def code(value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise _fail(path, "a string", value)
        return value

    return code, code


def _bool() -> tuple[Encoder, Decoder]:
    def code(value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            raise _fail(path, "true or false", value)
        return value

    return code, code


def _int() -> tuple[Encoder, Decoder]:
    def code(value: Any, path: str) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(path, "a whole number", value)
        return value

    return code, code


def _float() -> tuple[Encoder, Decoder]:
    def encode(value: Any, path: str) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _fail(path, "a number", value)
        if isinstance(value, float) and not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return value

    def decode(value: Any, path: str) -> Any:
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _fail(path, "a number", value)
        return value

    return encode, decode


def _enum(cls: type[Enum]) -> tuple[Encoder, Decoder]:
    by_value = {member.value: member for member in cls}
    choices = ", ".join(repr(v) for v in by_value)

    def encode(value: Any, path: str) -> Any:
        if not isinstance(value, cls):
            raise _fail(path, f"a {cls.__name__} ({choices})", value)
        return value.value

    def decode(value: Any, path: str) -> Any:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            raise _fail(path, f"one of {choices}", value) from None

    return encode, decode


def _skill() -> tuple[Encoder, Decoder]:
    def encode(value: Any, path: str) -> Any:
        if (
            not isinstance(value, tuple)
            or len(value) != 2
            or not all(isinstance(part, str) and part and ":" not in part for part in value)
        ):
            raise _fail(path, "a skill (topic, language) of names without ':'", value)
        return f"{value[0]}:{value[1]}"

    def decode(value: Any, path: str) -> Any:
        if isinstance(value, str):
            topic, sep, language = value.partition(":")
            if sep and topic and language and ":" not in language:
                return (topic, language)
        raise _fail(path, "a skill 'topic:language'", value)

    return encode, decode


def _optional(inner: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    inner_encode, inner_decode = inner

    def encode(value: Any, path: str) -> Any:
        return None if value is None else inner_encode(value, path)

    def decode(value: Any, path: str) -> Any:
        return None if value is None else inner_decode(value, path)

    return encode, decode


def _tuple_of(inner: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    inner_encode, inner_decode = inner

    def encode(value: Any, path: str) -> Any:
        if not isinstance(value, tuple):
            raise _fail(path, "a tuple", value)
        return [inner_encode(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise _fail(path, "a list", value)
        return tuple(inner_decode(item, f"{path}[{i}]") for i, item in enumerate(value))

    return encode, decode


def _frozenset_of(inner: tuple[Encoder, Decoder]) -> tuple[Encoder, Decoder]:
    inner_encode, inner_decode = inner

    def encode(value: Any, path: str) -> Any:
        if not isinstance(value, frozenset | set):
            raise _fail(path, "a set", value)
        return sorted(inner_encode(item, f"{path}[{item!r}]") for item in value)

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise _fail(path, "a list", value)
        return frozenset(inner_decode(item, f"{path}[{i}]") for i, item in enumerate(value))

    return encode, decode


def _mapping_of(
    key: tuple[Encoder, Decoder], item: tuple[Encoder, Decoder]
) -> tuple[Encoder, Decoder]:
    key_encode, key_decode = key
    item_encode, item_decode = item

    def encode(value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            raise _fail(path, "a mapping", value)
        out: dict[str, Any] = {}
        for k, v in value.items():
            text = key_encode(k, f"{path} key {k!r}")
            out[text] = item_encode(v, f"{path}[{text!r}]")
        return out

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _fail(path, "an object", value)
        return {
            key_decode(k, f"{path} key {k!r}"): item_decode(v, f"{path}[{k!r}]")
            for k, v in value.items()
        }

    return encode, decode


def _dataclass(cls: type[Any]) -> tuple[Encoder, Decoder]:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    codecs = {f.name: _converter(hints[f.name]) for f in fields}
    required = _required(fields)
    name = cls.__name__

    def encode(value: Any, path: str) -> Any:
        if type(value) is not cls:
            raise _fail(path, f"a {name}", value)
        return {
            field: encoder(getattr(value, field), f"{path}.{field}")
            for field, (encoder, _) in codecs.items()
        }

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _fail(path, f"an object of the fields of {name}", value)
        return _build(cls, codecs, required, value, path)

    return encode, decode


def _required(fields: list[dataclasses.Field[Any]]) -> tuple[str, ...]:
    """The fields without a default, in their order."""
    return tuple(
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )


def _build(
    cls: type[Any],
    codecs: Mapping[str, tuple[Encoder, Decoder]],
    required: tuple[str, ...],
    value: Mapping[str, Any],
    path: str,
    skip: str | None = None,
) -> Any:
    unknown = [k for k in value if k not in codecs and k != skip]
    if unknown:
        raise StoreError(
            f"{path}.{unknown[0]}: {cls.__name__} has no such field "
            f"(fields: {', '.join(codecs) or 'none'}); was this written by a newer Verbund?"
        )
    missing = [k for k in required if k not in value]
    if missing:
        raise StoreError(f"{path}.{missing[0]}: missing (a {cls.__name__} needs it)")
    arguments = {
        field: codecs[field][1](item, f"{path}.{field}")
        for field, item in value.items()
        if field != skip
    }
    try:
        return cls(**arguments)
    except ConfigurationError as exc:
        raise StoreError(f"{path}: {exc}") from exc


def _converter(annotation: Any) -> tuple[Encoder, Decoder]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is str:
        return _str()
    if annotation is bool:
        return _bool()
    if annotation is int:
        return _int()
    if annotation is float:
        return _float()
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _enum(annotation)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass(annotation)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        return _optional(_converter(inner))
    if origin is tuple and args == (str, str):
        return _skill()
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_of(_converter(args[0]))
    if origin is frozenset:
        return _frozenset_of(_converter(args[0]))
    if origin in (Mapping, dict, typing.Mapping):
        return _mapping_of(_converter(args[0]), _converter(args[1]))
    raise TypeError(f"verbund.store.codec cannot store a field of type {annotation!r}")


# --- commands ------------------------------------------------------------------------------------


class _CommandCodec:
    __slots__ = ("cls", "codecs", "name", "required")

    def __init__(self, cls: type[Command]) -> None:
        hints = typing.get_type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.init]
        if any(f.name == "type" for f in fields):
            raise TypeError(f"{cls.__name__} has a field 'type': the journal keeps the name there")
        self.cls = cls
        self.name = cls.__name__
        self.codecs = {f.name: _converter(hints[f.name]) for f in fields}
        self.required = _required(fields)


_CODECS: dict[type[Command], _CommandCodec] = {
    cls: _CommandCodec(cls) for cls in COMMAND_TYPES.values()
}
_BY_NAME: dict[str, _CommandCodec] = {codec.name: codec for codec in _CODECS.values()}
_RULES = _dataclass(RoutingRules)


def encode_command(command: Command) -> dict[str, Any]:
    """The command as a JSON-compatible dict: ``{"type": "ContactArrived", ...fields}``."""
    codec = _CODECS.get(type(command))
    if codec is None:
        raise StoreError(
            f"{type(command).__name__} is not an engine command the journal knows "
            f"(known: {', '.join(COMMAND_TYPES)})"
        )
    out: dict[str, Any] = {"type": codec.name}
    for field, (encode, _) in codec.codecs.items():
        out[field] = encode(getattr(command, field), f"{codec.name}.{field}")
    return out


def decode_command(data: Mapping[str, Any]) -> Command:
    """The command that :func:`encode_command` turned into ``data``."""
    if not isinstance(data, Mapping):
        raise _fail("command", "an object with a 'type'", data)
    name = data.get("type")
    codec = _BY_NAME.get(name) if isinstance(name, str) else None
    if codec is None:
        raise StoreError(
            f"command.type: unknown command type {name!r} (known: {', '.join(COMMAND_TYPES)}); "
            "was this written by a newer Verbund?"
        )
    built: Command = _build(codec.cls, codec.codecs, codec.required, data, codec.name, skip="type")
    return built


def encode_rules(rules: RoutingRules) -> dict[str, Any]:
    """Routing rules as a JSON-compatible dict (the ``hotlines.rules`` column)."""
    encoded: dict[str, Any] = _RULES[0](rules, "RoutingRules")
    return encoded


def decode_rules(data: Mapping[str, Any]) -> RoutingRules:
    rules: RoutingRules = _RULES[1](data, "RoutingRules")
    return rules
