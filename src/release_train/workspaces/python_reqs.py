"""PEP 508 requirements on a workspace member: where their versions are written, and how a bump
moves them.

`packaging.requirements` reads a requirement for its meaning (imported on first use); this module
finds where each version clause sits in the text, so a bump replaces the version's characters
and nothing else (extras, markers, spacing and quotes stay as written). The two readings are
compared: a requirement whose clauses this scanner does not see exactly as `packaging` does is
reported, never guessed at.

What follows the member (the versions move with it, as Cargo's exact requirements do), all naming
the member's current version V = X.Y.Z:

| shape                          | after the member moves to V' = X'.Y'.Z'            |
|--------------------------------|----------------------------------------------------|
| `==V` (a pin: internal)        | `==V'`                                             |
| `>=V,<B` with B the next major, minor or patch bound of V (`>=1.2.3,<2`, `>=0.4.2,<0.5`, `>=1.2.3,<1.3`) | `>=V',<B'`, B' the same bound of V', as many parts as B had (or as it needs) |
| `>=L,<B`, L below V (langgraph's lower bounds lag), when V' reaches B | `>=V',<B'` (before: left as written) |
| `>=V` (livekit/agents' plugins) | `>=V'`                                            |
| `~=X.Y.Z`                      | `~=X'.Y'.Z'`                                       |
| `~=X.Y` (neither version a pre-release) | `~=X'.Y'`                                |

Anything else (`>=1.0`, `>=1,<3`, `!=2.0`) is a range: left as written while it admits the member's
new version, an error when it does not.
"""

from __future__ import annotations

import re

from release_train.model.pep440 import parse_pep440, same, to_pep440
from release_train.model.record import Record
from release_train.model.version import Version, VersionError

_HEAD = re.compile(r"\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\]\s*)?(\(\s*)?")
_CLAUSE = re.compile(r"(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;()]+)\s*")
_AFTER = re.compile(r",\s*")


class Clause(Record):
    """One version clause: its operator and version text, and where the version text sits in the
    requirement string (character offsets)."""

    __slots__ = FIELDS = ("op", "version", "start", "end")
    op: str
    version: str
    start: int
    end: int

    def __init__(self, op: str, version: str, start: int, end: int) -> None:
        self._init(op, version, start, end)


class RequirementProblem(ValueError):
    """The requirement cannot be read or located; the message says why."""


def clauses(text: str) -> list[Clause]:
    """The version clauses of the PEP 508 requirement `text`, located; `RequirementProblem`
    when it is not a valid requirement."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        meaning = Requirement(text)
    except InvalidRequirement as exc:
        raise RequirementProblem(f"is not a PEP 508 requirement ({exc})") from None
    head = _HEAD.match(text)
    assert head is not None  # packaging accepted a name here
    found: list[Clause] = []
    pos = head.end()
    if meaning.url is None:
        while (clause := _CLAUSE.match(text, pos)) is not None:
            found.append(Clause(clause.group(1), clause.group(2), clause.start(2), clause.end(2)))
            after = _AFTER.match(text, clause.end())
            if after is None:
                break
            pos = after.end()
    expected = sorted((s.operator, s.version) for s in meaning.specifier)
    if sorted((c.op, c.version) for c in found) != expected:
        raise RequirementProblem("has version clauses release-train cannot locate in the text")
    return found


def is_pin(found: list[Clause]) -> bool:
    return len(found) == 1 and found[0].op == "==" and not found[0].version.endswith("*")


def admits(found: list[Clause], version: Version) -> bool:
    """Whether the clauses admit `version` (pre-releases included: the rc train pins them)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifiers = SpecifierSet(",".join(c.op + c.version for c in found))
        return specifiers.contains(parse_pep440(to_pep440(version)), prereleases=True)
    except (InvalidSpecifier, VersionError):
        return False


def follow(found: list[Clause], old: Version, new: Version) -> list[tuple[int, int, str]] | None:
    """The (start, end, text) edits that move a requirement naming `old` to `new`, or None when
    it is not one of the shapes that follow the member (a range)."""
    ops = sorted(c.op for c in found)
    if ops == ["=="] and is_pin(found) and same(found[0].version, old):
        return [(found[0].start, found[0].end, to_pep440(new))]
    if ops == [">="] and same(found[0].version, old):
        return [(found[0].start, found[0].end, to_pep440(new))]
    if ops == ["~="]:
        return _compatible(found[0], old, new)
    if ops == ["<", ">="]:
        low = next(c for c in found if c.op == ">=")
        high = next(c for c in found if c.op == "<")
        bound = _bound(low, high, old, new)
        if bound is not None:
            return [(low.start, low.end, to_pep440(new)), (high.start, high.end, bound)]
    return None


def _compatible(clause: Clause, old: Version, new: Version) -> list[tuple[int, int, str]] | None:
    """`~=` naming the member: `~=X.Y.Z` (a pre-release suffix allowed) takes the new version,
    `~=X.Y` its X.Y, unless either version is a pre-release, which `~=X.Y` cannot admit."""
    try:
        release = parse_pep440(clause.version).release
    except VersionError:
        return None
    if len(release) >= 3 and same(clause.version, old):
        return [(clause.start, clause.end, to_pep440(new))]
    plain = _release(clause.version)
    if plain is not None and plain == (old.major, old.minor) and not old.pre and not new.pre:
        return [(clause.start, clause.end, f"{new.major}.{new.minor}")]
    return None


def _bound(low: Clause, high: Clause, old: Version, new: Version) -> str | None:
    """`high` with the bound of `new` at the level `high` bounds `old` at, or None: when `high`
    is such a bound, and `low` names `old` or `new` has outgrown the range (a lower bound left
    behind, `>=4.1.0,<5` on a member at 4.2.0, moves with a breaking bump; it stays otherwise)."""
    written = _release(high.version)
    if written is None or len(written) > 3:
        return None
    padded = (*written, 0, 0, 0)[:3]
    for level in range(3):
        if padded == _next(old, level):
            outgrown = (new.major, new.minor, new.patch) >= padded
            return _spell(_next(new, level), len(written)) if outgrown or same(low.version, old) else None
    return None


def compatible_range(version: Version) -> str:
    """The range a public requirement on `version` is written as: up to the next breaking release
    (Cargo's rule, which `bump major` follows): `>=1.2.3,<2`, `>=0.4.2,<0.5`, `>=0.0.3,<0.0.4`."""
    level = 0 if version.major else 1 if version.minor else 2
    return f">={to_pep440(version)},<{_spell(_next(version, level), 1)}"


def _spell(release: tuple[int, int, int], parts: int) -> str:
    """`release` with at least `parts` numbers, and as many more as its non-zero ones need."""
    needed = max(n for n, part in enumerate(release, 1) if part or n == 1)
    return ".".join(str(part) for part in release[: max(needed, parts)])


def _next(version: Version, level: int) -> tuple[int, int, int]:
    """The first version above every X.*.* (level 0), X.Y.* (1) or X.Y.Z (2) of `version`."""
    if level == 0:
        return (version.major + 1, 0, 0)
    if level == 1:
        return (version.major, version.minor + 1, 0)
    return (version.major, version.minor, version.patch + 1)


def _release(text: str) -> tuple[int, ...] | None:
    """The release numbers of a plain version (`1.2`, `1.2.3`), None for anything with a suffix."""
    parts = text.split(".")
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)
