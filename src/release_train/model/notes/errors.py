"""The error of the notes family: a part the flow must edit is not there."""

from __future__ import annotations

from release_train.errors import RefusedError


class NotesError(RefusedError):
    """The notes file lacks a part the flow must edit; nothing was changed.

    `message` is a predicate about the file ("has no section `## 1.0.0`"), so a caller can name
    the file and branch in front of it; `line` (1-based) is where the fix goes."""

    def __init__(self, message: str, *, hint: str | None = None, line: int = 1) -> None:
        super().__init__(message, hint=hint)
        self.line = line
