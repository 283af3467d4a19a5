"""What `init` learns about the shape of the train from the repository's history and workflows:
release branches or not, the package whose version the release tags follow, and the packages a
release moves by minor while the others take a breaking bump.

- **No release branches** (`[release] branches = false`, the shape of bytecodealliance/wasm-tools
  and wit-bindgen) when the repository releases from its development branch: its newest release
  commit (one carrying the release marker) is on the development branch's first-parent line and
  no release branch (`release-*`) holds a newer one, or, without release commits, it has no
  release branch and a publish step that runs on pushes to the development branch or a publish
  script (`ci/publish.rs`...). Otherwise the default: release branches. Stale release branches
  (wasm-tools kept some from before it released from main) do not outweigh newer releases on
  main.
- **The train's version**: on such a train, the root package when it carries a version of its own
  (wasm-tools' `ci/print-current-version.sh` reads the root manifest's first `version`, so its
  tags are `v1.N.P`, the root package's, not the workspace's `0.N.P`); a package whose version is
  tagged `v<version>` wins over that guess.
- **API-stable packages**: packages at `1.M.p` with versions of their own while other packages
  are at `0.M.p` or `M.0.p` (the same M: the lines move together, one by minor while the others
  take a breaking bump) get `[[workspace.rule]] major = "minor"`.
"""

from __future__ import annotations

from pathlib import Path

from release_train.errors import WorkspaceError
from release_train.flows.setup import workflow_scan
from release_train.infra.git import Git
from release_train.model.branches import format_name, parse_name
from release_train.model.marker import has_marker
from release_train.values import dataclass
from release_train.workspaces.interface import Workspace

WINDOW = 400  # commits of the development branch read for release commits
PUBLISH_SCRIPTS = ("ci/publish.rs", "publish", "scripts/publish.sh", "ci/publish.sh")


@dataclass(frozen=True)
class Shape:
    branches: bool
    why: tuple[str, ...]  # the evidence, for people
    version_from: str = ""  # the package whose version the tags follow ("": as derived before)
    minor: tuple[str, ...] = ()  # packages a release moves by minor (a [[workspace.rule]])
    minor_why: str = ""


def guess(root: Path, main: str, ws: Workspace, *, marker: str, release_pattern: str, tag: str) -> Shape:
    git = Git(root)
    branches, why = _branches(root, git, main, marker, release_pattern)
    minor, minor_why = _api_stable(ws)
    version_from = "" if branches else _tagged_package(git, ws, tag, root)
    return Shape(branches, tuple(why), version_from, minor, minor_why)


def _branches(root: Path, git: Git, main: str, marker: str, pattern: str) -> tuple[bool, list[str]]:
    releases = _release_branches(git, pattern)
    on_main = _newest_release_commit(git, _ref(git, main), marker, first_parent=True)
    newest_branch = max(
        (found for b in releases if (found := _newest_release_commit(git, b, marker)) is not None),
        default=None,
    )
    example = format_name(pattern, "*")
    if on_main is not None and (newest_branch is None or newest_branch[0] <= on_main[0]):
        said = [f"the newest release commit is on {main}: {on_main[1]}"]
        if releases:
            said.append(f"older release commits are on {len(releases)} branch(es) {example}: no longer used")
        return False, said
    if newest_branch is not None:
        return True, [f"the newest release commit is on a release branch: {newest_branch[1]}"]
    if releases:
        return True, [f"{len(releases)} release branch(es) {example}"]
    publishing = _publishes_from_main(root, main, marker)
    if publishing:
        return False, [f"no release branch {example}; releases are published from {main}: {publishing}"]
    return True, [f"no release process found: the default train, which cuts release branches {example}"]


def _ref(git: Git, branch: str) -> str:
    remote = f"refs/remotes/origin/{branch}"
    return remote if git.rev_parse(remote) is not None else branch


def _release_branches(git: Git, pattern: str) -> list[str]:
    """A ref of each release branch: the origin's, else the local one."""
    glob = format_name(pattern, "*")
    found: dict[str, str] = {}
    for ref in sorted(git.refs(f"refs/heads/{glob}", f"refs/remotes/origin/{glob}"), reverse=True):
        name = ref.removeprefix("refs/remotes/origin/").removeprefix("refs/heads/")
        if parse_name(pattern, name) is not None:
            found.setdefault(name, ref)  # reversed, refs/remotes/ comes before refs/heads/
    return sorted(found.values())


def _newest_release_commit(
    git: Git, ref: str, marker: str, *, first_parent: bool = False
) -> tuple[int, str] | None:
    """(committer time, "<sha> <subject>") of the newest commit of `ref` carrying the marker."""
    if git.rev_parse(ref) is None:
        return None
    args = ["log", f"-{WINDOW}", "--format=%H%x00%ct%x00%s%x00%B%x1e"]
    out = git.run(*args, *(["--first-parent"] if first_parent else []), ref, check=False)
    for record in out.split("\x1e"):
        parts = record.strip("\n").split("\x00", 3)
        if len(parts) == 4 and has_marker(parts[3], marker):
            return int(parts[1]), f"{parts[0][:10]} {parts[2]}"
    return None


def _publishes_from_main(root: Path, main: str, marker: str) -> str:
    """Why the repository looks like it publishes from `main` ("" when it does not)."""
    try:
        workflows = workflow_scan.scan(root, marker)
    except WorkspaceError:  # a broken workflow says nothing here (`init --github` names it)
        workflows = []
    for workflow in workflows:
        if workflow.releases and workflow_scan.covers(workflow.push_branches, main):
            return f"{workflow.path} ({workflow.name}) releases on pushes to {main}"
    scripts = [s for s in PUBLISH_SCRIPTS if (root / s).is_file()]
    return f"a publish script {scripts[0]}" if scripts else ""


def _api_stable(ws: Workspace) -> tuple[tuple[str, ...], str]:
    publishable = ws.publishable()
    stable = [p for p in publishable if p.version.major == 1 and not p.inherits_version]
    minors = {p.version.minor for p in stable}
    if len(minors) != 1 or min(minors) < 2:
        return (), ""
    m = minors.pop()
    others = [
        p for p in publishable if p not in stable and (p.version.major, p.version.minor) in ((0, m), (m, 0))
    ]
    if not others:
        return (), ""
    names = tuple(sorted(p.name for p in stable))
    lines = sorted({f"{p.version.major}.{p.version.minor}" for p in others})
    return names, (
        f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} at 1.{m} while the other packages are at "
        f"{' and '.join(f'{line}.x' for line in lines)}: a release moves them by minor while the others take "
        "a breaking bump"
    )


def _tagged_package(git: Git, ws: Workspace, tag: str, root: Path) -> str:
    """The package whose version is tagged, else the root package with a version of its own."""
    tags = set(git.tags(format_name(tag, "*")))
    candidates = sorted(ws.publishable(), key=lambda p: (p.directory.resolve() != root.resolve(), p.name))
    for p in candidates:
        if format_name(tag, str(p.version)) in tags:
            return p.name
    top = next((p for p in candidates if p.directory.resolve() == root.resolve()), None)
    return top.name if top is not None and not top.inherits_version else ""
