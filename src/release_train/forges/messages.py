"""The commit messages the train's own merges write, on every forge.

A squash keeps each commit message whole, so a marker line stays on a line of its own, and the
GitHub forge sends these as `commit_title` and `commit_message`: the repository's default squash
message (PR body, commit list or blank) then never decides whether a release commit keeps its
marker.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_train.forges.interface import MergeMethod


def squash_message(number: int, title: str, messages: Sequence[str]) -> str:
    """One commit -> its message with ` (#N)` on the subject; several -> the PR title with
    ` (#N)`, a blank line, then each message, separated by blank lines."""
    if len(messages) == 1:
        subject, _, rest = messages[0].strip().partition("\n")
        return f"{subject} (#{number})" + (f"\n{rest}" if rest else "") + "\n"
    return f"{title} (#{number})\n\n" + "\n\n".join(m.strip() for m in messages) + "\n"


def merge_message(number: int, title: str, head: str) -> str:
    """A merge commit: the classic title, then the PR title. (The marker travels in the merged
    commits, which the pushed range holds.)"""
    return f"Merge pull request #{number} from {head}\n\n{title}\n"


def split(message: str) -> tuple[str, str]:
    """(title, body) as GitHub's merge endpoint takes them."""
    title, _, body = message.partition("\n")
    return title, body.strip("\n")


def compose(method: MergeMethod, number: int, title: str, head: str, messages: Sequence[str]) -> str:
    if method == "merge":
        return merge_message(number, title, head)
    return squash_message(number, title, messages)
