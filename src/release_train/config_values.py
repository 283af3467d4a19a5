"""Frozen value classes for the settings, without `dataclasses` at import time.

`config.py` declares each settings section as a class decorated with `frozen_values` and each
option with `opt(...)` (default, help line, value kind). At run time the classes behave exactly
as frozen dataclasses (tests/unit/test_config_values.py), but defining them imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["factory", "frozen_values", "opt", "specs_of"]

# `dataclasses` imports `inspect` (with `ast`, `dis`, `tokenize`): about 11 ms, more than half of
# this module's import and the largest single cost of `release-train bump`'s start-up
# (bench/bump.py). So the classes below are defined without it, and it is imported only when
# something asks for dataclass machinery (`fields`, `replace`, `asdict`, a frozen assignment).

_NO_DEFAULT: Any = object()


class _Opt:
    """One declared field: what `dataclasses.field` would hold, without importing `dataclasses`."""

    __slots__ = ("default", "default_factory", "help", "kind", "name", "type")

    def __init__(
        self,
        default: Any = _NO_DEFAULT,
        default_factory: Callable[[], Any] | None = None,
        help: str | None = None,
        kind: str = "",
    ) -> None:
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.help = help
        self.kind = kind

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT and self.default_factory is None

    def make_default(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default


def specs_of(cls_or_value: Any) -> tuple[_Opt, ...]:
    """The declared fields of a settings class (or of its instance), in order."""
    specs: tuple[_Opt, ...] = cls_or_value.__value_specs__
    return specs


class _LazyFields:
    """`__dataclass_fields__` built on first access, so `dataclasses.is_dataclass`, `fields`,
    `replace` and `asdict` work on the settings classes while only they import `dataclasses`."""

    def __get__(self, instance: object, owner: type) -> Any:
        import dataclasses

        # A stand-in class with the same annotations and `field()`s, processed by `dataclass`
        # itself: real `Field` objects through the public API only.
        namespace: dict[str, Any] = {
            "__module__": owner.__module__,
            "__qualname__": owner.__qualname__,
            "__doc__": owner.__doc__,
            "__annotations__": {spec.name: spec.type for spec in specs_of(owner)},
        }
        for spec in specs_of(owner):
            metadata = {"help": spec.help, "kind": spec.kind} if spec.help is not None else None
            if spec.default_factory is not None:
                namespace[spec.name] = dataclasses.field(
                    default_factory=spec.default_factory, metadata=metadata
                )
            elif spec.default is not _NO_DEFAULT:
                namespace[spec.name] = dataclasses.field(default=spec.default, metadata=metadata)
        shadow: Any = dataclasses.dataclass(init=False, repr=False, eq=False, frozen=True)(
            type(owner.__name__, (), namespace)
        )
        built = shadow.__dataclass_fields__
        # Replace this descriptor: later look-ups are plain attribute reads.
        type.__setattr__(owner, "__dataclass_fields__", built)
        type.__setattr__(owner, "__dataclass_params__", shadow.__dataclass_params__)
        return built


if TYPE_CHECKING:
    # Type checkers see exactly what the classes are at run time: frozen dataclasses.
    from dataclasses import dataclass as frozen_values
else:

    def frozen_values(*, frozen: bool) -> Any:
        """`@dataclass(frozen=True)`, with the same `__init__`, `__repr__`, `__eq__`, `__hash__`,
        frozenness and fields, but written once below: dataclass compiles six methods for each
        class (about 1.5 ms each class) and needs `import dataclasses` (about 11 ms). `fields`,
        `replace` and `asdict` work as on any dataclass (tests/unit/test_config_values.py)."""
        assert frozen

        def wrap(cls: type) -> type:
            specs: list[_Opt] = []
            # Not `inspect.get_annotations`: importing `inspect` is the cost avoided here.
            annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
            for name, annotation in annotations.items():
                value = cls.__dict__.get(name, _NO_DEFAULT)
                spec = value if isinstance(value, _Opt) else _Opt(default=value)
                spec.name, spec.type = name, annotation
                specs.append(spec)
                # As dataclass does: a plain default stays a class attribute, a factory does not.
                if spec.default_factory is not None:
                    delattr(cls, name)
                elif not spec.required:
                    setattr(cls, name, spec.default)
            cls.__value_specs__ = tuple(specs)
            cls.__match_args__ = tuple(spec.name for spec in specs)
            cls.__dataclass_fields__ = _LazyFields()
            for name, method in _VALUE_METHODS.items():
                setattr(cls, name, method)
            return cls

        return wrap


def _value_init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    specs = specs_of(cls)
    if len(args) > len(specs):
        raise TypeError(f"{cls.__name__}() takes {len(specs)} arguments but {len(args)} were given")
    given = dict(zip((s.name for s in specs), args, strict=False))
    for key, value in kwargs.items():
        if key in given or key not in {s.name for s in specs}:
            raise TypeError(f"{cls.__name__}() got an unexpected or repeated argument {key!r}")
        given[key] = value
    for spec in specs:
        if spec.name in given:
            value = given[spec.name]
        elif spec.required:
            raise TypeError(f"{cls.__name__}() missing required argument: {spec.name!r}")
        else:
            value = spec.make_default()
        object.__setattr__(self, spec.name, value)


def _value_tuple(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, spec.name) for spec in specs_of(self))


def _value_eq(self: Any, other: object) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _value_tuple(self) == _value_tuple(other)


def _value_hash(self: Any) -> int:
    return hash(_value_tuple(self))


def _value_repr(self: Any) -> str:
    inner = ", ".join(f"{spec.name}={getattr(self, spec.name)!r}" for spec in specs_of(self))
    return f"{self.__class__.__qualname__}({inner})"


def _value_setattr(self: Any, name: str, value: Any) -> None:
    from dataclasses import FrozenInstanceError  # only on the error path

    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _value_delattr(self: Any, name: str) -> None:
    from dataclasses import FrozenInstanceError  # only on the error path

    raise FrozenInstanceError(f"cannot delete field {name!r}")


_VALUE_METHODS = {
    "__init__": _value_init,
    "__eq__": _value_eq,
    "__hash__": _value_hash,
    "__repr__": _value_repr,
    "__setattr__": _value_setattr,
    "__delattr__": _value_delattr,
}


def opt(default: Any, help: str, kind: str) -> Any:
    """Declare one option: its default, its help line and its value kind (checked on load)."""
    if isinstance(default, list | dict):
        return _Opt(default_factory=lambda: default, help=help, kind=kind)
    return _Opt(default=default, help=help, kind=kind)


def factory(make: Callable[[], Any]) -> Any:
    """`field(default_factory=make)`: a field whose default is made fresh for each value."""
    return _Opt(default_factory=make)
