"""Frozen dataclasses that are quick to make: commands and effects.

Commands and effects are frozen, slotted dataclasses: values that nobody can change on the way.
A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` with
the field's name (a global lookup, an attribute lookup and a generic name-based set per field),
because its own ``__setattr__`` refuses. The engine makes several of them per contact (every
notice is one), so :func:`quick_init` gives such a class an ``__init__`` that sets each field
through its slot's descriptor directly: the same object, the same refusal of any later change,
in about 60 % of the time. It is generated the way ``dataclasses`` generates its own.
:func:`field_names` lists a slotted class's attributes, also when mypyc has compiled it.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def quick_init(cls: type[Any]) -> None:
    """Replace the ``__init__`` of the frozen, slotted dataclass ``cls`` with one that sets its
    slots directly. Only for classes without ``__post_init__``, init-only or factory fields."""
    if hasattr(cls, "__mypyc_attrs__"):
        return  # compiled by mypyc: a native class, whose own __init__ is quicker still
    if not (dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__):
        raise TypeError(f"{cls.__name__}: expected a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has __post_init__: quick_init would skip it")
    names: list[str] = []
    signature: list[str] = []
    namespace: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if not field.init or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: init-only or factory field")
        names.append(field.name)
        namespace[f"_set_{field.name}"] = getattr(cls, field.name).__set__
        if field.default is dataclasses.MISSING:
            signature.append(field.name)
        else:
            namespace[f"_default_{field.name}"] = field.default
            signature.append(f"{field.name}=_default_{field.name}")
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names) or "    pass\n"
    exec(f"def __init__(self, {', '.join(signature)}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]


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
