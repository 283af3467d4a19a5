"""Naming of release branches, bot branches and tags from the configured patterns.

A name matches a pattern exactly: the text around `{version}` as written, and in its place a
version as it would be formatted (no blanks, no leading zeros). A release branch carries a plain
`MAJOR.MINOR.PATCH` (what `cut` names it after), so `release-1.0.0-alt` or `release-1.0.0+x` is
not a release branch; a tag may carry a pre-release (`v1.0.0-rc.1`). Everything that recognises
release branches asks `release_branch_version`.
"""

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
    """The version a tag (or branch) name carries, or None when it does not follow the pattern
    exactly."""
    match = _pattern_regex(pattern).match(name)
    if not match or not Version.is_valid(match["version"]):
        return None
    version = Version.parse(match["version"])
    return version if str(version) == match["version"] else None


def release_branch_version(pattern: str, name: str) -> Version | None:
    """The version of the release branch `name`, or None when it is not one: the release branch
    pattern with a plain MAJOR.MINOR.PATCH in place of `{version}`."""
    version = parse_name(pattern, name)
    return version if version is not None and version == version.core() and not version.build else None


def latest_release_branch(pattern: str, names: list[str]) -> tuple[str, Version] | None:
    """The release branch with the highest version, compared numerically (never by date)."""
    found = [(name, v) for name in names if (v := release_branch_version(pattern, name)) is not None]
    return max(found, key=lambda item: item[1]) if found else None
