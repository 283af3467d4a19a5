"""Naming of release branches, bot branches and tags from the configured patterns."""

from __future__ import annotations

import re

from release_train.model.version import Version


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    head, sep, tail = pattern.partition("{version}")
    if not sep:
        raise ValueError(f"pattern {pattern!r} has no {{version}} placeholder")
    return re.compile(f"^{re.escape(head)}(?P<version>.+){re.escape(tail)}$")


def format_name(pattern: str, version: Version | str) -> str:
    return pattern.replace("{version}", str(version))


def parse_name(pattern: str, name: str) -> Version | None:
    """The version a branch or tag name carries, or None when it does not follow the pattern."""
    match = _pattern_regex(pattern).match(name)
    if not match or not Version.is_valid(match["version"]):
        return None
    return Version.parse(match["version"])


def latest_release_branch(pattern: str, names: list[str]) -> tuple[str, Version] | None:
    """The release branch with the highest version, compared numerically (never by date)."""
    found = [(name, v) for name in names if (v := parse_name(pattern, name)) is not None]
    return max(found, key=lambda item: item[1]) if found else None
