"""`uv.lock` after a bump: the `version` of each workspace member's own `[[package]]` entry.

uv writes the file itself in a fixed layout (`name`, then `version` unless the version is
dynamic, then `source`), and the entries of the workspace's own projects have a local source:
`{ editable = "path" }`, `{ virtual = "path" }` or `{ directory = "path" }`, relative to the lock
file. Requirements on them carry no version (uv records `{ name = "a", editable = "packages/a" }`
in `requires-dist`), so a line-level rewrite of those versions is all a bump needs, and it keeps
`uv lock --locked` satisfied without network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from release_train.workspaces.cargo_lock import splice

_PACKAGE = re.compile(
    rb'^\[\[package\]\]\r?\nname = "([^"\r\n]+)"\r?\nversion = "([^"\r\n]+)"\r?\n'
    rb'source = \{ (?:editable|virtual|directory) = "([^"\r\n]*)" \}',
    re.M,
)


def bump_uv_lock(data: bytes, lock_dir: str, changes: Mapping[str, tuple[str, str, str]]) -> bytes:
    """Rewrite members' versions. `changes` maps a member's directory (normalised, absolute) to
    (normalised name, old version as uv writes it, new version); an entry is rewritten when its
    local source is that directory and its name and version are the member's."""
    edits: list[tuple[int, int, bytes]] = []
    for match in _PACKAGE.finditer(data):
        source = os.path.normpath(os.path.join(lock_dir, match.group(3).decode()))  # noqa: PTH118
        change = changes.get(source)
        if change and match.group(1).decode() == change[0] and match.group(2).decode() == change[1]:
            edits.append((match.start(2), match.end(2), change[2].encode()))
    return splice(data, edits)
