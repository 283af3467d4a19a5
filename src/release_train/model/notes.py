"""Operations on the release notes file (`RELEASES.md`), as pure text functions.

The layout (SPEC section 1): a top section `## <version>`, a status line (`Unreleased.` or
`Released YYYY-MM-DD.`), subsections, closed by a line of 80 dashes. On `main`, below it, a short
paragraph and an archive list after `<!-- ARCHIVE_START -->`, newest first, one bullet per release
branch. Every function keeps the rest of the text byte for byte (line endings included) and raises
`NotesError` (a refusal: nothing was changed) when the part it must edit is not there.
"""

from __future__ import annotations

import re
from datetime import date

from release_train.errors import RefusedError

DASHES = "-" * 80
ARCHIVE_START = "<!-- ARCHIVE_START -->"
_HEADING = re.compile(r"^##\s+(?P<title>\S.*?)\s*$")


class NotesError(RefusedError):
    """The notes file lacks a part the flow must edit."""


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _is_dashes(line: str) -> bool:
    # The closing line is 80 dashes; a shorter `---` is an ordinary Markdown rule inside notes.
    text = _bare(line).strip()
    return len(text) >= len(DASHES) and set(text) == {"-"}


def _eol(lines: list[str]) -> str:
    """The file's line ending, so inserted lines match it."""
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def heading_version(line: str) -> str | None:
    match = _HEADING.match(_bare(line))
    return match["title"] if match else None


def top_version(text: str) -> str | None:
    """The title of the first `## ` heading, or None."""
    for line in text.splitlines():
        if (title := heading_version(line)) is not None:
            return title
    return None


def _section_span(lines: list[str], version: str) -> tuple[int, int] | None:
    """Line indexes [start, end) of the section `## version`, ending before the next `## `
    heading or the dashed line."""
    start = next((i for i, line in enumerate(lines) if heading_version(line) == version), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and heading_version(lines[end]) is None and not _is_dashes(lines[end]):
        end += 1
    return start, end


def has_section(text: str, version: str) -> bool:
    return _section_span(text.splitlines(keepends=True), version) is not None


def section_has_content(text: str, version: str) -> bool:
    """True when the section for `version` holds at least one note: a line that is not blank, not
    a `###` subheading and not the status line."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, version)
    if span is None:
        return False
    for line in lines[span[0] + 1 : span[1]]:
        bare = _bare(line).strip()
        if bare and not bare.startswith("#") and not bare.startswith(("Unreleased", "Released")):
            return True
    return False


def _dated(line: str, day: date) -> str:
    ending = line[len(_bare(line)) :]
    return f"Released {day.isoformat()}.{ending}"


def date_unreleased(text: str, day: date) -> str:
    """Every line that starts with `Unreleased` becomes `Released YYYY-MM-DD.` (a release branch
    carries only its own line's sections, so all of them are released together)."""
    lines = text.splitlines(keepends=True)
    return "".join(_dated(line, day) if line.startswith("Unreleased") else line for line in lines)


def date_section(text: str, version: str, day: date) -> str:
    """Date the `Unreleased` lines of the section for `version` only (on `main`, the top section
    belongs to the next version and must stay unreleased)."""
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, version)
    if span is None:
        raise NotesError(
            f"the release notes have no section `## {version}`",
            hint=f"add a `## {version}` section with an `Unreleased.` line and the notes, then run again",
        )
    start, end = span
    for i in range(start + 1, end):
        if lines[i].startswith("Unreleased"):
            lines[i] = _dated(lines[i], day)
    return "".join(lines)


def render_template(template: str, version: str) -> str:
    return template.replace("{version}", version)


def archive_label(version: str) -> str:
    """`27.0.0` -> `27.0.x`: one bullet per release line."""
    major, minor, _ = version.split("-", maxsplit=1)[0].split(".", 2)
    return f"{major}.{minor}.x"


def reset_for_cut(text: str, *, template: str, next_version: str, archived_version: str, link: str) -> str:
    """The notes on `main` after a cut: the top section (up to and including its dashed line) is
    dropped, the archive bullet for the cut branch goes first in the archive list, and the
    `template` rendered for `next_version` is prepended."""
    lines = text.splitlines(keepends=True)
    eol = _eol(lines)
    if top_version(text) is None:
        raise NotesError(
            "the release notes have no top section (a `## <version>` heading)",
            hint="start the notes file with `## <version>`, its notes and a line of 80 dashes",
        )
    closing = next((i for i, line in enumerate(lines) if _is_dashes(line)), None)
    if closing is None:
        raise NotesError(
            "the release notes have no line of 80 dashes closing the top section",
            hint="end the top section with a line of 80 dashes, then run again",
        )
    rest = lines[closing + 1 :]
    anchor = next((i for i, line in enumerate(rest) if _bare(line).strip() == ARCHIVE_START), None)
    if anchor is None:
        raise NotesError(
            f"the release notes have no `{ARCHIVE_START}` line for the archive list",
            hint=f"add a line `{ARCHIVE_START}` below the dashed line, then run again",
        )
    bullet = f"* [{archive_label(archived_version)}]({link}){eol}"
    if bullet not in rest:
        rest.insert(anchor + 1, bullet)
    head = render_template(template, next_version)
    if eol != "\n":
        head = head.replace("\n", eol)
    if not head.endswith(eol):
        head += eol
    return head + "".join(rest)
