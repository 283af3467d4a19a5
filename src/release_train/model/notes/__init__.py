"""Release notes files in the shapes real projects use, as pure text functions (no I/O).

Two shapes, told apart by the file's text (`detect`):
- `RELEASES.md` (`releases_md.py`): a top `## <version>` section with a status line, closed by 80
  dashes, an archive list on `main`;
- Keep a Changelog (`changelog.py`): `## [Unreleased]` / `## Unreleased`, then released sections
  `## [X.Y.Z] - YYYY-MM-DD` or `## X.Y.Z (YYYY-MM-DD)`.

Each shape implements `Shape`: what `cut` does to main's notes, what `release-latest` does on the
release branch and on main, what `release-patch` does, what a release on main does in a train
without release branches, and the notes of one version (the forge release's body). Each module's docstring says exactly which lines it edits; no operation deletes
or rewrites a line it does not own, and each keeps line endings as the file has them. A part the
operation needs and does not find raises `NotesError` (nothing changed), naming the line where
the fix goes. `check` runs the operations a branch will meet, so `verify` refuses a file before
a flow would.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from release_train.model.notes.changelog import Changelog, is_changelog_heading
from release_train.model.notes.errors import NotesError
from release_train.model.notes.releases_md import (
    ARCHIVE_START,
    DASHES,
    ReleasesMd,
    archive_label,
    date_section,
    date_unreleased,
    has_section,
    heading_version,
    is_dashes,
    render_template,
    reset_for_cut,
    section_has_content,
    top_version,
)
from release_train.model.notes.text import bare, heading, live, split_lines
from release_train.values import dataclass

__all__ = [
    "ARCHIVE_START",
    "DASHES",
    "Cut",
    "NotesError",
    "Shape",
    "archive_label",
    "check",
    "check_on_main",
    "date_section",
    "date_unreleased",
    "detect",
    "has_section",
    "heading_version",
    "render_template",
    "reset_for_cut",
    "section_has_content",
    "top_version",
    "unified_diff",
]


@dataclass(frozen=True)
class Cut:
    """What a cut needs to know to reset main's notes."""

    version: str  # the version the new release branch will release
    next_version: str  # main's version after the cut
    link: str  # where the release branch's notes can be read (RELEASES.md's archive bullet)
    template: str  # the bundled RELEASES.md template (its top section starts main's next notes)


class Shape(Protocol):
    label: str

    def after_cut(self, text: str, cut: Cut) -> str:
        """Main's notes after the release branch of `cut.version` is cut from it."""
        ...

    def release(self, text: str, version: str, day: date) -> str:
        """The release branch's notes, `version` released on `day` (release-latest)."""
        ...

    def date_on_main(self, text: str, version: str, day: date) -> str:
        """Main's notes with `version` dated, when main has its section; else `text`."""
        ...

    def patch(self, text: str, version: str, day: date, *, allow_empty: bool) -> str:
        """The release branch's notes for the patch release `version`; its notes must hold an
        entry unless `allow_empty`."""
        ...

    def release_on_main(
        self, text: str, version: str, day: date, *, next_version: str, template: str, require_entry: bool
    ) -> str:
        """Main's notes, `version` released on `day` by a train without release branches; the
        next release is expected to be `next_version`. `require_entry`: a patch release, whose
        notes must hold an entry."""
        ...

    def notes_for(self, text: str, version: str) -> str:
        """The notes of `version`, without its heading and its empty subsections."""
        ...


RELEASES_MD = ReleasesMd()
KEEP_A_CHANGELOG = Changelog()


def detect(text: str, name: str = "") -> Shape:
    """The shape of a notes file: RELEASES.md when it has the archive marker or a line of 80
    dashes; Keep a Changelog when a `## ` heading is `Unreleased` or a dated/bracketed version;
    else by the file's name (`CHANGELOG*`), else RELEASES.md."""
    lines = split_lines(text)
    if any(bare(line).strip() == ARCHIVE_START or is_dashes(line) for line in lines):
        return RELEASES_MD
    for line, is_live in zip(lines, live(lines), strict=True):
        found = heading(line) if is_live else None
        if found and found[0] == 2 and is_changelog_heading(found[1]):
            return KEEP_A_CHANGELOG
    return KEEP_A_CHANGELOG if name.lower().startswith("changelog") else RELEASES_MD


def check_on_main(
    text: str, *, name: str, version: str, next_version: str, template: str, day: date
) -> list[NotesError]:
    """What a release on main (a train without release branches) of `version` would refuse."""
    try:
        detect(text, name).release_on_main(
            text, version, day, next_version=next_version, template=template, require_entry=False
        )
    except NotesError as exc:
        return [exc]
    return []


def check(text: str, *, name: str, version: str, cut: Cut | None, day: date) -> list[NotesError]:
    """What the flows would refuse in this file: with `cut` (a file on main), the cut and then
    release-latest of `version` on the branch cut from it; without (a release branch), the
    release of `version`."""
    shape = detect(text, name)
    problems: list[NotesError] = []
    for step in ("cut", "release"):
        try:
            if step == "cut" and cut is not None:
                shape.after_cut(text, cut)
            elif step == "release":
                shape.release(text, version, day)
        except NotesError as exc:
            if all(p.message != exc.message for p in problems):
                problems.append(exc)
    return problems


def unified_diff(old: str, new: str, path: str) -> str:
    """The change as `git diff` shows it (`--- a/PATH`, `+++ b/PATH`, 3 lines of context); ""
    when nothing changed."""
    if old == new:
        return ""
    import difflib

    lines = difflib.unified_diff(
        [bare(line) + "\n" for line in split_lines(old)],
        [bare(line) + "\n" for line in split_lines(new)],
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(lines)
