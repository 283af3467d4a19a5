"""The `RELEASES.md` shape (Wasmtime's), as pure text functions.

The layout: a top section `## <version>`, a status line (`Unreleased.` or `Released YYYY-MM-DD.`),
subsections, closed by a line of 80 dashes. On `main`, below it, a short paragraph and an archive
list after `<!-- ARCHIVE_START -->`, newest first, one bullet per release branch. A release
branch carries only its own line's sections (a patch release adds `## X.Y.Z+1` with its own
dashed line on top).

What each flow does:
- cut (main): the top section, up to and including its dashed line, goes (it lives on in the
  release branch); the bullet of the new branch goes first in the archive list; the template's
  top section for the next version is prepended.
- release-latest (release branch): every line that starts with `Unreleased` becomes
  `Released YYYY-MM-DD.`; on main, only the released version's section is dated, if main has one.
- release-patch: the section of the new version must have an entry; its status line is dated.
- a release on main (a train without release branches, `release_on_main`): main keeps every
  release's section, newest first; the pending top section is named after the release, dated,
  and a fresh template section for the next version goes above it.
Empty subsections of the released section are dropped. Every other byte stays as it was.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from release_train.model.notes.errors import NotesError
from release_train.model.notes.text import (
    bare,
    drop_empty_subsections,
    ending,
    eol,
    has_entries,
    heading,
    live,
    split_lines,
)

if TYPE_CHECKING:
    from release_train.model.notes import Cut

DASHES = "-" * 80
ARCHIVE_START = "<!-- ARCHIVE_START -->"
_STATUS = ("Unreleased", "Released")


def is_dashes(line: str) -> bool:
    # The closing line is 80 dashes; a shorter `---` is an ordinary Markdown rule inside notes.
    text = bare(line).strip()
    return len(text) >= len(DASHES) and set(text) == {"-"}


def heading_version(line: str) -> str | None:
    """The title of a `## ` heading line, else None."""
    found = heading(line)
    return found[1] if found and found[0] == 2 else None


def _headings(lines: list[str]) -> list[tuple[int, str]]:
    """(index, title) of every `## ` heading outside code blocks and comments."""
    return [
        (i, title)
        for i, (line, is_live) in enumerate(zip(lines, live(lines), strict=True))
        if is_live and (title := heading_version(line)) is not None
    ]


def top_version(text: str) -> str | None:
    """The title of the first `## ` heading, or None."""
    found = _headings(split_lines(text))
    return found[0][1] if found else None


def _section_span(lines: list[str], version: str) -> tuple[int, int] | None:
    """Line indexes [start, end) of the section `## version`, ending before the next `## `
    heading or the dashed line."""
    heads = _headings(lines)
    start = next((i for i, title in heads if title == version), None)
    if start is None:
        return None
    later = [i for i, _ in heads if i > start]
    end = start + 1
    limit = later[0] if later else len(lines)
    while end < limit and not is_dashes(lines[end]):
        end += 1
    return start, end


def has_section(text: str, version: str) -> bool:
    return _section_span(split_lines(text), version) is not None


def section_has_content(text: str, version: str) -> bool:
    """True when the section for `version` holds at least one note: a line that is not blank, not
    a heading and not the status line."""
    lines = split_lines(text)
    span = _section_span(lines, version)
    if span is None:
        return False
    body = lines[span[0] + 1 : span[1]]
    return has_entries(body, live(body), skip=_STATUS)


def _dated(line: str, day: date) -> str:
    return f"Released {day.isoformat()}.{line[len(bare(line)) :]}"


def date_unreleased(text: str, day: date) -> str:
    """Every line that starts with `Unreleased` becomes `Released YYYY-MM-DD.` (a release branch
    carries only its own line's sections, so all of them are released together)."""
    lines = split_lines(text)
    return "".join(_dated(line, day) if line.startswith("Unreleased") else line for line in lines)


def _missing(version: str) -> NotesError:
    return NotesError(
        f"has no section `## {version}`",
        hint=f"add a `## {version}` section with an `Unreleased.` line and the notes",
        line=1,
    )


def date_section(text: str, version: str, day: date) -> str:
    """Date the `Unreleased` lines of the section for `version` only (on `main`, the top section
    belongs to the next version and must stay unreleased)."""
    lines = split_lines(text)
    span = _section_span(lines, version)
    if span is None:
        raise _missing(version)
    start, end = span
    for i in range(start + 1, end):
        if lines[i].startswith("Unreleased"):
            lines[i] = _dated(lines[i], day)
    return "".join(lines)


def drop_empty(text: str, version: str) -> str:
    """The text with the empty subsections of `version`'s section dropped."""
    lines = split_lines(text)
    span = _section_span(lines, version)
    if span is None:
        return text
    start, end = span
    body = lines[start + 1 : end]
    return "".join([*lines[: start + 1], *drop_empty_subsections(body, live(body)), *lines[end:]])


def render_template(template: str, version: str, project: str = "") -> str:
    return template.replace("{version}", version).replace("{project}", project)


def cut_template(template: str) -> str:
    """The template's top section, up to and including its dashed line: what a cut prepends."""
    lines = split_lines(template)
    closing = next((i for i, line in enumerate(lines) if is_dashes(line)), len(lines) - 1)
    return "".join(lines[: closing + 1])


def archive_label(version: str) -> str:
    """`27.0.0` -> `27.0.x`: one bullet per release line."""
    major, minor, _ = version.split("-", maxsplit=1)[0].split(".", 2)
    return f"{major}.{minor}.x"


def _top_heading(lines: list[str], holding: str) -> tuple[int, str]:
    """(index, title) of the top section's heading; `holding` is what the fix says goes in it."""
    heads = _headings(lines)
    if not heads:
        raise NotesError(
            "has no top section (a `## <version>` heading)",
            hint=f"start the notes file with `## <version>`, {holding} and a line of 80 dashes",
            line=1,
        )
    return heads[0]


def _unclosed(line: int) -> NotesError:
    return NotesError(
        "has no line of 80 dashes closing the top section",
        hint="end the top section with a line of 80 dashes",
        line=line,
    )


def _next_top(template: str, next_version: str, newline: str) -> str:
    """The template's top section for `next_version`, in the file's line endings."""
    return render_template(cut_template(template), next_version).replace("\n", newline)


def reset_for_cut(text: str, *, template: str, next_version: str, archived_version: str, link: str) -> str:
    """The notes on `main` after a cut: the top section (up to and including its dashed line) is
    dropped, the archive bullet for the cut branch goes first in the archive list, and the
    `template`'s top section rendered for `next_version` is prepended."""
    lines = split_lines(text)
    newline = eol(lines)
    start, _ = _top_heading(lines, "its notes")
    closing = next((i for i, line in enumerate(lines) if i > start and is_dashes(line)), None)
    if closing is None:
        raise _unclosed(start + 1)
    rest = lines[closing + 1 :]
    anchor = next((i for i, line in enumerate(rest) if bare(line).strip() == ARCHIVE_START), None)
    if anchor is None:
        raise NotesError(
            f"has no `{ARCHIVE_START}` line for the archive list",
            hint=f"add a line `{ARCHIVE_START}` below the dashed line",
            line=closing + 1,
        )
    bullet = f"* [{archive_label(archived_version)}]({link}){newline}"
    if bullet not in rest:
        rest.insert(anchor + 1, bullet)
    head = _next_top(template, next_version, newline)
    if not head.endswith(newline):
        head += newline
    return head + "".join(rest)


def release_on_main(
    text: str, version: str, day: date, *, next_version: str, template: str, require_entry: bool
) -> str:
    """A train without release branches keeps every release's section on main, newest first,
    each closed by its dashed line. Its top section is the pending one (`Unreleased.`): the
    release names it `## <version>` (a patch release renames the next major's heading), dates it
    and drops its empty subsections, and the template's top section for `next_version` goes on
    top for the notes of the next release. `require_entry` (a patch release): the pending
    section must hold an entry. Already released (`## <version>`, dated): `text` unchanged."""
    lines = split_lines(text)
    start, title = _top_heading(lines, "`Unreleased.`, the notes")
    span = _section_span(lines, title)
    assert span is not None
    end = span[1]
    pending = [i for i in range(start + 1, end) if lines[i].startswith("Unreleased")]
    if (
        not pending
        and title == version
        and any(lines[i].startswith("Released") for i in range(start + 1, end))
    ):
        return text  # dated already (by hand): the release commit changes only the versions
    if not pending:
        raise NotesError(
            f"has no pending section on top: `## {title}` has no `Unreleased.` line",
            hint=f"add a section above it: `## {next_version}`, `Unreleased.`, the notes of the release, "
            "and a line of 80 dashes",
            line=start + 1,
        )
    if end >= len(lines) or not is_dashes(lines[end]):
        raise _unclosed(start + 1)
    if require_entry and not section_has_content(text, title):
        raise NotesError(
            f"has no notes for {version} (an entry in the top section `## {title}`)",
            hint="add the changes of the release under the top section",
            line=start + 1,
        )
    newline = eol(lines)
    for i in pending:
        lines[i] = _dated(lines[i], day)
    body = lines[start + 1 : end]
    section = [f"## {version}{ending(lines[start]) or newline}", *drop_empty_subsections(body, live(body))]
    head = _next_top(template, next_version, newline)
    return "".join([*lines[:start], head, newline, *section, *lines[end:]])


class ReleasesMd:
    """The `RELEASES.md` shape behind the common interface of `release_train.model.notes`."""

    label = "RELEASES.md"

    def after_cut(self, text: str, cut: Cut) -> str:
        return reset_for_cut(
            text,
            template=cut.template,
            next_version=cut.next_version,
            archived_version=cut.version,
            link=cut.link,
        )

    # Empty subsections go when this operation dates the section: notes dated by hand are the
    # maintainer's, and a re-run changes nothing.
    def release(self, text: str, version: str, day: date) -> str:
        if not has_section(text, version):
            raise _missing(version)
        dated = date_unreleased(text, day)
        return drop_empty(dated, version) if dated != text else text

    def date_on_main(self, text: str, version: str, day: date) -> str:
        if not has_section(text, version):
            return text
        dated = date_section(text, version, day)
        return drop_empty(dated, version) if dated != text else text

    def patch(self, text: str, version: str, day: date, *, allow_empty: bool) -> str:
        if not allow_empty and not section_has_content(text, version):
            raise NotesError(
                f"has no notes for {version} (a `## {version}` section with at least one entry)",
                hint=f"add `## {version}`, `Unreleased.` and the backported changes on top",
                line=1,
            )
        # allow_empty: a missing section is left missing rather than invented.
        if not has_section(text, version):
            return text
        dated = date_section(text, version, day)
        return drop_empty(dated, version) if dated != text else text

    def release_on_main(
        self, text: str, version: str, day: date, *, next_version: str, template: str, require_entry: bool
    ) -> str:
        return release_on_main(
            text, version, day, next_version=next_version, template=template, require_entry=require_entry
        )

    def notes_for(self, text: str, version: str) -> str:
        """The notes of `version`: its section, else the top one, without the heading and without
        empty subsections."""
        lines = split_lines(text)
        heads = _headings(lines)
        if not heads:
            return ""
        span = _section_span(lines, version) or _section_span(lines, heads[0][1])
        assert span is not None
        body = lines[span[0] + 1 : span[1]]
        return "".join(drop_empty_subsections(body, live(body))).strip() + "\n"
