"""`Record`: value semantics for the hot value types, without `dataclasses`' start-up cost.

Creating a dataclass type compiles six generated methods (about 1.5 ms each type on this machine),
and `bump` must start in little more time than Python needs to read the manifests
(bench/bump.py). A `Record` subclass lists its fields once in `FIELDS` (also its `__slots__`) and
writes a plain `__init__` taking the fields in that order; equality, hashing, `repr`, copying and
immutability come from here.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Record:
    """Frozen value: `==`/`hash` over `FIELDS`, a dataclass-style `repr`, no attribute assignment
    after `__init__` (which sets fields with `object.__setattr__`, see `_init`)."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def _init(self, *values: Any) -> None:
        for name, value in zip(self.FIELDS, values, strict=True):
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{self.__class__.__qualname__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy and pickle rebuild through __init__ (assigning slots would hit __setattr__)
        return (self.__class__, self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {self.__class__.__name__}")
