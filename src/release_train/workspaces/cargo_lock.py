"""`Cargo.lock` after a bump: the version of each workspace member's entry, and the
`"name version"` references cargo writes inside `dependencies = [...]` when a name is ambiguous.

Cargo writes this file itself in a fixed layout (`name`, `version`, then `source` for registry
packages only), so a line-level rewrite is exact; no network (`cargo fetch`) is needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from release_train.model.version import Version

# A [[package]] block: cargo always writes name then version; members have no `source` line.
_PACKAGE = re.compile(
    rb'^\[\[package\]\]\r?\nname = "([^"\r\n]+)"\r?\nversion = "([^"\r\n]+)"\r?\n(source = )?', re.M
)
# A reference inside `dependencies = [...]`, disambiguated by version but not by source.
_REFERENCE = re.compile(rb'^ "([^" \r\n]+) ([^" \r\n]+)",?\r?$', re.M)


def bump_lock(data: bytes, changes: Mapping[str, tuple[Version, Version]]) -> bytes:
    """Rewrite members' versions: `changes` maps a member name to (old, new)."""
    wanted = {name.encode(): (str(old).encode(), str(new).encode()) for name, (old, new) in changes.items()}
    edits: list[tuple[int, int, bytes]] = []
    for match in _PACKAGE.finditer(data):
        change = wanted.get(match.group(1))
        if change and match.group(3) is None and match.group(2) == change[0]:
            edits.append((match.start(2), match.end(2), change[1]))
    for match in _REFERENCE.finditer(data):
        change = wanted.get(match.group(1))
        if change and match.group(2) == change[0]:
            edits.append((match.start(2), match.end(2), change[1]))
    return splice(data, edits)


def splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each (start, end) span with its bytes; spans never overlap."""
    if not edits:
        return data
    out: list[bytes] = []
    pos = 0
    for start, end, text in sorted(edits):
        out += (data[pos:start], text)
        pos = end
    out.append(data[pos:])
    return b"".join(out)
