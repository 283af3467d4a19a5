"""A fast path for the plain TOML most manifests are written in, one regular expression per line.

Parsing 2,000 manifests with tree-sitter and walking its tree node by node in Python took about
370 ms here, two thirds of the floor `bump` is measured against (bench/bump.py: the same files
read by `tomllib`, ~540 ms as a whole process); this path reads them in about 150 ms, and most
manifests fall in its subset (every one bench/bump.py generates). Most manifests only hold
one-line constructs: `[table]` and `[[array]]` headers, `key = value` pairs whose value is a
string without escapes, a boolean, a decimal integer, a one-line array of such strings or a
one-line inline table of such pairs; comments and blank lines. `parse_plain` reads exactly that
subset, into the same values `toml_doc.parse` gives (strings as `Str` with their spans), and
returns None for anything else: a multi-line array or string, an escape, a float, a date, CRLF,
invalid UTF-8, a key defined twice with different types... The caller then parses the file with
tree-sitter, which stays the authority for every error message. The subset is strict: whatever
it accepts is valid TOML that tree-sitter reads the same way (tests/unit/test_toml_fast.py
compares the two).
"""

from __future__ import annotations

import re

from release_train.workspaces.toml_doc import Str, Table

# no escapes, no control characters (TOML forbids them in strings; tab is allowed)
_STRING = rb"""(?:"[^"\\\x00-\x08\x0a-\x1f\x7f]*"|'[^'\x00-\x08\x0a-\x1f\x7f]*')"""
_KEY = rb"(?:[A-Za-z0-9_-]+|" + _STRING + rb")"
_KEYPATH = _KEY + rb"(?:[ \t]*\.[ \t]*" + _KEY + rb")*"
# A value: a string, a boolean, a decimal integer or a one-line array of strings. Its kind is
# told by its first byte.
_VALUE = (
    rb"(?:" + _STRING + rb"|true|false|[+-]?(?:0|[1-9][0-9]*)"
    rb"|\[[ \t]*(?:" + _STRING + rb"[ \t]*(?:,[ \t]*" + _STRING + rb"[ \t]*)*,?[ \t]*)?\])"
)
# Where a line may end: `truex` or `1.5` must not read as `true` or `1`.
_END = rb"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?(?:\n|\Z)"
# One expression for every line and for the pairs of inline tables, told apart by the group that
# matched last (`Match.lastgroup`): "close" a header, "value" a pair ending its line, "sep" a
# pair followed by `,` or `}` (inside an inline table), "inline" a pair opening one, None a blank
# or comment line. Compiling costs every start (about 3 ms), so there is only one.
_LINE = re.compile(
    rb"[ \t]*(?:"
    rb"(?P<open>\[\[?)[ \t]*(?P<header>" + _KEYPATH + rb")[ \t]*(?P<close>\]\]?)" + _END
    + rb"|(?P<key>" + _KEYPATH + rb")[ \t]*=[ \t]*"
    + rb"(?:(?P<value>" + _VALUE + rb")(?:" + _END + rb"|[ \t]*(?P<sep>[,}]))|(?P<inline>\{))"
    + rb"|" + _END + rb")"
)  # fmt: skip
_INLINE_EMPTY = re.compile(rb"[ \t]*\}")
_INLINE_END = re.compile(_END)
_STRING_TOKEN = re.compile(_STRING)
_KEY_TOKEN: list[re.Pattern[bytes]] = []  # compiled on first use: quoted keys are rare


_QUOTES = frozenset(b"\"'")


class _NotPlain(Exception):
    """Raised inside the fast path: leave this file to tree-sitter."""


def parse_plain(data: bytes) -> Table | None:
    """The values of `data`, or None when it holds anything outside the plain subset."""
    if 0x0D in data:  # ints: `bytes in bytes` costs ten times more (Python 3.11)
        return None
    try:
        data.decode()  # the subset is valid UTF-8 throughout; tree-sitter reports the rest
        return _document(data)
    except (_NotPlain, UnicodeDecodeError):
        return None


def _document(data: bytes) -> Table:
    doc: Table = {}
    current = doc
    pos, size, match_line = 0, len(data), _LINE.match
    while pos < size:  # the hot loop of a large workspace: the common cases inline
        m = match_line(data, pos)
        if m is None:
            raise _NotPlain
        pos = m.end()
        kind = m.lastgroup
        if kind is None:  # blank or comment
            continue
        if kind == "close":  # [table] or [[array of tables]]
            current = _header(doc, m)
            continue
        if kind == "sep":  # `a = 1, b = 2` outside braces
            raise _NotPlain
        raw = m.group("key")
        if 0x2E in raw or 0x22 in raw or 0x27 in raw:
            keys = _keys(raw)
            table, key = _descend(current, keys[:-1]), keys[-1]
        else:
            table, key = current, raw.decode()
        if kind == "inline":
            table[key], pos = _inline(data, pos)
            continue
        start, end = m.span("value")
        if data[start] in _QUOTES:  # a string, the most common value: its span is inside the quotes
            table[key] = Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
        else:
            table[key] = _value(data, start, end)
    return doc


def _header(doc: Table, m: re.Match[bytes]) -> Table:
    """The table a `[table]` or `[[array of tables]]` header line opens."""
    brackets, raw, close = m.group("open", "header", "close")
    if len(brackets) != len(close):
        raise _NotPlain
    keys = _keys(raw)
    if len(brackets) == 1:
        return _descend(doc, keys)
    array = _descend(doc, keys[:-1]).setdefault(keys[-1], [])
    if not isinstance(array, list):
        raise _NotPlain
    table: Table = {}
    array.append(table)
    return table


def _inline(data: bytes, pos: int) -> tuple[Table, int]:
    """The inline table whose `{` ends before `pos`, and where its line ends."""
    inline: Table = {}
    match_pair, first = _LINE.match, True
    while True:
        pair = match_pair(data, pos)
        if pair is None or pair.lastgroup != "sep":
            # only `{ }` may have no pair; a comma must be followed by a pair; no nesting
            empty = _INLINE_EMPTY.match(data, pos) if first else None
            if empty is None:
                raise _NotPlain
            pos = empty.end()
            break
        first = False
        raw = pair.group("key")
        if 0x2E in raw or 0x22 in raw or 0x27 in raw:
            keys = _keys(raw)
            table, key = _descend(inline, keys[:-1]), keys[-1]
        else:
            table, key = inline, raw.decode()
        start, end = pair.span("value")
        if data[start] in _QUOTES:
            table[key] = Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
        else:
            table[key] = _value(data, start, end)
        pos = pair.end()
        if data[pos - 1] == 0x7D:  # "}"
            break
    end_of_line = _INLINE_END.match(data, pos)
    if end_of_line is None:
        raise _NotPlain
    return inline, end_of_line.end()


def _value(data: bytes, start: int, end: int) -> object:
    """The value `_VALUE` matched at `data[start:end]`."""
    first = data[start]
    if first in b"\"'":  # a string: its span is inside the quotes
        return Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
    if first == 0x74:  # "t"
        return True
    if first == 0x66:  # "f"
        return False
    if first == 0x5B:  # "["
        return [
            Str(data[s + 1 : e - 1].decode(), s + 1, e - 1, data)
            for s, e in (t.span() for t in _STRING_TOKEN.finditer(data, start, end))
        ]
    return int(data[start:end])


def _keys(raw: bytes) -> list[str]:
    if 0x22 not in raw and 0x27 not in raw:  # bare keys, maybe dotted
        if 0x20 in raw or 0x09 in raw:
            return [k.strip(b" \t").decode() for k in raw.split(b".")]
        return raw.decode().split(".")
    if not _KEY_TOKEN:
        _KEY_TOKEN.append(re.compile(_KEY))
    keys = []
    for token in _KEY_TOKEN[0].finditer(raw):
        text = token.group()
        keys.append((text[1:-1] if text[0] in b"\"'" else text).decode())
    return keys


def _descend(table: Table, keys: list[str]) -> Table:
    """As `toml_doc._descend`; a type clash is left to tree-sitter, which words the error."""
    for key in keys:
        value = table.get(key)
        if value is None:
            value = table[key] = {}
        elif type(value) is not dict:
            if not (type(value) is list and value and type(value[-1]) is dict):
                raise _NotPlain
            value = value[-1]
        table = value
    return table
