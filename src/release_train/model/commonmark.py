"""Which lines of a Markdown text CommonMark reads as paragraph text.

`paragraph_lines` answers, for each line, whether a CommonMark renderer shows it as a line of a
paragraph: not in a fenced or indented code block, an HTML block, a heading or a block quote
(lazy continuation lines included), and not inside a code span or raw inline HTML spread over
lines. The release marker counts only on such a line (model/marker.py).

The block phase follows the parsing strategy of the CommonMark spec (0.31.2, appendix A) as its
reference implementations (commonmark.js, cmark) do it, reduced to what the answer needs: which
block each line ends up in. Tabs act as spaces up to the next multiple of 4 columns.

Not modelled, as no quoting of a marker looks like them: link reference definitions (a line
that is the destination of a `[label]:` above it is taken as paragraph text), and backticks in
a link's destination or title (taken as code span delimiters).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from release_train.values import dataclass, field

_FENCE = re.compile(r"`{3,}(?!.*`)|~{3,}")  # a backtick fence's info string holds no backtick
_CLOSING_FENCE = re.compile(r"(?:`{3,}|~{3,})(?= *$)")
_ATX_HEADING = re.compile(r"#{1,6}(?: |$)")
_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+) *$")
_THEMATIC_BREAK = re.compile(r"(?:(?:\* *){3,}|(?:_ *){3,}|(?:- *){3,})$")
_BULLET = re.compile(r"[*+-]")
_ORDERED = re.compile(r"(\d{1,9})[.)]")

_ATTRIBUTE = r"""(?:\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?)"""
_OPEN_TAG = rf"<[A-Za-z][A-Za-z0-9-]*{_ATTRIBUTE}*\s*/?>"
_CLOSE_TAG = r"</[A-Za-z][A-Za-z0-9-]*\s*>"
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    "dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|"
    "header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|"
    "param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
# The seven kinds of HTML block: (start, end); kinds 6 and 7 end at a blank line (end None).
_HTML_BLOCKS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        re.compile(r"<(?:script|pre|style|textarea)(?:\s|>|$)", re.I),
        re.compile(r"</(?:script|pre|style|textarea)>", re.I),
    ),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(rf"</?(?:{_BLOCK_TAGS})(?:\s|/?>|$)", re.I), None),
    (re.compile(rf"(?:{_OPEN_TAG}|{_CLOSE_TAG})\s*$"), None),  # cannot interrupt a paragraph
)
# Inline constructs that take precedence over code spans: raw HTML and autolinks.
_INLINE_HTML = re.compile(
    rf"{_OPEN_TAG}|{_CLOSE_TAG}|<!---?>|<!--(?:[^-]|-[^-]|--[^>])*-->|<\?.*?\?>|<![A-Za-z][^>]*>"
    r"|<!\[CDATA\[.*?\]\]>|<[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\x00-\x20]*>"
    r"|<[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*>",
    re.S,
)
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# continuation results
_MATCHED, _FAILED, _LINE_DONE = 0, 1, 2
_CONTAINERS = ("document", "quote", "item")  # what may hold any block but a list item


def paragraph_lines(lines: Sequence[str]) -> dict[int, str]:
    """The lines of `lines` that CommonMark reads as lines of paragraph text outside block quotes,
    code spans and raw inline HTML (see the module docstring): index -> the line's text after
    its containers' markers and indentation (`- x` -> `x`)."""
    parser = BlockParser()
    for n, line in enumerate(lines):
        parser.feed(n, line.expandtabs(4))
    found: dict[int, str] = {}
    for paragraph in parser.paragraphs:
        if paragraph.kind == "paragraph" and not paragraph.in_quote():  # not a setext heading
            hidden = _inline_code_lines(paragraph.lines)
            found.update((n, text) for n, text in paragraph.lines if n not in hidden)
    return found


@dataclass(eq=False)
class _Block:
    kind: str  # document quote list item paragraph fence code html heading hr
    parent: _Block | None
    children: list[_Block] = field(default_factory=list)
    open: bool = True
    lines: list[tuple[int, str]] = field(default_factory=list)  # a paragraph's (index, text)
    marker: str = ""  # list/item: bullet or delimiter character; fence: its character
    ordered: bool = False
    width: int = 0  # item: columns of marker offset and padding; fence: length
    indent: int = 0  # fence: its indentation, removed from its lines
    html_end: re.Pattern[str] | None = None  # html: its end condition (None: a blank line)

    def in_quote(self) -> bool:
        block = self.parent
        while block is not None:
            if block.kind == "quote":
                return True
            block = block.parent
        return False


class BlockParser:
    """CommonMark's block phase, one line at a time (tabs already expanded)."""

    def __init__(self) -> None:
        self.doc = _Block("document", None)
        self.tip = self.doc
        self.paragraphs: list[_Block] = []
        self.line, self.pos, self.nonspace, self.indent, self.blank = "", 0, 0, 0, False
        self.all_closed, self.old_tip, self.last_matched = True, self.doc, self.doc

    def feed(self, n: int, line: str) -> None:
        self.line, self.pos = line, 0
        self.old_tip = self.tip
        container = self.doc
        while container.children and container.children[-1].open:
            child = container.children[-1]
            self._scan()
            result = self._continues(child)
            if result == _LINE_DONE:
                return
            if result == _FAILED:
                break
            container = child
        self.all_closed = container is self.old_tip
        self.last_matched = container
        leaf = container.kind in ("fence", "code", "html")
        while not leaf:
            self._scan()
            started = self._start(container)
            if started is None:
                self.pos = self.nonspace
                break
            container, leaf = self.tip, started
        if not self.all_closed and not self.blank and self.tip.kind == "paragraph":
            self._lazy_line(n)
            return
        self._close_unmatched()
        if container.kind == "paragraph":
            container.lines.append((n, line[self.pos :]))
        elif container.kind == "html":
            end = container.html_end
            if end is not None and end.search(line, self.pos):
                self._finalize(container)
        elif container.kind not in ("fence", "code") and self.pos < len(line) and not self.blank:
            paragraph = self._add("paragraph")
            self.paragraphs.append(paragraph)
            paragraph.lines.append((n, line[self.nonspace :]))

    def _lazy_line(self, n: int) -> None:
        """A line its containers did not take, which starts no block: a lazy continuation of
        the open paragraph (however it is indented)."""
        self.tip.lines.append((n, self.line[self.pos :]))

    def _scan(self) -> None:
        rest = self.line[self.pos :]
        self.nonspace = self.pos + len(rest) - len(rest.lstrip(" "))
        self.indent = self.nonspace - self.pos
        self.blank = self.nonspace == len(self.line)

    def _at(self, index: int) -> str:
        return self.line[index] if index < len(self.line) else ""

    def _continues(self, block: _Block) -> int:
        """Whether the open `block` goes on with this line; if so, its prefix is consumed."""
        kind = block.kind
        if kind == "quote":
            return self._quote_marker()
        if kind == "item":
            return self._item_indent(block)
        if kind == "fence":
            return self._fence_line(block)
        if kind == "code":
            return self._code_indent()
        if kind in ("paragraph", "html"):  # a paragraph and HTML blocks 6 and 7 end at a blank line
            return _FAILED if self.blank and (kind == "paragraph" or block.html_end is None) else _MATCHED
        return _FAILED if kind in ("heading", "hr") else _MATCHED  # a list: its items decide

    def _quote_marker(self) -> int:
        if self.indent >= 4 or self._at(self.nonspace) != ">":
            return _FAILED
        self.pos = self.nonspace + 1 + (self._at(self.nonspace + 1) == " ")  # `>` and one space
        return _MATCHED

    def _item_indent(self, item: _Block) -> int:
        if self.blank:
            if not item.children:
                return _FAILED  # a list item can begin with at most one blank line
            self.pos = self.nonspace
        elif self.indent >= item.width:
            self.pos += item.width
        else:
            return _FAILED
        return _MATCHED

    def _fence_line(self, fence: _Block) -> int:
        closing = _CLOSING_FENCE.match(self.line, self.nonspace) if self.indent < 4 else None
        if closing and closing[0][0] == fence.marker and len(closing[0]) >= fence.width:
            self._finalize(fence)
            return _LINE_DONE
        self.pos += min(self.indent, fence.indent)
        return _MATCHED

    def _code_indent(self) -> int:
        if self.indent >= 4:
            self.pos += 4
        elif self.blank:
            self.pos = self.nonspace
        else:
            return _FAILED
        return _MATCHED

    def _start(self, container: _Block) -> bool | None:
        """Open the block this line starts, if any: True for a leaf (the rest of the line is its
        content), False for a container (look for more starts inside it), None for none."""
        indented = self.indent >= 4
        if not indented and self._quote_marker() == _MATCHED:
            self._close_unmatched()
            self._add("quote")
            return False
        if not indented and self._leaf_start(container):
            return True
        if (not indented or container.kind == "list") and self._list_item(container):
            return False
        if indented and self.tip.kind != "paragraph" and not self.blank:
            self.pos += 4  # an indented code block cannot interrupt a paragraph, lazy or not
            self._close_unmatched()
            self._add("code")
            return True
        return None

    def _leaf_start(self, container: _Block) -> bool:
        line, at = self.line, self.nonspace
        if _ATX_HEADING.match(line, at):
            return self._leaf("heading")
        fence = _FENCE.match(line, at)
        if fence:
            self._close_unmatched()
            block = self._add("fence")
            block.marker, block.width, block.indent = fence[0][0], len(fence[0]), self.indent
            self.pos = fence.end()
            return True
        if self._at(at) == "<" and self._html_start(container):
            return True
        if container.kind == "paragraph" and _SETEXT_UNDERLINE.match(line, at):
            self._close_unmatched()
            container.kind = "heading"  # the paragraph's lines were a setext heading
            self.pos = len(line)
            return True
        return bool(_THEMATIC_BREAK.match(line, at)) and self._leaf("hr")

    def _leaf(self, kind: str) -> bool:
        self._close_unmatched()
        self._add(kind)
        self.pos = len(self.line)
        return True

    def _html_start(self, container: _Block) -> bool:
        lazy = not self.all_closed and not self.blank and self.tip.kind == "paragraph"
        for kind, (start, end) in enumerate(_HTML_BLOCKS, start=1):
            if start.match(self.line, self.nonspace):
                if kind == 7 and (container.kind == "paragraph" or lazy):
                    return False
                self._close_unmatched()
                self._add("html").html_end = end
                return True
        return False

    def _list_item(self, container: _Block) -> bool:
        if self.indent >= 4:
            return False
        line, at = self.line, self.nonspace
        bullet = _BULLET.match(line, at)
        number = _ORDERED.match(line, at) if not bullet else None
        if number and container.kind == "paragraph" and int(number[1]) != 1:
            return False  # only a list starting at 1 may interrupt a paragraph
        found = bullet or number
        if found is None or self._at(found.end()) not in ("", " "):
            return False
        if container.kind == "paragraph" and not line[found.end() :].strip(" "):
            return False  # an empty item cannot interrupt a paragraph
        after = found.end()
        spaces = len(line[after : after + 5]) - len(line[after : after + 5].lstrip(" "))
        if spaces >= 5 or spaces < 1 or after + spaces >= len(line):
            width, self.pos = len(found[0]) + 1, after + (self._at(after) == " ")
        else:
            width, self.pos = len(found[0]) + spaces, after + spaces
        marker, ordered = found[0][-1], number is not None
        self._close_unmatched()
        tip = self.tip
        if tip.kind != "list" or (tip.marker, tip.ordered) != (marker, ordered):
            tip = self._add("list")
            tip.marker, tip.ordered = marker, ordered
        item = self._add("item")
        item.width = self.indent + width
        return True

    def _add(self, kind: str) -> _Block:
        while not (self.tip.kind in _CONTAINERS and kind != "item") and not (
            self.tip.kind == "list" and kind == "item"
        ):
            self._finalize(self.tip)
        block = _Block(kind, self.tip)
        self.tip.children.append(block)
        self.tip = block
        return block

    def _finalize(self, block: _Block) -> None:
        block.open = False
        assert block.parent is not None  # the document is never finalized
        self.tip = block.parent

    def _close_unmatched(self) -> None:
        if not self.all_closed:
            while self.old_tip is not self.last_matched:
                parent = self.old_tip.parent
                self._finalize(self.old_tip)
                assert parent is not None
                self.old_tip = parent
            self.all_closed = True


def _inline_code_lines(lines: list[tuple[int, str]]) -> set[int]:
    """The indexes of a paragraph's lines that lie in a code span or in raw inline HTML (an
    attribute or comment spread over lines), scanning left to right as CommonMark does:
    backslash escapes first, raw HTML and autolinks before code spans."""
    text = "\n".join(part for _, part in lines)
    if "`" not in text and "<" not in text:
        return set()
    spans = _CodeSpans(text)
    covered: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCTUATION:
            i += 2
        elif char == "<" and (tag := _INLINE_HTML.match(text, i)):
            covered.append((i, tag.end()))
            i = tag.end()
        elif char == "`":
            run_end, span_end = spans.at(i)
            if span_end is not None:
                covered.append((i, span_end))
            i = span_end if span_end is not None else run_end
        else:
            i += 1
    starts, offset = [], 0
    for _, part in lines:
        starts.append(offset)
        offset += len(part) + 1
    return {
        n
        for (n, part), start in zip(lines, starts, strict=True)
        if any(a < start + len(part) and start < b for a, b in covered)
    }


class _CodeSpans:
    """The runs of backticks of a text. A run opens a code span that ends after the next run of
    exactly its length; escapes do not apply to that closing run (inside a span a backslash is
    literal). Found by bisection, so a text full of unmatched runs stays linear."""

    def __init__(self, text: str) -> None:
        self.run_end: dict[int, int] = {}
        self.starts: dict[int, list[int]] = {}  # run length -> the runs' starts, in order
        for run in re.finditer("`+", text):
            self.starts.setdefault(len(run[0]), []).append(run.start())
            self.run_end.update(dict.fromkeys(range(run.start(), run.end()), run.end()))

    def at(self, start: int) -> tuple[int, int | None]:
        """(end of the run starting at `start`, end of the code span it opens or None)."""
        end = self.run_end[start]
        closers = self.starts.get(end - start, [])
        k = bisect.bisect_left(closers, end)
        return end, (closers[k] + end - start if k < len(closers) else None)
