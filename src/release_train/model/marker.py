"""The release marker: a fixed line in the body of an automated release commit.

The marker counts only where a reader of the message sees it as the release's own instruction:
on a line of its own (up to surrounding spaces and tabs) in the commit BODY (after the subject
paragraph, as git splits a message), where CommonMark reads that line as paragraph text. So a
marker quoted in a fenced code block (``` or ~~~, any fence length; an unclosed fence runs to
the end), an indented code block (4 spaces or a tab; it cannot interrupt a paragraph, so an
indented line continuing a paragraph is still paragraph text), a block quote (with its lazy
continuation lines), an HTML block, a heading, a code span spread over lines, or after a list
item's bullet (`- [marker]`) does not count.

The reference tooling searched the whole log text, so a commit that merely quoted the marker got
tagged, and a tag publishes irreversibly; SPEC section 4 says not to copy that.
"""

from __future__ import annotations

import re

from release_train.errors import ConfigError

_LINE_END = re.compile(r"\r\n|\r|\n")  # CommonMark's and git's (str.splitlines knows more)
_BLANKS = " \t"  # what CommonMark strips around a paragraph line (not every Unicode space)


def has_marker(message: str, marker: str) -> bool:
    """True when `marker` counts in the commit `message` (see the module docstring)."""
    if not marker.strip(_BLANKS) or marker.strip(_BLANKS) not in message:
        return False  # most commits: nothing to parse
    return bool(marker_lines(commit_body(message), marker))


def commit_body(message: str) -> str:
    """The body of a commit message: what follows the subject, git's first paragraph."""
    lines = _LINE_END.split(message)
    n = 0
    while n < len(lines) and not lines[n].strip(_BLANKS):
        n += 1
    while n < len(lines) and lines[n].strip(_BLANKS):
        n += 1
    return "\n".join(lines[n + 1 :])


def marker_lines(body: str, marker: str) -> list[int]:
    """The indexes of the lines of `body` (Markdown) where `marker` counts, in order."""
    marker = marker.strip(_BLANKS)
    lines = _LINE_END.split(body)
    candidates = [n for n, line in enumerate(lines) if marker and line.strip(_BLANKS) == marker]
    if not candidates:
        return []
    from release_train.model.commonmark import paragraph_lines  # only when there is a candidate

    text = paragraph_lines(lines)  # and the text must be the marker: `- x` is a list item's `x`
    return [n for n in candidates if text.get(n, "").strip(_BLANKS) == marker]


def release_message(title: str, marker: str, body: str = "") -> str:
    """A commit message: the title (one line), an optional body, and the marker on a line of
    its own after a blank line.

    Raises ConfigError when the marker would not count in it (a marker that is no paragraph
    text, such as `# x` or `> x`, or a body that leaves a fence open): such a release commit
    would never be tagged, so no flow may propose it."""
    parts = [" ".join(title.split())]
    if body.strip():
        parts.append(body.strip())
    parts.append(marker)
    message = "\n\n".join(parts) + "\n"
    if not has_marker(message, marker):
        raise ConfigError(
            f"release.marker {marker!r} would not count in the release commit: it must be a line "
            "of plain text (CommonMark reads it otherwise), so the commit would never be tagged",
            hint="set [release] marker to plain text, such as [automatically-tag-and-release-this-commit]; "
            "nothing was changed",
        )
    return message
