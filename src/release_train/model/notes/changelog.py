"""The "Keep a Changelog" shape (keepachangelog.com, and wgpu's `CHANGELOG.md`), as pure text
functions.

The layout: any text above the first `## ` heading (a title, a comment block telling
contributors how to write entries), then `## [Unreleased]` (or `## Unreleased`) holding the notes
of the next release, then released sections newest first, `## [X.Y.Z] - YYYY-MM-DD` or
`## X.Y.Z (YYYY-MM-DD)` (a `v` before the version, or a link on it, is read too), and optionally
link references at the bottom (`[unreleased]: .../compare/v1.0.0...HEAD`). New headings follow the style of the newest
released heading (brackets, `v`, dash or parentheses); with none, `## [Unreleased]` gives
`## [X.Y.Z] - date` and `## Unreleased` gives `## X.Y.Z (date)`.

What each flow does, as wgpu and Keep a Changelog practise it (the release renames the Unreleased
heading and opens a fresh, empty Unreleased section above it):
- cut (main, after the release branch is cut from it): the Unreleased heading becomes the pending
  heading `## [V] - Unreleased` (or `## V (Unreleased)`), and a fresh empty Unreleased heading goes
  above it; the notes of V stay where they are, main's next notes go in the fresh section.
- release-latest (release branch): the notes of V (the pending `## [V]` section if the branch has
  one, else the Unreleased section) get the heading `## [V] - YYYY-MM-DD`; when that was the
  Unreleased section, a fresh empty one goes above it (the next patch's notes go there).
  On main: the pending `## [V] - Unreleased` heading that cut left is dated the same way.
- release-patch (release branch): as release-latest for V.p+1, but its notes must hold an entry.
  Main is not touched: its notes learn of the patch when the entries are backported (wgpu does
  that by hand, "backport 0.19.5 entries").
- with link references, dating V points `[unreleased]` at `compare/<V's tag>...HEAD` and adds
  `[V]: compare/<previous tag>...<V's tag>` below it (the tag spelled as the previous one is).
- a release on main (a train without release branches): as release-latest, on main; a patch
  release needs an entry under Unreleased, as release-patch does.
Empty subsections (`### Added` with no entry) of the released section are dropped. No other line
changes: the title, comment blocks, older sections and their spacing stay byte for byte.
"""

from __future__ import annotations

import re
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
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.model.notes import Cut

_UNRELEASED = re.compile(r"^\[?unreleased\]?$", re.IGNORECASE)
_VERSIONED = re.compile(
    r"^(?P<open>\[)?(?P<prefix>v?)(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)"
    r"(?(open)\](?:\([^)\s]*\))?)(?P<rest>.*)$"  # `[1.2.0](https://.../compare/...)`: a linked version
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LINK = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*(?P<url>\S+)\s*$")
_COMPARE = re.compile(r"^(?P<base>.*/compare/)(?P<old>\S+?)\.\.\.(?P<new>\S+)$")
PENDING = "Unreleased"


@dataclass(frozen=True)
class _Section:
    start: int  # the heading's index
    end: int  # first index after the section
    kind: str  # "unreleased", "version" or "other"
    version: str = ""
    dated: bool = False


@dataclass(frozen=True)
class _Style:
    bracket: bool
    prefix: str  # "v" or ""
    paren: bool  # `X.Y.Z (date)` rather than `X.Y.Z - date`

    def title(self, version: str, when: str) -> str:
        name = f"[{self.prefix}{version}]" if self.bracket else f"{self.prefix}{version}"
        return f"{name} ({when})" if self.paren else f"{name} - {when}"


def _classify(title: str) -> tuple[str, str, bool]:
    """(kind, version, dated) of a `## ` heading's title."""
    if _UNRELEASED.match(title):
        return "unreleased", "", False
    match = _VERSIONED.match(title)
    if match is None:
        return "other", "", False
    rest = match["rest"]
    if rest and not rest[0].isspace():
        return "other", "", False  # `## 1.0.0rc` or `## 1.0.0.4`: not a version heading
    return "version", match["version"], bool(_DATE.search(rest))


def is_changelog_heading(title: str) -> bool:
    """A `## ` title only this shape uses: `Unreleased`, or a version with brackets or a date."""
    kind, _, _ = _classify(title)
    if kind == "unreleased":
        return True
    match = _VERSIONED.match(title)
    return kind == "version" and match is not None and bool(match["open"] or match["rest"].strip())


class _Doc:
    """The sections of one changelog: `## ` headings outside code and comments, and the block
    of link references at the bottom (sections end where it starts)."""

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        self.flags = live(self.lines)
        self.refs = self._refs_start()
        heads = [
            (i, found[1])
            for i, line in enumerate(self.lines[: self.refs])
            if self.flags[i] and (found := heading(line)) and found[0] == 2
        ]
        self.sections: list[_Section] = []
        for n, (start, title) in enumerate(heads):
            end = heads[n + 1][0] if n + 1 < len(heads) else self.refs
            kind, version, dated = _classify(title)
            self.sections.append(_Section(start, end, kind, version, dated))

    def _refs_start(self) -> int:
        start = len(self.lines)
        i = len(self.lines) - 1
        while (
            i >= 0 and self.flags[i] and (not bare(self.lines[i]).strip() or _LINK.match(bare(self.lines[i])))
        ):
            if bare(self.lines[i]).strip():
                start = i
            i -= 1
        return start

    @property
    def unreleased(self) -> _Section | None:
        return next((s for s in self.sections if s.kind == "unreleased"), None)

    def section(self, version: str) -> _Section | None:
        return next((s for s in self.sections if s.kind == "version" and s.version == version), None)

    def style(self) -> _Style:
        first = next((s for s in self.sections if s.kind == "version"), None)
        if first is not None:
            found = heading(self.lines[first.start])
            match = _VERSIONED.match(found[1]) if found else None
            if match is not None:
                return _Style(bool(match["open"]), match["prefix"], match["rest"].lstrip().startswith("("))
        unreleased = self.unreleased
        bracket = unreleased is not None and bare(self.lines[unreleased.start]).rstrip().endswith("]")
        return _Style(bracket, "", not bracket)

    def has_entries(self, section: _Section) -> bool:
        body = slice(section.start + 1, section.end)
        return has_entries(self.lines[body], self.flags[body])

    def older(self, section: _Section) -> _Section | None:
        """The newest version section below `section`: the previous release."""
        return next((s for s in self.sections if s.start > section.start and s.kind == "version"), None)


def _no_unreleased() -> NotesError:
    return NotesError(
        "has no `## [Unreleased]` section (Keep a Changelog)",
        hint="add a line `## [Unreleased]` above the newest released section (below the title), "
        "followed by the notes of the next release",
        line=1,
    )


class Changelog:
    """The Keep a Changelog shape behind the common interface of `release_train.model.notes`."""

    label = "Keep a Changelog"

    def after_cut(self, text: str, cut: Cut) -> str:
        doc = _Doc(text)
        unreleased = doc.unreleased
        if unreleased is None:
            raise _no_unreleased()
        existing = doc.section(cut.version)
        if existing is not None and existing.dated:
            raise NotesError(
                f"already has a released section for {cut.version}: main should carry the next version",
                hint=f"bump main past {cut.version} first (`release-train bump major`, commit it), so the cut "
                "makes the next release",
                line=existing.start + 1,
            )
        if existing is not None:
            raise NotesError(
                f"already has a section for {cut.version}, the version being cut",
                hint=f"move its notes under the Unreleased heading and remove the `{cut.version}` heading "
                "(the cut writes that heading itself)",
                line=existing.start + 1,
            )
        lines = doc.lines
        heading_line = lines[unreleased.start]
        pending = f"## {doc.style().title(cut.version, PENDING)}{ending(heading_line)}"
        fresh = [heading_line if heading_line.endswith("\n") else heading_line + eol(lines), eol(lines)]
        return "".join([*lines[: unreleased.start], *fresh, pending, *lines[unreleased.start + 1 :]])

    def release(self, text: str, version: str, day: date) -> str:
        doc = _Doc(text)
        target = doc.section(version)
        if target is not None and target.dated:
            return text  # already released on this branch
        target = target or doc.unreleased
        if target is None:
            raise NotesError(
                f"has neither a `## [Unreleased]` section nor one for {version}",
                hint=f"add `## [Unreleased]` above the released sections with the notes of {version}",
                line=1,
            )
        return _date(doc, target, version, day)

    def date_on_main(self, text: str, version: str, day: date) -> str:
        doc = _Doc(text)
        target = doc.section(version)
        if target is None or target.dated:
            return text
        return _date(doc, target, version, day)

    def patch(self, text: str, version: str, day: date, *, allow_empty: bool) -> str:
        doc = _Doc(text)
        own = doc.section(version)
        target = own or doc.unreleased
        if not allow_empty and (target is None or not doc.has_entries(target)):
            raise NotesError(
                f"has no notes for {version} (an entry under `## [Unreleased]`)",
                hint="add the backported changes under the Unreleased heading",
                line=(target.start + 1) if target else 1,
            )
        if target is None or (own is not None and own.dated):
            return text
        return _date(doc, target, version, day)

    def release_on_main(
        self, text: str, version: str, day: date, *, next_version: str, template: str, require_entry: bool
    ) -> str:
        """Without release branches the file lives on main only: the release dates the
        Unreleased section as `release-latest` does on a branch (a fresh one above it); a patch
        release (`require_entry`) needs an entry there, as `release-patch` does."""
        if require_entry:
            return self.patch(text, version, day, allow_empty=False)
        return self.release(text, version, day)

    def notes_for(self, text: str, version: str) -> str:
        doc = _Doc(text)
        section = doc.section(version)
        if section is None and "-" in version:  # a candidate: the notes of the release it leads to
            section = doc.section(version.split("-", 1)[0]) or doc.unreleased
        if section is None:
            return ""
        body = slice(section.start + 1, section.end)
        return "".join(drop_empty_subsections(doc.lines[body], doc.flags[body])).strip() + "\n"


def _date(doc: _Doc, target: _Section, version: str, day: date) -> str:
    """`target` (the Unreleased section or a pending one) becomes the section of `version`
    released on `day`; a renamed Unreleased section gets a fresh empty one above it."""
    lines, style = doc.lines, doc.style()
    newline = eol(lines)
    heading_line = lines[target.start]
    dated = f"## {style.title(version, day.isoformat())}{ending(heading_line) or newline}"
    fresh = [heading_line if heading_line.endswith("\n") else heading_line + newline, newline]
    body = slice(target.start + 1, target.end)
    kept = drop_empty_subsections(lines[body], doc.flags[body])
    head = [*lines[: target.start], *(fresh if target.kind == "unreleased" else []), dated]
    return "".join([*head, *kept, *_tail_with_links(doc, target, version, style.prefix)])


def _tail_with_links(doc: _Doc, target: _Section, version: str, prefix: str) -> list[str]:
    """The lines after `target`, with the link references updated for the release of `version`
    (unchanged unless the file has `[unreleased]: .../compare/<previous tag>...<ref>`)."""
    tail = doc.lines[target.end :]
    older = doc.older(target)
    for i in range(doc.refs, len(doc.lines)):
        link = _LINK.match(bare(doc.lines[i]))
        if link is not None and link["label"].lower() == "unreleased":
            break
    else:
        return tail
    compare = _COMPARE.match(link["url"])
    if compare is None or older is None or older.version not in compare["old"]:
        return tail
    old_tag = compare["old"]
    at = old_tag.rfind(older.version)
    new_tag = old_tag[:at] + version + old_tag[at + len(older.version) :]
    text, end = bare(doc.lines[i]), ending(doc.lines[i])
    label = f"{prefix}{version}"
    known = {m["label"].lower() for line in doc.lines[doc.refs :] if (m := _LINK.match(bare(line)))}
    added = [] if label.lower() in known else [f"[{label}]: {compare['base']}{old_tag}...{new_tag}{end}"]
    url_at = text.index(link["url"])
    moved = f"{text[:url_at]}{compare['base']}{new_tag}...{compare['new']}"
    # The last line of a file may have no ending; the added line then takes that place.
    tail[i - target.end : i - target.end + 1] = [moved + ((end or eol(doc.lines)) if added else end), *added]
    return tail
