"""A fast path for the plain TOML most manifests are written in, one regular expression per line.

Walking tree-sitter's tree node by node in Python costs more than the whole floor `bump` is
measured against (bench/bump.py: 2,000 manifests read by `tomllib`). Most manifests only hold
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

_WS = rb"[ \t]*"
# no escapes, no control characters (TOML forbids them in strings; tab is allowed)
_STRING = rb"""(?:"[^"\\\x00-\x08\x0a-\x1f\x7f]*"|'[^'\x00-\x08\x0a-\x1f\x7f]*')"""
_KEY = rb"(?:[A-Za-z0-9_-]+|" + _STRING + rb")"
_KEYPATH = _KEY + rb"(?:[ \t]*\.[ \t]*" + _KEY + rb")*"
# One value, its kind named by the group that matched: `Match.lastgroup`, as the value's group
# closes after the key's. Arrays hold strings only.
_VALUE = (
    rb"(?:(?P<str>" + _STRING + rb")|(?P<bool>true|false)|(?P<int>[+-]?(?:0|[1-9][0-9]*))"
    rb"|(?P<arr>\[[ \t]*(?:" + _STRING + rb"[ \t]*(?:,[ \t]*" + _STRING + rb"[ \t]*)*,?[ \t]*)?\]))"
)
# Where a line may end: `truex` or `1.5` must not read as `true` or `1`.
_END = rb"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?(?:\n|\Z)"
# The expressions are compiled at every start (about 3 ms): kept small, with no repeated parts
# beyond the key path.
_LINE = re.compile(
    rb"[ \t]*(?:"
    rb"(?P<open>\[\[?)[ \t]*(?P<header>" + _KEYPATH + rb")[ \t]*(?P<close>\]\]?)" + _END
    + rb"|(?P<key>" + _KEYPATH + rb")[ \t]*=[ \t]*(?:" + _VALUE + _END + rb"|(?P<inline>\{))"
    + rb"|" + _END + rb")"
)  # fmt: skip
_INLINE_PAIR = re.compile(rb"[ \t]*(?P<key>" + _KEYPATH + rb")[ \t]*=[ \t]*" + _VALUE)
_INLINE_SEP = re.compile(rb"[ \t]*([,}])")
_INLINE_END = re.compile(_END)
_KEY_TOKEN = re.compile(_KEY)
_STRING_TOKEN = re.compile(_STRING)


class _NotPlain(Exception):
    """Raised inside the fast path: leave this file to tree-sitter."""


def parse_plain(data: bytes) -> Table | None:
    """The values of `data`, or None when it holds anything outside the plain subset."""
    if b"\r" in data:
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
    while pos < size:
        m = match_line(data, pos)
        if m is None:
            raise _NotPlain
        pos = m.end()
        kind = m.lastgroup
        if kind is None:  # blank or comment
            continue
        if kind == "close":  # [table] or [[array of tables]]
            brackets = m.group("open")
            if len(brackets) != len(m.group(kind)):
                raise _NotPlain
            keys = _keys(m.group("header"))
            if len(brackets) == 1:
                current = _descend(doc, keys)
                continue
            array = _descend(doc, keys[:-1]).setdefault(keys[-1], [])
            if not isinstance(array, list):
                raise _NotPlain
            current = {}
            array.append(current)
        elif kind == "inline":
            table, key = _target(current, m.group("key"))
            table[key], pos = _inline(data, pos)
        else:
            table, key = _target(current, m.group("key"))
            table[key] = _value(data, m, kind)
    return doc


def _target(table: Table, raw: bytes) -> tuple[Table, str]:
    """The table a pair's key path `raw` lands in, and its last key."""
    if raw[0] not in _QUOTES and b"." not in raw:
        return table, raw.decode()  # the common case: one bare key
    keys = _keys(raw)
    return _descend(table, keys[:-1]), keys[-1]


def _inline(data: bytes, pos: int) -> tuple[Table, int]:
    """The inline table whose `{` ends before `pos`, and where its line ends."""
    inline: Table = {}
    sep = _INLINE_SEP.match(data, pos)
    if sep is None or sep.group(1) != b"}":
        while True:
            pair = _INLINE_PAIR.match(data, pos)
            if pair is None:
                raise _NotPlain
            table, key = _target(inline, pair.group("key"))
            table[key] = _value(data, pair, pair.lastgroup or "")
            sep = _INLINE_SEP.match(data, pair.end())
            if sep is None:
                raise _NotPlain
            pos = sep.end()
            if sep.group(1) == b"}":
                break
    else:
        pos = sep.end()
    end = _INLINE_END.match(data, pos)
    if end is None:
        raise _NotPlain
    return inline, end.end()


def _value(data: bytes, m: re.Match[bytes], kind: str) -> object:
    if kind == "str":
        start, end = m.span(kind)
        return Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
    if kind == "bool":
        return data[m.start(kind)] == 0x74  # "t"
    if kind == "int":
        return int(m.group(kind))
    return [  # "arr"
        Str(data[s + 1 : e - 1].decode(), s + 1, e - 1, data)
        for s, e in (t.span() for t in _STRING_TOKEN.finditer(data, *m.span(kind)))
    ]


_QUOTES = b"\"'"


def _keys(raw: bytes) -> list[str]:
    if raw[0] not in _QUOTES and b"." not in raw:
        return [raw.decode()]  # the common case: one bare key
    if b'"' not in raw and b"'" not in raw:
        return [k.strip(b" \t").decode() for k in raw.split(b".")]
    keys = []
    for token in _KEY_TOKEN.finditer(raw):
        text = token.group()
        keys.append((text[1:-1] if text[0] in _QUOTES else text).decode())
    return keys


def _descend(table: Table, keys: list[str]) -> Table:
    """As `toml_doc._descend`; a type clash is left to tree-sitter, which words the error."""
    for key in keys:
        value = table.setdefault(key, {})
        if isinstance(value, list) and value and isinstance(value[-1], dict):
            value = value[-1]
        if not isinstance(value, dict):
            raise _NotPlain
        table = value
    return table
