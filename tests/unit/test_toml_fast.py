"""The plain-TOML fast path reads exactly what tree-sitter reads, or declines.

`toml_fast.parse_plain` must give the same values, spans and key order as the tree-sitter walk
(`toml_doc.parse_tree`) for every file it accepts, and must decline (None) everything else,
including every file tree-sitter reports as malformed, so that error messages never change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_train.errors import WorkspaceError
from release_train.workspaces.toml_doc import Str, parse, parse_tree
from release_train.workspaces.toml_fast import parse_plain

HERE = Path("Cargo.toml")


def shape(value: Any) -> Any:
    """Values with every string as (text, start, end), dicts as key-ordered lists."""
    if isinstance(value, Str):
        return ("Str", value.value, value.start, value.end)
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(v) for v in value]
    return (type(value).__name__, value)


def tree_or_error(data: bytes) -> Any:
    try:
        return shape(parse_tree(HERE, data))
    except WorkspaceError as exc:
        return ("error", str(exc))


PLAIN = [
    b"",
    b"\n\n# only a comment\n",
    b'[package]\nname = "a"\nversion = "1.2.3"  # the version\npublish = false\n',
    b"[package]\nversion.workspace = true\nedition . workspace = true\n",
    b"[workspace]\nmembers = [\"crates/*\", 'lib' ,]\nexclude = []\nresolver = '2'\n",
    b'[workspace.dependencies]\na = { path = "a", version = "=1.0.0" }\n'
    b"b-x = { path = 'b', version = '1.0.0', package = 'b' }\nc = \"1\"\nd = {}\ne = { }\n",
    b'[dependencies]\nx = { version = "1", features = ["a", "b"], default-features = false }\n',
    b'[target.\'cfg(unix)\'.dependencies]\nnix = "0.29"\n[target."x86_64-pc".dev-dependencies.y]\npath = "../y"\n',
    b'[[bin]]\nname = "one"\n[[bin]]\nname = "two"\n[bin.extra]\nx = 1\n',
    b"[a]\nn = -0\nm = +17\no = 0\np = true\nq = false\n\"quoted key\" = 'v'\n'lit.key' = \"w\"\n",
    b'x = "caf\xc3\xa9 \xe2\x98\x83"\ny = \'\'\nz = ""\n[t]\n',
    b"[a]\nx.y = { z.w = 1 }\n[a.b]\n[a]\nq = 2\n",
    b'no-newline-at-end = "x"',
    b"\t[ spaced . header ]\t# c\n\tk\t=\t'v'\t\n",
]

NOT_PLAIN = [
    b'a = "esc\\n"\n',  # an escape
    b'a = """multi"""\n',
    b"a = '''multi'''\n",
    b'a = [\n  "x",\n]\n',  # a multi-line array
    b"a = 1.5\n",
    b"a = 1_000\n",
    b"a = 0x1F\n",
    b"a = 2024-01-01\n",
    b"a = 01\n",
    b"a = [1, 2]\n",
    b'a = [["x"]]\n',
    b"a = { x = { y = 1 } }\n",
    b"a = {x=1,}\n",
    b"a = { x = 1 # c\n}\n",
    b'a = "x"\r\n',
    b"[a]]\n",
    b"[[a]\n",
    b"[ [a] ]\n",
    b"a = truex\n",
    b"a = 1\n[a]\n",  # a clash tree-sitter reports
    b'a = "x"\na.b = 1\n',
    b"a.b = 1\n[[a]]\n",
    b'a = "\xff"\n',  # invalid UTF-8
    b"# bell \x07\n",
    b'a = "x" b = 1\n',
    b"a = \n",
    b"= 1\n",
    b"a b = 1\n",
]


@pytest.mark.parametrize("data", PLAIN)
def test_plain_files_read_as_tree_sitter_reads_them(data: bytes) -> None:
    fast = parse_plain(data)
    assert fast is not None
    assert shape(fast) == tree_or_error(data)


@pytest.mark.parametrize("data", NOT_PLAIN)
def test_everything_else_is_left_to_tree_sitter(data: bytes) -> None:
    assert parse_plain(data) is None
    try:
        got: Any = shape(parse(HERE, data))
    except WorkspaceError as exc:
        got = ("error", str(exc))
    assert got == tree_or_error(data)


def test_string_lines_are_counted_from_the_file() -> None:
    doc = parse_plain(b'[package]\n\nname = "a"\n[dependencies]\nb = { version = "1" }\n')
    assert doc is not None
    assert doc["package"]["name"].line == 3
    assert doc["dependencies"]["b"]["version"].line == 5


# Random files from plain pieces and, less often, not-quite-plain ones: whatever the fast path
# accepts, it reads as tree-sitter does; whatever tree-sitter rejects, the fast path declines.
def mostly(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(good * 4 + bad)


keys = mostly(["a", "b", "x-y", "1", '"q k"', "'l.k'", "a.b", "a . c", "b.'d'"], ["", "a b", '"\\"'])
strings = mostly(['"v"', "'w'", '""', '"1.0.0"'], ['"\\t"', "'''m'''", '"a"b"', "'x"])
scalars = st.one_of(strings, mostly(["true", "false", "0", "-3", "+4"], ["07", "1.5", "truex", "1_0", ""]))
arrays = st.lists(strings, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")
inline = st.lists(st.tuples(keys, st.one_of(scalars, arrays)), max_size=3).map(
    lambda ps: "{ " + ", ".join(f"{k} = {v}" for k, v in ps) + " }"
)
values = st.one_of(scalars, arrays, inline)
pairs = st.tuples(keys, values).map(lambda kv: f"{kv[0]} = {kv[1]}")
headers = st.tuples(mostly(["[", "[["], ["[ ", "[ ["]), keys, mostly(["]", "]]"], [" ]", "]]]"])).map("".join)
comments = mostly(["", " # c", "# only"], [" #\x01"])
lines = st.tuples(st.one_of(pairs, headers, st.just("")), comments).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(lines, max_size=8), mostly(["\n"], ["\r\n"]), st.booleans())
def test_fast_path_agrees_with_tree_sitter(body: list[str], newline: str, final: bool) -> None:
    data = (newline.join(body) + (newline if final else "")).encode()
    fast = parse_plain(data)
    if fast is not None:
        assert shape(fast) == tree_or_error(data)
