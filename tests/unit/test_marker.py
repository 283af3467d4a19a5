"""The marker rule: the marker counts only on a line of its own in the commit body, where
CommonMark reads that line as paragraph text outside code and quotes. The property tests compare
`marker_lines` with a real CommonMark parser (markdown-it-py) over generated bodies."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, example, given, reject, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from release_train.errors import ConfigError
from release_train.model.commonmark import BlockParser
from release_train.model.marker import commit_body, has_marker, marker_lines, release_message

MARKER = "[automatically-tag-and-release-this-commit]"


def commonmark_marker_lines(body: str, marker: str = MARKER) -> list[int]:
    """The lines of `body` that are exactly the marker and that markdown-it reads as a whole line
    of paragraph text (only text between two line breaks) outside any block quote.

    Each such line gets its own marker (`[...-commit-7]`, same characters, same structure) so the
    parser's text can be traced back to the line it came from."""
    lines = body.split("\n")
    traced = {}
    for n, line in enumerate(lines):
        if line.strip(" \t") == marker:
            own = f"{marker[:-1]}-{n}]"
            traced[own] = n
            lines[n] = line.replace(marker, own)
    try:
        tokens = MarkdownIt("commonmark").parse("\n".join(lines))
    except IndexError:  # markdown-it-py 4.3 fails on an HTML block left open in a quoted list
        reject()  # item (`> - <!--` then `>`): no verdict to compare with
    found, quotes = [], 0
    for before, token in zip([None, *tokens], tokens, strict=False):
        quotes += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if token.type != "inline" or quotes or before is None or before.type != "paragraph_open":
            continue
        group: list[str | None] = []
        for child in [*(token.children or []), None]:
            if child is None or child.type in ("softbreak", "hardbreak"):
                text = "".join(c for c in group if c is not None).strip(" \t")  # a tab stays as text
                if None not in group and text in traced:
                    found.append(traced[text])
                group = []
            else:
                group.append(child.content if child.type == "text" else None)
    return sorted(found)


class DisputedLines(BlockParser):
    """The reference block parser, noting the lines where markdown-it-py parts from the
    reference implementations (commonmark.js and cmark, which GitHub renders):

    - a lazy continuation line indented 4+ columns: the reference (and the spec, examples 236
      and 312: `> foo` then `    - bar`) keeps it in the open paragraph; markdown-it-py ends the
      paragraph when the quote is nested (`>> foo`) or a list item's text starts at column 5+,
      and may make a code block of it;
    - a `>` indented 4+ columns after a quote: no quote marker (at most 3 spaces may precede
      it), but markdown-it-py continues the quote with it.

    The comparison leaves those bodies out; test_where_markdown_it_differs_the_reference_decides
    pins the reference's reading of them."""

    def __init__(self) -> None:
        super().__init__()
        self.disputed: list[int] = []

    def _lazy_line(self, n: int) -> None:
        if self.indent >= 4:
            self.disputed.append(n)
        super()._lazy_line(n)

    def _quote_marker(self) -> int:
        if self.indent >= 4 and self._at(self.nonspace) == ">":
            self.disputed.append(-1)
        return super()._quote_marker()


def markdown_it_parts_from_the_reference(body: str) -> bool:
    parser = DisputedLines()
    for n, line in enumerate(body.split("\n")):
        parser.feed(n, line.expandtabs(4))
    return bool(parser.disputed)


# --- generated bodies -------------------------------------------------------------------------
INDENTS = ["", " ", "  ", "   ", "    ", "\t", "      ", "        "]
INLINE = [
    "text",
    "more words here",
    "`code`",
    "``",
    "`",
    "\\`",
    "a `b",
    "c` d",
    "``x``",
    "<b>",
    '<span title="`">',
    "<!--",
    "-->",
    "<http://a.b/`>",
    "*emphasis*",
    "1.",
    "2)",
    "-",
    "#",
    ">",
]
STRUCTURE = [
    ">",
    " ",
    "-",
    "*",
    "+",
    "1.",
    "2)",
    "```",
    "~~~",
    "    ",
    "\t",
    MARKER,
    "x",
    "`",
    "<!--",
    "-->",
    "#",
]

marker_line = st.builds(
    lambda lead, trail: f"{lead}{MARKER}{trail}",
    st.sampled_from(INDENTS),
    st.sampled_from(["", " ", "\t", "   "]),
)
text_line = st.builds(
    lambda lead, words: lead + " ".join(words),
    st.sampled_from(INDENTS),
    st.lists(st.sampled_from(INLINE), min_size=1, max_size=4),
)
odd_line = st.lists(st.sampled_from(STRUCTURE), min_size=1, max_size=5).map("".join)
blank_line = st.sampled_from(["", "  ", "\t"])
any_line = st.one_of(marker_line, text_line, blank_line, odd_line)


@st.composite
def fence(draw: st.DrawFn) -> list[str]:
    char = draw(st.sampled_from("`~"))
    length = draw(st.integers(3, 5))
    info = draw(st.sampled_from(["", " python", "text", " `x`", " ~y"]))
    opener = draw(st.sampled_from(INDENTS[:5])) + char * length + info
    body = draw(st.lists(any_line, max_size=4))
    closer = draw(
        st.sampled_from(
            [
                [],
                [char * length],
                [char * (length + 1)],
                [char * (length - 1)],
                ["   " + char * length + "  "],
                ["`" * length if char == "~" else "~" * length],
            ]
        )
    )
    return [opener, *body, *closer]


@st.composite
def indented_code(draw: st.DrawFn) -> list[str]:
    lines = draw(st.lists(st.one_of(marker_line, text_line, blank_line), min_size=1, max_size=4))
    return [draw(st.sampled_from(["    ", "\t", "     "])) + line.lstrip(" \t") for line in lines]


@st.composite
def html_block(draw: st.DrawFn) -> list[str]:
    opener, closer = draw(
        st.sampled_from(
            [("<!--", "-->"), ("<div>", "</div>"), ("<pre>", "</pre>"), ("<details>", "</details>")]
        )
    )
    inner = draw(st.lists(st.one_of(marker_line, text_line, blank_line), max_size=3))
    return [opener, *inner, *draw(st.sampled_from([[closer], []]))]


leaf = st.one_of(
    st.lists(st.one_of(marker_line, text_line), min_size=1, max_size=3),  # a paragraph
    fence(),
    indented_code(),
    html_block(),
    st.sampled_from([["# heading"], ["---"], ["==="], ["***"], ["- - -"], [""]]),
    st.lists(any_line, min_size=1, max_size=3),
)


@st.composite
def quoted(draw: st.DrawFn, inner: st.SearchStrategy[list[str]]) -> list[str]:
    lines = draw(inner)
    out = []
    for n, line in enumerate(lines):
        lazy = n > 0 and draw(st.booleans()) and draw(st.booleans())
        out.append(line if lazy else draw(st.sampled_from([">", "> ", " > ", ">  "])) + line)
    return out


@st.composite
def list_item(draw: st.DrawFn, inner: st.SearchStrategy[list[str]]) -> list[str]:
    lines = draw(inner)
    bullet = draw(st.sampled_from(["-", "*", "+", "1.", "2)", "10."]))
    gap = draw(st.integers(1, 5))
    width = len(bullet) + gap
    first = f"{bullet}{' ' * gap}{lines[0]}" if lines[0] else bullet
    rest = [
        " " * draw(st.sampled_from([width, width, width - 1, 0])) + line if line else line
        for line in lines[1:]
    ]
    return [first, *rest]


def _concat(parts: list[list[str]]) -> list[str]:
    return [line for part in parts for line in part]


blocks = st.recursive(
    leaf,
    lambda inner: st.one_of(
        quoted(st.lists(inner, min_size=1, max_size=3).map(_concat)),
        list_item(st.lists(inner, min_size=1, max_size=3).map(_concat)),
        st.lists(inner, min_size=2, max_size=4).map(_concat),
    ),
    max_leaves=8,
)
bodies = st.lists(blocks, min_size=1, max_size=5).map(lambda parts: "\n".join(_concat(parts)))


@settings(
    max_examples=int(os.environ.get("MARKER_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(bodies)
@example(f"```\n{MARKER}\n```")
@example(f"    {MARKER}")
@example(f"> {MARKER}")
@example(f"> quoted\n{MARKER}")
@example(f"paragraph\n    {MARKER}")
@example(f"- item\n\n  {MARKER}")
@example(f"- item\n\n      {MARKER}")
@example(f"``\n{MARKER}\n``")
@example(f"{MARKER}\n---")
@example(f"<!--\n{MARKER}\n-->")
def test_the_marker_counts_where_commonmark_reads_a_paragraph_line(body: str) -> None:
    assume(not markdown_it_parts_from_the_reference(body))
    assert marker_lines(body, MARKER) == commonmark_marker_lines(body)


# Bodies where markdown-it-py parts from the reference implementations, with the lines the
# reference (commonmark.js, and its Python port `commonmark`) reads as paragraph text; the spec's
# example 312 (`    - e` continuing `   - d` lazily) is the same rule.
REFERENCE = {
    f"-    item\n    ```\n    {MARKER}": [2],  # no fence: a lazy line of the item's paragraph
    f"-    item\n    <!--\n    {MARKER}": [2],  # no HTML block either
    f"1.   item\n    > not a quote\n    {MARKER}": [2],
    f">> quoted\n    - bar\n{MARKER}": [],  # all lazy: the marker is in the nested quote
    f"   >     code\n    > no quote: code\n  {MARKER}": [2],  # `>` after 4 spaces is no quote
}


@pytest.mark.parametrize("body", REFERENCE)
def test_where_markdown_it_differs_the_reference_decides(body: str) -> None:
    assert markdown_it_parts_from_the_reference(body)
    assert marker_lines(body, MARKER) == REFERENCE[body]


# --- the cases of issue 10, by name -------------------------------------------------------------
QUOTED = {
    "fenced with backticks": f"Release notes:\n\n```\n{MARKER}\n```\n",
    "fenced with tildes and an info string": f"~~~~ text\n{MARKER}\n~~~~\n",
    "in an unclosed fence": f"```\nnever closed\n\n{MARKER}\n",
    "indented four spaces": f"Example:\n\n    {MARKER}\n",
    "indented by a tab": f"\t{MARKER}\n",
    "in a block quote": f"> {MARKER}\n",
    "in a quote's lazy continuation": f"> the bot said\n{MARKER}\n",
    "in a code span over lines": f"``\n{MARKER}\n``\n",
    "in an HTML comment": f"<!--\n{MARKER}\n-->\n",
    "as a list item's text": f"- {MARKER}\n",
    "as a setext heading": f"{MARKER}\n---\n",
    "in the subject": "",
}


@pytest.mark.parametrize("where", QUOTED)
def test_a_quoted_marker_does_not_count(where: str) -> None:
    message = f"{MARKER}\n" if where == "in the subject" else f"Docs: the marker\n\n{QUOTED[where]}"
    assert not has_marker(message, MARKER)


COUNTED = {
    "alone": f"{MARKER}\n",
    "indented up to three spaces, trailing blanks": f"   {MARKER} \t\n",
    "after a closed fence": f"```\nx\n```\n{MARKER}\n",
    "continuing a paragraph, however indented": f"Release Demo 2.0.0\n        {MARKER}\n",
    "in a list item's own paragraph": f"- notes\n\n  {MARKER}\n",
    "after a quote and a blank line": f"> quoted\n\n{MARKER}\n",
}


@pytest.mark.parametrize("where", COUNTED)
def test_a_marker_on_a_paragraph_line_of_the_body_counts(where: str) -> None:
    assert has_marker(f"Release Demo 2.0.0\n\n{COUNTED[where]}", MARKER)
    assert has_marker(
        f"Release Demo 2.0.0\r\n\r\n{COUNTED[where].replace(chr(10), chr(13) + chr(10))}", MARKER
    )


def test_the_body_starts_after_the_subject_paragraph_as_git_splits_it() -> None:
    assert commit_body("\n\nTitle\nwrapped title\n\nbody\n") == "body\n"
    assert not has_marker(f"Title\n{MARKER}\n", MARKER)  # git's subject: "Title [marker]"
    assert has_marker(f"\nTitle\n\n{MARKER}", MARKER)


def test_unicode_line_separators_are_not_line_ends() -> None:
    # str.splitlines() would split here; CommonMark (and git) see one line "x<LS>[marker]"
    assert not has_marker(f"Title\n\nx\u2028{MARKER}\n", MARKER)
    assert not has_marker(f"Title\n\n\u00a0{MARKER}\n", MARKER)  # a no-break space is not a blank


@pytest.mark.parametrize("marker", ["# release", "> release", "- release", "    ", "```", "<!-- release -->"])
def test_a_marker_that_is_no_paragraph_text_is_refused_before_any_commit(marker: str) -> None:
    with pytest.raises(ConfigError, match="would not count in the release commit"):
        release_message("Release Demo 2.0.0", marker)


def test_release_message_puts_marker_last_on_its_own_line() -> None:
    message = release_message("Release Demo 2.0.0", MARKER)
    assert message == f"Release Demo 2.0.0\n\n{MARKER}\n"
    with_body = release_message("Release Demo 2.0.1", MARKER, "Requested by Ann.")
    assert with_body.splitlines() == ["Release Demo 2.0.1", "", "Requested by Ann.", "", MARKER]
    assert has_marker(with_body, MARKER)


@settings(max_examples=200, deadline=None)
@given(title=st.text(min_size=1).filter(lambda t: t.strip()), body=bodies)
def test_release_message_always_carries_a_marker_that_counts_or_refuses(title: str, body: str) -> None:
    try:
        message = release_message(title, MARKER, body)
    except ConfigError:
        # only a body that leaves a block open across the blank line may swallow the marker
        assert not marker_lines(f"{body.strip()}\n\n{MARKER}", MARKER)
        return
    assert has_marker(message, MARKER)
    if not markdown_it_parts_from_the_reference(commit_body(message)):
        assert commonmark_marker_lines(commit_body(message)) != []
