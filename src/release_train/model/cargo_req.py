"""Cargo version requirements (`^1.2`, `~0.3.1`, `>= 1.2.3, < 2`, `1.*`, `*`): as manifests write
them on dependencies (a bump checks that a member's new version still satisfies them) and as the
advisory databases write them in `patched` / `unaffected` lists.

The semantics are those of the `semver` crate that cargo and RustSec use: a bare version is a
caret requirement; a partial version fills the missing parts by the operator's rule; a comma
means AND; and a version with a pre-release suffix matches only when some comparator names the
same MAJOR.MINOR.PATCH with a pre-release of its own (so `>= 1.0.0` does not match `2.0.0-rc.1`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from release_train.errors import ReleaseTrainError
from release_train.model.record import Record
from release_train.model.version import Version

_COMPARATOR = re.compile(
    r"^\s*(?P<op>>=|<=|=|>|<|~|\^)?\s*"
    r"(?P<major>\d+|[*xX])(?:\.(?P<minor>\d+|[*xX]))?(?:\.(?P<patch>\d+|[*xX]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$",
    re.ASCII,
)


class RequirementError(ReleaseTrainError):
    """A version requirement that is not Cargo syntax."""

    exit_code = 4


class Comparator(Record):
    """One comparator. A `Record`, not a dataclass: a bump reads requirements, and importing
    `dataclasses` costs more start-up time than the whole matcher (bench/bump.py)."""

    __slots__ = FIELDS = ("op", "major", "minor", "patch", "pre")
    op: str  # "=", ">=", ">", "<=", "<", "~", "^", or "*" for a wildcard (`1.*`, `1.2.x`)
    major: int
    minor: int | None
    patch: int | None
    pre: str

    def __init__(
        self, op: str, major: int, minor: int | None = None, patch: int | None = None, pre: str = ""
    ) -> None:
        self._init(op, major, minor, patch, pre)


class Requirement(Record):
    """Comparators joined by AND; no comparator at all (`*`) matches every release."""

    __slots__ = FIELDS = ("text", "comparators")
    text: str
    comparators: tuple[Comparator, ...]

    def __init__(self, text: str, comparators: tuple[Comparator, ...]) -> None:
        self._init(text, comparators)

    @classmethod
    def parse(cls, text: str) -> Requirement:
        stripped = text.strip()
        if stripped in ("*", "x", "X", ""):
            return cls(text, ())
        return cls(text, tuple(_parse_comparator(part, text) for part in stripped.split(",")))

    def matches(self, version: Version) -> bool:
        if not all(_matches(c, version) for c in self.comparators):
            return False
        if not version.pre:
            return True
        # A pre-release is only in range when the requirement opts into that exact release's
        # pre-releases; otherwise `>= 1.0` would pull in every future `-alpha`.
        return any(
            c.pre and (c.major, c.minor, c.patch) == (version.major, version.minor, version.patch)
            for c in self.comparators
        )

    def __str__(self) -> str:
        return self.text


def _parse_comparator(part: str, whole: str) -> Comparator:
    match = _COMPARATOR.match(part)
    if match is None:
        raise RequirementError(
            f"{whole!r} is not a Cargo version requirement (at {part.strip()!r})",
            hint="write a Cargo requirement such as '1.2.3', '>= 1.2.3, < 2' or '^0.4'",
        )
    op = match["op"] or "^"
    parts = [match["major"], match["minor"], match["patch"]]
    if parts[0] in ("*", "x", "X"):
        return Comparator(">=", 0, 0, 0)  # `*` inside a list: any release
    numbers: list[int | None] = []
    for piece in parts:
        if piece is None or piece in ("*", "x", "X"):
            if piece is not None and not match["op"]:
                op = "*"  # `1.*` / `1.2.x`: exact on the parts given
            numbers.append(None)
            continue
        if numbers and numbers[-1] is None:
            raise RequirementError(f"{whole!r}: a number after a wildcard is not allowed")
        numbers.append(int(piece))
    pre = match["pre"] or ""
    if pre and numbers[2] is None:
        raise RequirementError(f"{whole!r}: a pre-release needs MAJOR.MINOR.PATCH")
    return Comparator(op, numbers[0] or 0, numbers[1], numbers[2], pre)


def _pre_cmp(a: str, b: str) -> int:
    """Compare pre-release strings by semver precedence (no pre-release ranks highest)."""
    left, right = Version(0, 0, 0, a), Version(0, 0, 0, b)
    return (left > right) - (left < right)


def _exact(c: Comparator, v: Version) -> bool:
    if v.major != c.major or (c.minor is not None and v.minor != c.minor):
        return False
    if c.patch is not None and v.patch != c.patch:
        return False
    return v.pre == c.pre


def _order(c: Comparator, v: Version) -> int | None:
    """-1, 0 or 1 as `v` is below, at or above the comparator's version; None when the
    comparator stops at a missing part that `v` shares (the caller's rule decides)."""
    if v.major != c.major:
        return -1 if v.major < c.major else 1
    if c.minor is None:
        return None
    if v.minor != c.minor:
        return -1 if v.minor < c.minor else 1
    if c.patch is None:
        return None
    if v.patch != c.patch:
        return -1 if v.patch < c.patch else 1
    return _pre_cmp(v.pre, c.pre)


def _tilde(c: Comparator, v: Version) -> bool:
    if v.major != c.major or (c.minor is not None and v.minor != c.minor):
        return False
    if c.patch is not None and v.patch != c.patch:
        return v.patch > c.patch
    return _pre_cmp(v.pre, c.pre) >= 0


def _caret(c: Comparator, v: Version) -> bool:
    if v.major != c.major:
        return False
    if c.minor is None:
        return True
    if c.patch is None:
        return v.minor >= c.minor if c.major > 0 else v.minor == c.minor
    # ^0.J.K keeps the minor; ^0.0.K keeps the patch too
    if (c.major == 0 and v.minor != c.minor) or (c.major == c.minor == 0 and v.patch != c.patch):
        return False
    mine, theirs = (v.minor, v.patch), (c.minor, c.patch)
    return mine > theirs or (mine == theirs and _pre_cmp(v.pre, c.pre) >= 0)


def _greater(c: Comparator, v: Version) -> bool:
    order = _order(c, v)
    return order is not None and order > 0


def _less(c: Comparator, v: Version) -> bool:
    order = _order(c, v)
    return order is not None and order < 0


_RULES: dict[str, Callable[[Comparator, Version], bool]] = {
    "=": _exact,
    "*": _exact,
    "~": _tilde,
    "^": _caret,
    ">": _greater,
    "<": _less,
    ">=": lambda c, v: _exact(c, v) or _greater(c, v),
    "<=": lambda c, v: _exact(c, v) or _less(c, v),
}


def _matches(c: Comparator, v: Version) -> bool:
    return _RULES[c.op](c, v)


def any_matches(requirements: tuple[Requirement, ...], version: Version) -> bool:
    return any(r.matches(version) for r in requirements)
