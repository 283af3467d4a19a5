"""PEP 440 versions at the boundary of a Python workspace.

The train has one version value (`model/version.py` `Version`, semver-shaped) that tags, branches
and notes use, whatever the ecosystem: a repository with a Cargo and a Python workspace moves both
with one bump. A Python workspace reads PEP 440 text from its files, converts it to the train's
`Version` here, does its arithmetic there, and writes PEP 440's normalised spelling back:

| PEP 440 (any spelling)      | train       |
|-----------------------------|-------------|
| 1.2.3                       | 1.2.3       |
| 1.2 (release padded)        | 1.2.0       |
| 1.2.3rc1, 1.2.3-rc.1        | 1.2.3-rc.1  |
| 1.2.3a2 / 1.2.3b2           | 1.2.3-alpha.2 / 1.2.3-beta.2 |
| 1.2.3.dev0                  | 1.2.3-dev   |
| 1.2.3.dev4                  | 1.2.3-dev.4 |

Versions the train cannot represent are refused: an epoch (`1!2.0`), a post release (`1.0.post1`),
a local version (`1.0+abc`), more than three release numbers (`1.2.3.4`), and a pre-release that
is also a dev release (`1.0rc1.dev0`). `packaging` reads the text; it is imported on first use (the
Cargo path never needs it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from release_train.model.version import Version, VersionError

if TYPE_CHECKING:
    from packaging.version import Version as Pep440

_TRAIN_PRE = {"a": "alpha", "b": "beta", "rc": "rc"}
_PEP_PRE = {"alpha": "a", "beta": "b", "rc": "rc"}
_PRE = re.compile(r"^(alpha|beta|rc|dev)(?:\.(0|[1-9][0-9]*))?$")


def parse_pep440(text: str) -> Pep440:
    """The PEP 440 version `text` spells; `VersionError` when it is not one."""
    from packaging.version import InvalidVersion
    from packaging.version import Version as Pep440

    try:
        return Pep440(text)
    except InvalidVersion:
        raise VersionError(f"{text!r} is not a PEP 440 version") from None


def to_train(text: str) -> Version:
    """The train's `Version` for the PEP 440 version `text` (see the table above)."""
    v = parse_pep440(text)
    refused = _refusal(v)
    if refused:
        raise VersionError(
            f"{text!r} {refused}, which the train's versions (MAJOR.MINOR.PATCH[-rc.N]) cannot carry"
        )
    major, minor, patch = (*v.release, 0, 0)[:3]
    pre = ""
    if v.pre is not None:
        pre = f"{_TRAIN_PRE[v.pre[0]]}.{v.pre[1]}"
    elif v.dev is not None:
        pre = "dev" if v.dev == 0 else f"dev.{v.dev}"
    return Version(major, minor, patch, pre)


def _refusal(v: Pep440) -> str:
    if v.epoch:
        return f"has an epoch ({v.epoch}!)"
    if v.post is not None:
        return f"is a post release (.post{v.post})"
    if v.local is not None:
        return f"has a local version (+{v.local})"
    if len(v.release) > 3:
        return f"has {len(v.release)} release numbers"
    if v.pre is not None and v.dev is not None:
        return "is both a pre-release and a dev release"
    return ""


def to_pep440(version: Version) -> str:
    """PEP 440's normalised spelling of a train version: 1.2.3-rc.1 -> 1.2.3rc1, 1.2.3-dev ->
    1.2.3.dev0. `VersionError` for what PEP 440 cannot spell (build metadata, other suffixes)."""
    text = f"{version.major}.{version.minor}.{version.patch}"
    if version.build:
        raise VersionError(f"{version} has build metadata (+{version.build}), which PEP 440 cannot carry")
    if not version.pre:
        return text
    match = _PRE.match(version.pre)
    if match is None:
        raise VersionError(
            f"{version} has the pre-release {version.pre!r}, which has no PEP 440 spelling "
            "(use -alpha.N, -beta.N, -rc.N, -dev or -dev.N)"
        )
    kind, number = match.group(1), match.group(2) or "0"
    if kind == "dev":
        return f"{text}.dev{number}"
    return f"{text}{_PEP_PRE[kind]}{number}"


def same(text: str, version: Version) -> bool:
    """Whether the PEP 440 text names exactly `version` (1.2 and 1.2.0 are the same version)."""
    try:
        return parse_pep440(text) == parse_pep440(to_pep440(version))
    except VersionError:
        return False
