"""Read a TOML file into plain values whose strings remember their byte position.

Edits must keep every byte of a manifest except the changed version strings, so we need the exact
span of each string value. `tree-sitter-toml` gives those spans from a real grammar. Most
manifests are plain enough for `toml_fast`, which reads them faster still and leaves the rest (and
every error) to tree-sitter. The result looks like `tomllib`'s output, except that every string
is a `Str` carrying its span and line. When the tree has an error, we ask `tomllib` for a precise
message (file, line, column).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.errors import WorkspaceError

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

Table = dict[str, Any]


class Str:
    """A TOML string value: its decoded text and the byte span of that text inside the quotes.

    A plain slotted class rather than a dataclass: a large workspace makes tens of thousands, and
    creating a dataclass type costs more start-up time than this module's whole parse of a
    100-crate workspace. The line is counted only when asked (error messages need it)."""

    __slots__ = ("_data", "end", "start", "value")

    def __init__(self, value: str, start: int, end: int, data: bytes) -> None:
        self.value = value
        self.start = start
        self.end = end
        self._data = data  # the whole file, shared by every string of it

    @property
    def line(self) -> int:
        """1-based line of the string's first character."""
        return self._data.count(b"\n", 0, self.start) + 1

    def __repr__(self) -> str:
        return f"Str({self.value!r}, {self.start}, {self.end}, line {self.line})"


_PARSER: list[Parser] = []
# Cargo's TOML parser refuses values nested deeper than this (arrays and inline tables): "cannot
# recurse further; max recursion depth met". The walk below stops there too, well before
# Python's own recursion limit.
MAX_DEPTH = 80


def _parser() -> Parser:
    if not _PARSER:  # imported here: most manifests never need tree-sitter (toml_fast.py)
        from tree_sitter import Language, Parser

        _PARSER.append(Parser(Language(_toml_grammar())))
    return _PARSER[0]


def _toml_grammar() -> object:
    """The compiled tree-sitter-toml grammar. The package's `__init__` imports
    `importlib.resources` (for a highlight query we never use), which pulls in tempfile, shutil,
    bz2, lzma...: about 12 ms, a tenth of a small `bump` (bench/bump.py). So load its compiled
    `_binding` module directly, found the way the import system finds it; fall back to the
    package import if anything about that layout differs."""
    if "tree_sitter_toml" not in sys.modules:
        from importlib.machinery import PathFinder

        package = PathFinder.find_spec("tree_sitter_toml")
        locations = package.submodule_search_locations if package else None
        spec = PathFinder.find_spec("tree_sitter_toml._binding", locations) if locations else None
        if spec is not None and spec.loader is not None:
            try:
                binding = spec.loader.create_module(spec)
                spec.loader.exec_module(binding)  # type: ignore[arg-type]
                return binding.language()  # type: ignore[union-attr]
            except (ImportError, AttributeError):
                pass
    import tree_sitter_toml

    return tree_sitter_toml.language()


def parse(path: Path, data: bytes) -> Table:
    """Parse `data` (the bytes of `path`); raise `WorkspaceError` naming the line on bad TOML."""
    from release_train.workspaces.toml_fast import parse_plain

    plain = parse_plain(data)  # most manifests: several times faster than the tree walk below
    return plain if plain is not None else parse_tree(path, data)


def parse_tree(path: Path, data: bytes) -> Table:
    """`parse` through tree-sitter alone: any TOML, and the precise errors."""
    root = _parser().parse(data).root_node
    if root.has_error:
        raise _syntax_error(path, data, root)
    doc: Table = {}
    for node in root.children:
        kind = node.type
        if kind == "pair":
            _pair(doc, node, data, path, 0)
        elif kind in {"table", "table_array_element"}:
            children = node.children
            keys = _key(children[1], data)
            if kind == "table":
                target = _descend(doc, keys, path, node)
            else:
                parent = _descend(doc, keys[:-1], path, node)
                array = parent.setdefault(keys[-1], [])
                if not isinstance(array, list):
                    raise _duplicate(path, node, keys)
                target = {}
                array.append(target)
            for child in children[3:]:
                if child.type == "pair":
                    _pair(target, child, data, path, 0)
    return doc


def _descend(table: Table, keys: list[str], path: Path, node: Node) -> Table:
    for key in keys:
        value = table.setdefault(key, {})
        if isinstance(value, list) and value and isinstance(value[-1], dict):
            value = value[-1]  # [[bin]] then [bin.x]: the last element of the array of tables
        if not isinstance(value, dict):
            raise _duplicate(path, node, keys)
        table = value
    return table


def _pair(table: Table, node: Node, data: bytes, path: Path, depth: int) -> None:
    children = node.children  # key, "=", value, and a trailing comment if any
    key, value = children[0], children[2]
    if key.type == "bare_key":  # the common case, without building a key list
        table[data[key.start_byte : key.end_byte].decode()] = _value(value, data, path, depth)
        return
    keys = _key(key, data)
    target = _descend(table, keys[:-1], path, node)
    target[keys[-1]] = _value(value, data, path, depth)


def _key(node: Node, data: bytes) -> list[str]:
    """The parts of a key. A dotted key is a left-recursive tree (`a.b.c` is `(a.b).c`): walked
    down its left spine in a loop, so a key of any length reads without recursion."""
    keys: list[str] = []
    while node.type == "dotted_key":
        parts = [c for c in node.children if c.type != "."]
        keys.extend(reversed([_simple_key(c, data) for c in parts[1:]]))
        node = parts[0]
    keys.append(_simple_key(node, data))
    return keys[::-1]


def _simple_key(node: Node, data: bytes) -> str:
    raw = data[node.start_byte : node.end_byte]
    return _decode(raw) if node.type == "quoted_key" else raw.decode()


def _value(node: Node, data: bytes, path: Path, depth: int) -> Any:  # noqa: PLR0911  (one return per TOML type reads best)
    kind = node.type
    if kind == "string":
        start, end = node.start_byte, node.end_byte
        quote = 3 if end - start >= 6 and data[start + 1] == data[start + 2] == data[start] else 1
        if data[start] == 0x22 and 0x5C in data[start:end]:  # a basic string with a backslash
            return Str(_decode(data[start:end]), start + quote, end - quote, data)
        return Str(data[start + quote : end - quote].decode(), start + quote, end - quote, data)
    if kind in ("inline_table", "array") and depth >= MAX_DEPTH:
        raise WorkspaceError(
            f"{path}:{node.start_point.row + 1}: malformed TOML: values nested more than {MAX_DEPTH} "
            "levels deep (cargo refuses them: max recursion depth met)",
            hint="flatten the nested arrays or inline tables",
        )
    if kind == "inline_table":
        table: Table = {}
        for child in node.children:
            if child.type == "pair":
                _pair(table, child, data, path, depth + 1)
        return table
    if kind == "boolean":
        return data[node.start_byte] == 0x74  # "t"
    if kind == "array":
        return [_value(c, data, path, depth + 1) for c in node.named_children if c.type != "comment"]
    text = data[node.start_byte : node.end_byte].decode()
    if kind == "integer":
        return int(text.replace("_", ""), 0)
    if kind == "float":
        return float(text.replace("_", ""))
    return text  # dates and times: kept as written; manifests never need them


def _decode(raw: bytes) -> str:
    """A quoted string or key with escapes: let the standard parser decode it (rare)."""
    if raw[0:1] == b"'" or b"\\" not in raw:
        quote = 3 if raw[:3] in (b'"""', b"'''") else 1
        return raw[quote:-quote].decode()
    import tomllib

    value = tomllib.loads(f"v = {raw.decode()}")["v"]
    assert isinstance(value, str)
    return value


def _duplicate(path: Path, node: Node, keys: list[str]) -> WorkspaceError:
    line = node.start_point.row + 1
    return WorkspaceError(
        f"{path}:{line}: malformed TOML: {'.'.join(keys)} is defined twice with different types",
        hint="remove or rename one of the two definitions",
    )


def _syntax_error(path: Path, data: bytes, root: Node) -> WorkspaceError:
    import tomllib

    try:
        tomllib.loads(data.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        return WorkspaceError(
            f"{path}: malformed TOML: {exc}", hint="fix the syntax at the line and column given"
        )
    except RecursionError:  # tomllib recurses once per nesting level: fall back on the tree
        pass
    bad = _first_error(root) or root
    line, column = bad.start_point.row + 1, bad.start_point.column + 1
    return WorkspaceError(
        f"{path}: malformed TOML (at line {line}, column {column})",
        hint="fix the syntax at the line and column given",
    )


def _first_error(node: Node) -> Node | None:
    """The first node of the tree that is an error, walked down in a loop (nesting is unbounded)."""
    while not (node.type == "ERROR" or node.is_missing):
        child = next((c for c in node.children if c.has_error), None)
        if child is None:
            return None
        node = child
    return node
