"""The release marker: a fixed line in the body of an automated release commit.

A marker counts only when it stands on a line of its own. The reference tooling searched the
whole log text, so a commit that merely quoted the marker ("do not add
`[automatically-tag-and-release-this-commit]` here") got tagged; SPEC section 4 says not to copy
that.
"""

from __future__ import annotations


def has_marker(message: str, marker: str) -> bool:
    """True when some line of `message`, stripped of surrounding blanks, is exactly `marker`."""
    return any(line.strip() == marker for line in message.splitlines())


def release_message(title: str, marker: str, body: str = "") -> str:
    """A commit message: the title, an optional body, and the marker on a line of its own."""
    parts = [title.strip()]
    if body.strip():
        parts.append(body.strip())
    parts.append(marker)
    return "\n\n".join(parts) + "\n"
