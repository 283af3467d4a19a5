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
_PLAIN_VALUE = (  # the same without the groups, for the pairs of an inline table
    rb"(?:" + _STRING + rb"|true|false|[+-]?(?:0|[1-9][0-9]*)"
    rb"|\[[ \t]*(?:" + _STRING + rb"[ \t]*(?:,[ \t]*" + _STRING + rb"[ \t]*)*,?[ \t]*)?\])"
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
_INLINE_PAIR = re.compile(
    rb"[ \t]*(?P<key>" + _KEYPATH + rb")[ \t]*=[ \t]*(?P<v>" + _PLAIN_VALUE + rb")[ \t]*(?P<sep>[,}])"
)
_INLINE_EMPTY = re.compile(rb"[ \t]*\}")
_INLINE_END = re.compile(_END)
_KEY_TOKEN = re.compile(_KEY)
_STRING_TOKEN = re.compile(_STRING)


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
        raw = m.group("key")
        if 0x2E in raw or 0x22 in raw or 0x27 in raw:
            keys = _keys(raw)
            table, key = _descend(current, keys[:-1]), keys[-1]
        else:
            table, key = current, raw.decode()
        if kind == "str":
            start, end = m.span(kind)
            table[key] = Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
        elif kind == "inline":
            table[key], pos = _inline(data, pos)
        else:
            table[key] = _value(data, m, kind)
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


def _target(table: Table, raw: bytes) -> tuple[Table, str]:
    """The table a pair's key path `raw` lands in, and its last key."""
    if 0x2E in raw or 0x22 in raw or 0x27 in raw:
        keys = _keys(raw)
        return _descend(table, keys[:-1]), keys[-1]
    return table, raw.decode()  # the common case: one bare key


def _inline(data: bytes, pos: int) -> tuple[Table, int]:
    """The inline table whose `{` ends before `pos`, and where its line ends."""
    inline: Table = {}
    match_pair, first = _INLINE_PAIR.match, True
    while True:
        pair = match_pair(data, pos)
        if pair is None:  # only `{ }` may have no pair; nothing may follow a comma but a pair
            empty = _INLINE_EMPTY.match(data, pos) if first else None
            if empty is None:
                raise _NotPlain
            pos = empty.end()
            break
        first = False
        raw, sep = pair.group("key", "sep")
        if 0x2E in raw or 0x22 in raw or 0x27 in raw:
            keys = _keys(raw)
            table, key = _descend(inline, keys[:-1]), keys[-1]
        else:
            table, key = inline, raw.decode()
        start, end = pair.span("v")
        if data[start] in b"\"'":
            table[key] = Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
        else:
            table[key] = _scalar(data, start, end)
        pos = pair.end()
        if sep == b"}":
            break
    end_of_line = _INLINE_END.match(data, pos)
    if end_of_line is None:
        raise _NotPlain
    return inline, end_of_line.end()


def _scalar(data: bytes, start: int, end: int) -> object:
    """A boolean, an integer or an array of strings (as `_VALUE` allows) at `data[start:end]`."""
    first = data[start]
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


def _value(data: bytes, m: re.Match[bytes], kind: str) -> object:
    if kind == "str":
        start, end = m.span(kind)
        return Str(data[start + 1 : end - 1].decode(), start + 1, end - 1, data)
    return _scalar(data, *m.span(kind))


def _keys(raw: bytes) -> list[str]:
    if 0x22 not in raw and 0x27 not in raw:  # bare keys, maybe dotted
        if 0x20 in raw or 0x09 in raw:
            return [k.strip(b" \t").decode() for k in raw.split(b".")]
        return raw.decode().split(".")
    keys = []
    for token in _KEY_TOKEN.finditer(raw):
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
