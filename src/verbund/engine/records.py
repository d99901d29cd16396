"""Frozen dataclasses that are quick to make: commands and effects.

Commands and effects are frozen dataclasses: values that nobody can change on the way. A frozen
dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` with the field's
name (a global lookup, an attribute lookup and a generic name-based set per field), because its
own ``__setattr__`` refuses; the engine makes several of them per contact (every notice is one).

So each command and effect declares ``init=False`` and an ``__init__`` of its own that assigns
each field, in order. Compiled by mypyc, that ``__init__`` is native: it stores the fields directly
(about 35 ns, against some 600 ns for the generated one), and the class refuses changes from
outside as a frozen dataclass does. Interpreted, the same assignments would meet the frozen
class's refusal: :func:`quick_init` gives such a class (and any other frozen dataclass) an
``__init__`` with the very signature of the one it has, setting each field through its slot's
descriptor or in the instance's ``__dict__`` directly. It is generated the way ``dataclasses``
generates its own. :func:`field_names` lists a slotted class's attributes, also when mypyc has
compiled it.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any


def quick_init(cls: type[Any]) -> None:
    """Replace the ``__init__`` of the frozen dataclass ``cls``, which must take exactly its
    fields in order, with one of the same signature that sets the fields directly. Only for
    classes without ``__post_init__`` or init-only fields; nothing to do when compiled.

    A class with an ``__init__`` of its own (``init=False``) is native when compiled, and its
    text, number and yes/no fields (``str``, ``int``, ``float``, ``bool``, each maybe ``| None``)
    then refuse a value of another type: so does the quick ``__init__``, with mypyc's words."""
    if hasattr(cls, "__mypyc_attrs__"):
        return  # compiled by mypyc: a native class, whose own __init__ is quicker still
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__}: expected a dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has __post_init__: quick_init would skip it")
    fields = dataclasses.fields(cls)
    names = [field.name for field in fields]
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    if [p.name for p in parameters] != names or any(
        p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters
    ):
        raise TypeError(
            f"{cls.__name__}.__init__ must take exactly the fields ({', '.join(names)}), in order"
        )
    checked = not cls.__dataclass_params__.init  # type: ignore[attr-defined]
    slotted = "__slots__" in cls.__dict__  # else its instances keep their fields in a __dict__
    signature: list[str] = []
    body: list[str] = [] if slotted else ["_fields = self.__dict__"]
    namespace: dict[str, Any] = {"_refuse": _refuse}
    for p, field in zip(parameters, fields, strict=True):
        name = p.name
        if p.default is inspect.Parameter.empty:
            signature.append(name)
        else:
            namespace[f"_default_{name}"] = p.default
            signature.append(f"{name}=_default_{name}")
        check = _native_check(field.type) if checked else None
        if check is not None:
            namespace[f"_types_{name}"], namespace[f"_expected_{name}"] = check
            body.append(f"if not isinstance({name}, _types_{name}):")
            body.append(f"    _refuse(_expected_{name}, {name})")
        if slotted:
            namespace[f"_set_{name}"] = getattr(cls, name).__set__
            body.append(f"_set_{name}(self, {name})")
        else:
            body.append(f"_fields[{name!r}] = {name}")
    text = "".join(f"    {line}\n" for line in body) if names else "    pass\n"
    exec(f"def __init__(self, {', '.join(signature)}):\n{text}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]


# What mypyc accepts for a native field of these types (a float field takes an int too).
_NATIVE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
}


def _native_check(annotation: object) -> tuple[tuple[type, ...], str] | None:
    """The types a native field of ``annotation`` (its text) accepts, and their name in mypyc's
    message; None where mypyc checks nothing of its own (a class of an interpreted module)."""
    if not isinstance(annotation, str):
        return None
    parts = [part.strip() for part in annotation.split("|")]
    optional = "None" in parts
    rest = [part for part in parts if part != "None"]
    if len(rest) != 1 or rest[0] not in _NATIVE_TYPES:
        return None
    accepted = _NATIVE_TYPES[rest[0]] + ((type(None),) if optional else ())
    return accepted, rest[0] + (" or None" if optional else "")


def _refuse(expected: str, value: object) -> None:
    got = "None" if value is None else type(value).__name__
    raise TypeError(f"{expected} object expected; got {got}")


def remade(record: Any) -> tuple[Any, ...]:
    """What ``__reduce__`` returns for a record whose ``__init__`` takes its fields in order: its
    class and their values (pickled, copied, or compiled by mypyc, it is made anew)."""
    return type(record), tuple(getattr(record, field.name) for field in dataclasses.fields(record))


def field_names(cls: type) -> tuple[str, ...]:
    """The attributes of a slotted class in name order (a class compiled by mypyc keeps them in
    ``__mypyc_attrs__`` instead of ``__slots__``); () for a plain class: its ``__dict__`` has
    them."""
    names: tuple[str, ...] = cls.__dict__.get("__slots__", ()) or getattr(
        cls, "__mypyc_attrs__", ()
    )
    return tuple(sorted(names))


def quick_init_all(namespace: dict[str, Any], base: type[Any]) -> None:
    """:func:`quick_init` for every class in ``namespace`` (a module's globals) derived from
    ``base``. (Not ``base.__subclasses__()``: that also lists the classes ``dataclass`` replaced
    with their slotted copies, until they are collected.)"""
    for value in list(namespace.values()):
        if isinstance(value, type) and issubclass(value, base) and value is not base:
            quick_init(value)
