"""Versions and the version operations of SPEC section 2.

| operation | effect |
|---|---|
| major   | major != 0: major+1, minor=patch=0. major == 0: minor+1, patch=0 |
| patch   | patch+1 (pre-release suffix kept) |
| rc      | X.Y.Z-dev or no suffix -> X.Y.Z-rc.1; rc.N -> rc.N+1 |
| drop-rc | X.Y.Z-rc.N -> X.Y.Z; no suffix: no change |
| major in an rc train | as major, and the result carries -dev |
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import total_ordering

from release_train.errors import ReleaseTrainError
from release_train.model.record import Record

# The grammar of semver.org 2.0.0. Parsed here rather than with the `semver` package: importing
# that package costs about 45 ms, a third of the whole `bump` budget (bench/bump.py). Compiled
# on first use: plain `MAJOR.MINOR.PATCH` versions (`_plain`) never need it.
_SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_COMPILED: list[re.Pattern[str]] = []


def _semver() -> re.Pattern[str]:
    if not _COMPILED:
        _COMPILED.append(re.compile(_SEMVER_PATTERN))
    return _COMPILED[0]


def _plain(text: str) -> tuple[int, int, int] | None:
    """`MAJOR.MINOR.PATCH` without pre-release or build, read without the regular expression
    (the same grammar: ASCII digits, no leading zeros); None for anything else."""
    parts = text.split(".")
    if len(parts) != 3:
        return None
    for part in parts:
        if not (part.isascii() and part.isdigit()) or (part[0] == "0" and len(part) > 1):
            return None
    return int(parts[0]), int(parts[1]), int(parts[2])


class VersionError(ReleaseTrainError):
    exit_code = 4


class Operation(StrEnum):
    MAJOR = "major"
    PATCH = "patch"
    RC = "rc"
    DROP_RC = "drop-rc"


@total_ordering
class Version(Record):
    """A semantic version. A `Record` rather than a dataclass: it is on every command's start-up
    path, and a dataclass type costs more to create than all of `bump`'s version arithmetic."""

    FIELDS = ("major", "minor", "patch", "pre", "build")
    __slots__ = (*FIELDS, "_text")  # `_text`: str(self), kept once computed (bump prints thousands)
    major: int
    minor: int
    patch: int
    pre: str  # "", "dev", "rc.3"
    build: str
    _text: str

    def __init__(self, major: int, minor: int, patch: int, pre: str = "", build: str = "") -> None:
        # each field set directly: `Record._init`'s loop costs more, and bump makes thousands
        setattr_ = object.__setattr__
        setattr_(self, "major", major)
        setattr_(self, "minor", minor)
        setattr_(self, "patch", patch)
        setattr_(self, "pre", pre)
        setattr_(self, "build", build)

    @classmethod
    def parse(cls, text: str) -> Version:
        stripped = text.strip()
        plain = _plain(stripped)
        if plain is not None:
            return cls(*plain)
        match = _semver().match(stripped)
        if not match:
            raise VersionError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH[-PRE])")
        major, minor, patch, pre, build = match.groups()
        return cls(int(major), int(minor), int(patch), pre or "", build or "")

    @classmethod
    def is_valid(cls, text: str) -> bool:
        text = text.strip()
        return _plain(text) is not None or _semver().match(text) is not None

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            pass
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += f"-{self.pre}"
        if self.build:
            text += f"+{self.build}"
        object.__setattr__(self, "_text", text)
        return text

    def _precedence(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # semver precedence: a version without pre-release ranks above any with one; numeric
        # identifiers compare numerically and rank below alphanumeric ones; build is ignored.
        ids = (
            tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre.split("."))
            if self.pre
            else ()
        )
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, ids)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._precedence() < other._precedence()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._precedence() == other._precedence()

    def __hash__(self) -> int:
        return hash(self._precedence())

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def rc_number(self) -> int | None:
        if self.pre.startswith("rc."):
            tail = self.pre[3:]
            if tail.isdigit():
                return int(tail)
        return None

    def core(self) -> Version:
        """The version without pre-release or build suffix."""
        return Version(self.major, self.minor, self.patch)

    def bump(self, op: Operation | str, *, rc_train: bool = False) -> Version:
        op = Operation(op)
        if op is Operation.MAJOR:
            nxt = Version(self.major + 1, 0, 0) if self.major != 0 else Version(0, self.minor + 1, 0)
            return Version(nxt.major, nxt.minor, nxt.patch, "dev") if rc_train else nxt
        if op is Operation.PATCH:
            return Version(self.major, self.minor, self.patch + 1, self.pre)
        if op is Operation.RC:
            if self.pre in ("", "dev"):
                return Version(self.major, self.minor, self.patch, "rc.1")
            n = self.rc_number
            if n is None:
                raise VersionError(
                    f"cannot make a release candidate from {self}: expected -dev, -rc.N or no suffix"
                )
            return Version(self.major, self.minor, self.patch, f"rc.{n + 1}")
        # DROP_RC
        if not self.pre:
            return self
        if self.rc_number is None:
            raise VersionError(f"cannot drop the rc suffix of {self}: it is not -rc.N")
        return self.core()
