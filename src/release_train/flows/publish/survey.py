"""What each tag of a publish needs: its tree, workspace and journal (`opened`), and what the
registry has of it (`survey`: the registry is the source of truth; what is left is a job, a new
crate or a new version of a crate it has; a version an earlier run uploaded but the index does
not show yet, as the journal says, is only waited for; a version the index lists with files
missing is a job that uploads the rest).

A tag is read from its own tree (`open_tree`), so the sources are exactly the tag's and the
user's checkout is never touched; a release about to be tagged is read from its commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from release_train.config import Settings
from release_train.errors import RefusedError
from release_train.flows.publish.execute import RESUME
from release_train.flows.publish.journal import Journal
from release_train.infra.git import Git
from release_train.model.branches import format_name, parse_name
from release_train.model.pacing import Job
from release_train.registries.interface import PublishedVersion, Registry
from release_train.values import dataclass
from release_train.workspaces import load_workspace
from release_train.workspaces.interface import Workspace

RESUME_COMMAND = "release-train publish --tag {tag}"  # the command that finishes a tag's publish


# --- the tags' trees ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Opened:
    """One tag's sources on disk (its workspace in a temporary tree) and its journal."""

    tag: str
    commit: str
    workspace: Workspace
    journal: Journal


@contextmanager
def open_tree(git: Git, commit: str) -> Iterator[Path]:
    """The files of `commit` on disk, for cargo: how a tag's tree is brought out, in one place."""
    from release_train.flows.worktree import temporary_worktree

    with temporary_worktree(git, commit) as tree:
        yield tree.path


def resolve_tag(settings: Settings, git: Git, tag: str | None) -> tuple[str, str]:
    """(tag, commit): the given tag, or the tag of the checked-out workspace's version."""
    if tag is None:
        version = load_workspace(settings).train_version
        tag = format_name(settings.release.tag, version)
    commit = git.rev_parse(f"refs/tags/{tag}")
    if commit is None:
        raise RefusedError(
            f"there is no tag {tag} in {settings.root}",
            hint="fetch it (git fetch --tags) or name another with --tag",
        )
    return tag, commit


@contextmanager
def opened(
    settings: Settings, sources: Sequence[tuple[str | None, str]], *, git: Git
) -> Iterator[list[Opened]]:
    """Each (tag, commit) of `sources` (in the working repository `git`) opened, oldest version
    first; a tag of None is the tag of the workspace version at that commit (a release about to
    be tagged)."""
    with ExitStack() as stack:
        found = [_open(settings, stack.enter_context(open_tree(git, c)), t, c) for t, c in sources]
        yield sorted(found, key=lambda o: o.workspace.train_version)


def _open(settings: Settings, tree: Path, tag: str | None, commit: str) -> Opened:
    """The workspace at `tree` and its tag's journal; refuses a tag whose name does not match
    the version in its tree."""
    from release_train.flows.worktree import reroot

    ws = load_workspace(reroot(settings, tree))
    if tag is None:
        tag = format_name(settings.release.tag, ws.train_version)
    wanted = parse_name(settings.release.tag, tag)
    if wanted is not None and wanted != ws.train_version:
        raise RefusedError(
            f"tag {tag} is on a commit whose workspace version is {ws.train_version}",
            hint="publish the tag of that version, or fix the tag",
        )
    journal = Journal.open(settings.resolve(settings.publish.journal_dir), tag, str(ws.train_version), commit)
    return Opened(tag, commit, ws, journal)


# --- what each tag needs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """One tag of a publish: its packages, those the registry has, the jobs left (named by crate)."""

    tag: str
    version: str
    commit: str
    registry: str  # its label, for people
    packages: tuple[tuple[str, str], ...]  # (name, version) of every package, in publish order
    present: tuple[PublishedVersion, ...]  # already in the registry, as its index lists them
    jobs: tuple[Job, ...]  # to upload (or, action "resume", to wait for)

    def header(self) -> str:
        return (
            f"publish {self.tag} ({self.commit[:10]}) to {self.registry}: "
            f"{len(self.jobs)} to upload, {len(self.present)} already there"
        )

    def facts(self) -> dict[str, Any]:
        """What observers get with the header (the CI summary's table): every package with its
        version and whether it is in the registry already, and the command that resumes."""
        packages = [{"crate": p.name, "version": p.version, "state": "present"} for p in self.present]
        packages += [{"crate": j.name, "version": j.version, "state": j.action} for j in self.jobs]
        return {"tag": self.tag, "packages": packages, "resume": RESUME_COMMAND.format(tag=self.tag)}

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "version": self.version,
            "commit": self.commit,
            "registry": self.registry,
            "already_published": [{"crate": p.name, "version": p.version} for p in self.present],
        }


def survey(registry: Registry | None, tag: Opened) -> Part:
    """What the registry has of `tag` and what is left. Without a registry to ask, nothing is
    there and every package is a new version of a crate it has (a patch release's case)."""
    from release_train.workspaces.graph import publish_edges

    packages = tag.workspace.publish_order()
    names = {p.name for p in packages}
    edges = publish_edges(tag.workspace)
    present: list[PublishedVersion] = []
    jobs: list[Job] = []
    spelled = tag.workspace.spelled  # each version as the registry lists it (Python: PEP 440)
    for pkg in packages:
        versions = registry.versions(pkg.name) if registry is not None else None
        there = versions.get(spelled(pkg)) if versions else None
        if there is not None and _complete(there, tag.journal.files.get(pkg.name, {})):
            present.append(there)
            continue
        deps = frozenset(edges[pkg.name] & names)
        if tag.journal.crates.get(pkg.name) == "uploaded":
            action = RESUME  # landed in an earlier run; only the index wait is left
        else:
            action = "new-crate" if versions == {} else "new-version"
        jobs.append(Job(pkg.name, spelled(pkg), action, deps))
    return Part(
        tag.tag,
        str(tag.workspace.train_version),
        tag.commit,
        registry.label if registry is not None else "(no registry asked)",
        tuple((p.name, spelled(p)) for p in packages),
        tuple(present),
        tuple(jobs),
    )


def _complete(there: PublishedVersion, ours: dict[str, str]) -> bool:
    """The index has every file of the version: not partial, and each file an earlier run
    packaged (the journal's) listed. Else what is missing is uploaded (a run killed between a
    distribution's sdist and wheel); a file of the same name with other bytes is refused then."""
    return not there.partial and all(name in there.files for name in ours)
