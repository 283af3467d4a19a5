"""`dataclass`, `field` and `replace` as in `dataclasses`, without its start-up cost.

Every command is a short process, and most of its value types are defined on its way to the first
thing it does. `dataclasses.dataclass` compiles six generated methods for each class (about
1.3 ms a class on a 2-core machine: 60 ms for the 44 classes `cut` defines) and importing
`dataclasses` imports `inspect` (with `ast`, `dis`, `tokenize`: 10-20 ms). The `dataclass` here
takes the same arguments and gives the same `__init__` (positional and keyword, `kw_only`
fields last, defaults and factories, `__post_init__`), `__repr__`, `__eq__`, `__hash__` and
frozenness, written once below for every class. `dataclasses.fields`, `replace`, `asdict` and
`is_dataclass` still work: `__dataclass_fields__` is built by `dataclasses` itself on first use
(tests/unit/test_values.py holds the two side by side).

Type checkers see `dataclasses` itself (the `TYPE_CHECKING` branch), so a class checks exactly
as a dataclass. `opt` declares a settings field with its help line and value kind (config.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["dataclass", "field", "opt", "replace", "specs_of"]

_NO_DEFAULT: Any = object()


class _Field:
    """One declared field: what `dataclasses.Field` holds, plus a settings field's help and kind."""

    __slots__ = (
        "compare",
        "default",
        "default_factory",
        "help",
        "init",
        "kind",
        "kw_only",
        "name",
        "repr",
        "type",
    )

    def __init__(
        self,
        default: Any = _NO_DEFAULT,
        default_factory: Callable[[], Any] | None = None,
        *,
        init: bool = True,
        repr: bool = True,
        compare: bool = True,
        help: str | None = None,
        kind: str = "",
    ) -> None:
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.kw_only = False
        self.help = help
        self.kind = kind

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT and self.default_factory is None

    def make_default(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default

    def as_dataclass_field(self) -> Any:
        """The same declaration as a `dataclasses.field`."""
        import dataclasses

        metadata = {"help": self.help, "kind": self.kind} if self.help is not None else None
        options: dict[str, Any] = {
            "init": self.init,
            "repr": self.repr,
            "compare": self.compare,
            "kw_only": self.kw_only,
            "metadata": metadata,
        }
        if self.default_factory is not None:
            options["default_factory"] = self.default_factory
        elif self.default is not _NO_DEFAULT:
            options["default"] = self.default
        return dataclasses.field(**options)


def specs_of(cls_or_value: Any) -> tuple[_Field, ...]:
    """The declared fields of a value class (or of its instance), in their order."""
    specs: tuple[_Field, ...] = cls_or_value.__value_specs__
    return specs


class _LazyFields:
    """`__dataclass_fields__` built on first access, so `dataclasses.is_dataclass`, `fields`,
    `replace` and `asdict` work on these classes while only they import `dataclasses`."""

    def __get__(self, instance: object, owner: Any) -> Any:
        import dataclasses

        # A stand-in class with the same annotations and fields, processed by `dataclass` itself:
        # real `Field` objects through the public API only.
        namespace: dict[str, Any] = {
            "__module__": owner.__module__,
            "__qualname__": owner.__qualname__,
            "__doc__": owner.__doc__,
            "__annotations__": {spec.name: spec.type for spec in specs_of(owner)},
        }
        for spec in specs_of(owner):
            namespace[spec.name] = spec.as_dataclass_field()
        shadow: Any = dataclasses.dataclass(init=False, repr=False, eq=False, frozen=owner.__value_frozen__)(
            type(owner.__name__, (), namespace)
        )
        built = shadow.__dataclass_fields__
        # Replace this descriptor on this class: later look-ups are plain attribute reads.
        type.__setattr__(owner, "__dataclass_fields__", built)
        type.__setattr__(owner, "__dataclass_params__", shadow.__dataclass_params__)
        return built


def _is_class_var(annotation: Any) -> bool:
    # As `dataclasses` does for string annotations (`from __future__ import annotations`).
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return text.startswith(("ClassVar", "typing.ClassVar"))


if TYPE_CHECKING:
    from dataclasses import dataclass, field, replace
else:

    def field(
        *,
        default: Any = _NO_DEFAULT,
        default_factory: Callable[[], Any] | None = None,
        init: bool = True,
        repr: bool = True,
        compare: bool = True,
    ) -> Any:
        """`dataclasses.field`, for the classes of `dataclass` below."""
        return _Field(default, default_factory, init=init, repr=repr, compare=compare)

    def dataclass(
        cls: type | None = None, /, *, frozen: bool = False, kw_only: bool = False, eq: bool = True
    ) -> Any:
        """`dataclasses.dataclass` (with these arguments), its methods shared by every class."""

        def wrap(cls: type) -> type:
            specs = {spec.name: spec for spec in getattr(cls, "__value_specs__", ())}
            # Not `inspect.get_annotations`: importing `inspect` is the cost avoided here.
            annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
            for name, annotation in annotations.items():
                if _is_class_var(annotation):
                    continue
                value = cls.__dict__.get(name, _NO_DEFAULT)
                spec = value if isinstance(value, _Field) else _Field(default=value)
                spec.name, spec.type, spec.kw_only = name, annotation, kw_only
                specs[name] = spec  # a redeclared field keeps its place, as in dataclasses
                # As dataclass does: a plain default stays a class attribute, a factory does not.
                if spec.default_factory is not None or (isinstance(value, _Field) and spec.required):
                    if name in cls.__dict__:
                        delattr(cls, name)
                elif not spec.required:
                    setattr(cls, name, spec.default)
            ordered = tuple(specs.values())
            cls.__value_specs__ = ordered
            cls.__value_frozen__ = frozen
            cls.__value_positional__ = tuple(s for s in ordered if s.init and not s.kw_only)
            cls.__value_names__ = frozenset(s.name for s in ordered if s.init)
            cls.__value_compared__ = tuple(s.name for s in ordered if s.compare)
            cls.__match_args__ = tuple(s.name for s in cls.__value_positional__)
            cls.__dataclass_fields__ = _LazyFields()
            methods: dict[str, Any] = {"__init__": _value_init, "__repr__": _value_repr}
            if eq:
                methods["__eq__"] = _value_eq
            if frozen:
                methods["__setattr__"] = _value_setattr
                methods["__delattr__"] = _value_delattr
            for name, method in methods.items():
                if name not in cls.__dict__:
                    setattr(cls, name, method)
            # dataclass's rule: an explicit __hash__ stays; eq and frozen hash the compared
            # fields; eq alone makes instances unhashable.
            if eq and cls.__dict__.get("__hash__") is None:
                cls.__hash__ = _value_hash if frozen else None  # type: ignore[assignment]
            return cls

        return wrap if cls is None else wrap(cls)

    def replace(obj: Any, /, **changes: Any) -> Any:
        """`dataclasses.replace`: a copy of `obj` with `changes`, through its `__init__`."""
        cls = type(obj)
        specs = getattr(cls, "__value_specs__", None)
        if specs is None:
            import dataclasses

            return dataclasses.replace(obj, **changes)
        unknown = changes.keys() - cls.__value_names__
        if unknown:
            raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument {min(unknown)!r}")
        kwargs = {s.name: changes.get(s.name, getattr(obj, s.name)) for s in specs if s.init}
        return cls(**kwargs)


def _value_init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    positional = cls.__value_positional__
    if len(args) > len(positional):
        raise TypeError(
            f"{cls.__name__}() takes {len(positional)} positional arguments but {len(args)} were given"
        )
    given = {spec.name: value for spec, value in zip(positional, args, strict=False)}
    for key, value in kwargs.items():
        if key in given or key not in cls.__value_names__:
            raise TypeError(f"{cls.__name__}() got an unexpected or repeated argument {key!r}")
        given[key] = value
    for spec in cls.__value_specs__:
        if spec.init and spec.name in given:
            value = given[spec.name]
        elif spec.init and spec.required:
            raise TypeError(f"{cls.__name__}() missing required argument: {spec.name!r}")
        elif spec.required:
            continue  # init=False without a default: __post_init__ sets it
        else:
            value = spec.make_default()
        object.__setattr__(self, spec.name, value)
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _value_tuple(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in type(self).__value_compared__)


def _value_eq(self: Any, other: object) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _value_tuple(self) == _value_tuple(other)


def _value_hash(self: Any) -> int:
    return hash(_value_tuple(self))


def _value_repr(self: Any) -> str:
    inner = ", ".join(f"{s.name}={getattr(self, s.name)!r}" for s in specs_of(self) if s.repr)
    return f"{self.__class__.__qualname__}({inner})"


def _value_setattr(self: Any, name: str, value: Any) -> None:
    from dataclasses import FrozenInstanceError  # only on the error path

    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _value_delattr(self: Any, name: str) -> None:
    from dataclasses import FrozenInstanceError  # only on the error path

    raise FrozenInstanceError(f"cannot delete field {name!r}")


def opt(default: Any, help: str, kind: str) -> Any:
    """A settings field: its default, its help line and its value kind (checked on load)."""
    if isinstance(default, list | dict):
        return _Field(default_factory=lambda: default, help=help, kind=kind)
    return _Field(default=default, help=help, kind=kind)
