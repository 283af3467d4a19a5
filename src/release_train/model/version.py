"""Versions and the version operations of SPEC section 2.

| operation | effect |
|---|---|
| major   | Cargo's breaking bump: X.y.z -> (X+1).0.0; 0.Y.z -> 0.(Y+1).0; 0.0.Z -> 0.0.(Z+1) |
| minor   | X.Y.z -> X.(Y+1).0 |
| patch   | patch+1 (pre-release suffix kept) |
| rc      | X.Y.Z-dev or no suffix -> X.Y.Z-rc.1; rc.N -> rc.N+1 |
| drop-rc | X.Y.Z-rc.N -> X.Y.Z; no suffix: no change |
| major or minor in an rc train | as without, and the result carries -dev |

`major` follows Cargo's compatibility rule: versions are compatible when their left-most non-zero
part is equal, so every 0.0.x release is incompatible with every other and its breaking bump is
0.0.(x+1) (Wasmtime's `wasmtime-wasi-http` went 0.0.1 -> 0.0.2 in "Bump Wasmtime to 10.0.0").

A version is read as cargo's `semver` crate reads it: the semver.org grammar with ASCII digits
only, no surrounding spaces, and MAJOR, MINOR and PATCH each at most 2^64 - 1.
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
U64_MAX = 2**64 - 1  # cargo's semver stores MAJOR, MINOR and PATCH as u64


def _semver() -> re.Pattern[str]:
    if not _COMPILED:  # ASCII: `\d` alone also takes other scripts' digits ("1.2.1٣")
        _COMPILED.append(re.compile(_SEMVER_PATTERN, re.ASCII))
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
    MINOR = "minor"
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
        plain = _plain(text)
        if plain is not None:
            version = cls(*plain)
        else:
            match = _semver().match(text)
            if not match:
                raise VersionError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH[-PRE])")
            major, minor, patch, pre, build = match.groups()
            version = cls(int(major), int(minor), int(patch), pre or "", build or "")
        if max(version.major, version.minor, version.patch) > U64_MAX:
            raise VersionError(f"{text!r} is not a version cargo accepts: a number exceeds {U64_MAX} (u64)")
        return version

    @classmethod
    def is_valid(cls, text: str) -> bool:
        try:
            cls.parse(text)
        except VersionError:
            return False
        return True

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
        if not (self.pre or other.pre):  # the usual case, without building both precedence keys
            return self.major == other.major and self.minor == other.minor and self.patch == other.patch
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
        if op is Operation.MAJOR or op is Operation.MINOR:
            nxt = self._breaking() if op is Operation.MAJOR else (self.major, self.minor + 1, 0)
            return _checked(Version(*nxt, "dev") if rc_train else Version(*nxt))
        if op is Operation.PATCH:
            return _checked(Version(self.major, self.minor, self.patch + 1, self.pre))
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

    def _breaking(self) -> tuple[int, int, int]:
        """The next version Cargo does not consider compatible with this one."""
        if self.major:
            return (self.major + 1, 0, 0)
        if self.minor:
            return (0, self.minor + 1, 0)
        return (0, 0, self.patch + 1)


def _checked(version: Version) -> Version:
    if max(version.major, version.minor, version.patch) > U64_MAX:
        raise VersionError(f"{version} is past what cargo accepts: a number exceeds {U64_MAX} (u64)")
    return version
