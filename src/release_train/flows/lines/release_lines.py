"""Release lines: every release branch with its version, release date and support window.

Used by `status` and `branches`, and by backport, patch and security flows (`--to supported`
means `supported(...)`). The forge is the source of truth: when the working repository has an
`origin`, it is fetched first and the branches are read from `refs/remotes/origin/`; a repository
without `origin` is read from its local branches.

The release date of a line is the committer date (UTC) of the commit that carries its first final
tag: the lowest non-pre-release tag whose version has the branch's major and minor
(`release-27.0.0` -> `v27.0.0`, `v27.0.1`...). Release-candidate tags do not release a line; a
line with none yet is "not released" (supported, no end date: see `model/policy.py`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from release_train.config import Settings
from release_train.flows.env import FlowEnv
from release_train.infra.git import Git
from release_train.model.branches import parse_name, release_branch_version
from release_train.model.policy import SupportPolicy
from release_train.model.version import Version
from release_train.values import dataclass


@dataclass(frozen=True)
class Line:
    branch: str
    version: Version
    release_date: date | None  # None: not released yet
    lts: bool
    supported_until: date | None  # the last supported day, inclusive; None: not released yet
    supported: bool
    latest_tag: str | None = None  # the highest tag of the line (an rc counts), None before any
    head: str = ""  # the branch's commit

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "version": str(self.version),
            "latest_tag": self.latest_tag,
            "release_date": self.release_date.isoformat() if self.release_date else None,
            "lts": self.lts,
            "supported_until": self.supported_until.isoformat() if self.supported_until else None,
            "supported": self.supported,
        }


def release_lines(source: FlowEnv | Git, settings: Settings, now: datetime | date) -> list[Line]:
    """Every release branch, oldest line first (numeric order of versions, never dates)."""
    git = source.git if isinstance(source, FlowEnv) else source
    today = now.astimezone(UTC).date() if isinstance(now, datetime) else now
    heads = _release_branches(git, settings.branches.release)
    tags = _tag_versions(git, settings.release.tag)
    policy = SupportPolicy.from_settings(settings.support)
    dates = commit_dates(git, [sha for _, sha, _ in tags])
    lines: list[Line] = []
    for branch, (version, head) in sorted(heads.items(), key=lambda item: item[1][0]):
        own = [
            (v, name, sha) for name, sha, v in tags if (v.major, v.minor) == (version.major, version.minor)
        ]
        finals = sorted((v, name, sha) for v, name, sha in own if not v.is_prerelease)
        released = dates.get(finals[0][2]) if finals else None
        lines.append(
            Line(
                branch=branch,
                version=version,
                release_date=released,
                lts=policy.is_lts(version),
                supported_until=policy.supported_until(version, released),
                supported=policy.is_supported(version, released, today),
                latest_tag=max(own)[1] if own else None,
                head=head,
            )
        )
    return lines


def supported(source: FlowEnv | Git, settings: Settings, now: datetime | date) -> list[Line]:
    """The release lines that still get patch releases today (what `--to supported` names)."""
    return [line for line in release_lines(source, settings, now) if line.supported]


def _release_branches(git: Git, pattern: str) -> dict[str, tuple[Version, str]]:
    """branch name -> (its version, its commit), from origin when there is one."""
    glob = pattern.replace("{version}", "*")
    if git.ok("remote", "get-url", "origin"):
        git.fetch("origin")
        prefix = "refs/remotes/origin/"
    else:
        prefix = "refs/heads/"
    found: dict[str, tuple[Version, str]] = {}
    for ref, sha in git.refs(prefix + glob).items():
        name = ref.removeprefix(prefix)
        version = release_branch_version(pattern, name)
        if version is not None:
            found[name] = (version, sha)
    return found


def _tag_versions(git: Git, pattern: str) -> list[tuple[str, str, Version]]:
    """(tag, commit, version) of every tag that follows the tag pattern."""
    found = []
    for name, sha in git.tags(pattern.replace("{version}", "*")).items():
        version = parse_name(pattern, name)
        if version is not None:
            found.append((name, sha, version))
    return found


def commit_dates(git: Git, shas: list[str]) -> dict[str, date]:
    """The UTC committer date of each commit, in one git call."""
    unique = sorted(set(shas))
    if not unique:
        return {}
    out = git.run("show", "--no-patch", "--format=%H %ct", *unique)
    dates: dict[str, date] = {}
    for line in out.splitlines():
        sha, _, stamp = line.partition(" ")
        if stamp.isdigit():
            dates[sha] = datetime.fromtimestamp(int(stamp), UTC).date()
    return dates
