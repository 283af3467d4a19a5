"""What the train flows share: reading the origin's branches, reading a version from a commit's
tree, and proposing a change as a bot branch plus a pull request.

A commit is read through a view of its tree in git's object database (`tree`: nothing checked
out, `flows/worktree.py`), and a proposal is committed there too (blobs, trees, `commit-tree`:
`infra/gitobjects.py`), so a flow's cost follows the files it touches, not the size of the
repository (bench/flows.py). `checkout` is for tools that need the files on disk.

A `Proposal` is computed completely at plan time (every file's new bytes, the commit message, the
PR title and body), so a refusal (a stale requirement, a notes section that is missing) happens
before anything changes, and `--dry-run` shows exactly what `apply` would do. Applying it is two
steps, each observing first: commit-and-push the bot branch unless the origin has it, then open
the PR unless one is open or merged already.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from release_train.config import Settings
from release_train.errors import RefusedError, ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Progress, Report, Step
from release_train.flows.worktree import reroot, temporary_worktree, tree_view
from release_train.infra.git import Git, toplevel
from release_train.model.marker import has_marker, release_message
from release_train.model.version import Operation, Version
from release_train.values import dataclass, replace

if TYPE_CHECKING:
    from release_train.flows.gates.verify import VerifyReport
    from release_train.flows.gates.verify_gate import VerifyGate
    from release_train.flows.train.bump import BumpPlan
    from release_train.flows.train.notes_files import NotesChange
    from release_train.workspaces.interface import Workspace

REMOTE = "origin"


# --- observing the origin --------------------------------------------------------------------------
def today(env: FlowEnv) -> date:
    """The day a flow dates its notes and PRs (UTC)."""
    return env.ctx.clock.now().astimezone(UTC).date()


def require_branches(settings: Settings, flow: str) -> None:
    """Refuse a flow of the branch train on a train without release branches."""
    if settings.release.branches:
        return
    raise RefusedError(
        f"{flow} works on release branches, and this train has none (`[release] branches = false`): "
        f"every release, patch releases too, is a PR to {settings.branches.main}",
        hint="propose a release with `release-train release [major|minor|patch]` "
        "(`tick` does it on the [schedule] release day); nothing was changed",
    )


def fetch(env: FlowEnv) -> None:
    env.git.fetch(REMOTE)


def remote_sha(env: FlowEnv, branch: str) -> str | None:
    """Where `branch` is on the origin right now (asked, not remembered from the last fetch)."""
    out = env.git.run("ls-remote", REMOTE, f"refs/heads/{branch}")
    return out.split()[0] if out.strip() else None


def fetched_sha(env: FlowEnv, branch: str) -> str | None:
    """Where `branch` was on the origin at this command's `fetch` (which prunes what the origin
    deleted): what a plan reads, with no round trip to the origin. Apply steps observe with
    `remote_sha`."""
    return env.git.rev_parse(f"refs/remotes/{REMOTE}/{branch}")


def require_remote_sha(env: FlowEnv, branch: str) -> str:
    sha = fetched_sha(env, branch)
    if sha is None:
        raise RefusedError(
            f"the origin has no branch {branch!r}",
            hint=f"push {branch} to the origin first (git push origin {branch}); nothing was changed",
        )
    return sha


def origin_branches(env: FlowEnv) -> list[str]:
    return env.git.branches(remote=REMOTE)


# --- paths inside the repository ------------------------------------------------------------------
def repo_path(env: FlowEnv, relative: str) -> str:
    """A path from the configuration (relative to the settings root) as a path inside the
    repository, for `git show REV:PATH` and for worktrees."""
    inside = (env.settings.root.resolve() / relative).resolve().relative_to(toplevel(env.git.path))
    return PurePosixPath(inside).as_posix()


def notes_path(env: FlowEnv) -> str:
    return repo_path(env, env.settings.release.notes)


def read_notes(env: FlowEnv, rev: str, branch: str) -> str:
    path = notes_path(env)
    data = env.git.show_file(rev, path)
    if data is None:
        raise RefusedError(
            f"{branch} has no {path}",
            hint=f"add {path} to {branch} (`release-train init` writes one from its template), then run again",
        )
    return data.decode()


# --- reading and bumping versions in a commit's tree ---------------------------------------------
@contextmanager
def tree(env: FlowEnv, rev: str) -> Iterator[Settings]:
    """The settings re-rooted in the tree of `rev`, read from git's objects (nothing on disk)."""
    with tree_view(env.settings, rev) as settings:
        yield settings


@contextmanager
def checkout(env: FlowEnv, rev: str) -> Iterator[tuple[Git, Settings]]:
    """A temporary worktree at `rev` and the settings re-rooted there: for a tool that needs
    the files on disk (the semver checker)."""
    with temporary_worktree(env.git, rev) as checked_out:
        yield checked_out, reroot(env.settings, checked_out.path)


def train_version(env: FlowEnv, rev: str) -> Version:
    from release_train.workspaces import load_workspace

    with tree(env, rev) as settings:
        return load_workspace(settings).train_version


@dataclass(frozen=True)
class Bumped:
    old: Version
    new: Version
    files: dict[str, bytes]  # path inside the repository -> new bytes
    lines: tuple[tuple[str, str, str], ...] = ()  # each version line: (label, old, new)
    publishes: tuple[tuple[str, str], ...] = ()  # (package, version) a tag of the result publishes, in order
    report: VerifyReport | None = None  # every check of `verify` at the commit, when `prepare` ran them
    error: ReleaseTrainError | None = None  # the bump failed too: raised once the gate has spoken
    train_rule: str = "major"  # what `major` does to the train's version (its package's [[workspace.rule]])

    def gate(self, env: FlowEnv, *, allow: bool, flow: str, where: str) -> VerifyGate:
        """The verify gate on the report (`flows/gates/verify_gate.py`): refuses with every problem
        listed unless `allow`; then a bump that could not be computed fails as it would alone."""
        from release_train.flows.gates import verify_gate

        assert self.report is not None, "prepare() runs the checks"
        gate = verify_gate.enforce(self.report, allow=allow, flow=flow, where=where, ctx=env.ctx)
        if self.error is not None:
            raise self.error
        return gate


def bump_at(env: FlowEnv, rev: str, op: Operation) -> Bumped:
    """The files a version operation would write at `rev`; nothing is written."""
    from release_train.workspaces import load_workspace

    with tree(env, rev) as settings:
        return _bumped(settings, load_workspace(settings), op)


def prepare(env: FlowEnv, rev: str, op: Operation | None, *, branch: str) -> Bumped:
    """In one view of `rev` (the tip of `branch`): every check of `verify`, then what `op`
    would write (None: nothing, the versions as they are). The flow calls `.gate(...)` next."""
    from release_train.flows.gates import verify
    from release_train.model.branches import release_branch_version
    from release_train.workspaces import load_workspace

    with tree(env, rev) as settings:
        ws = load_workspace(settings)
        day = today(env)
        on_release = release_branch_version(settings.branches.release, branch) is not None
        plans: dict[Operation, BumpPlan] = {}
        checks = verify.run_checks(settings, ws, release_branch=on_release, day=day, plans=plans)
        report = verify.VerifyReport(checks)
        rule = train_rule(settings, ws)
        if op is None:
            publishes = tuple((p.name, ws.spelled(p)) for p in ws.publish_order())
            return Bumped(ws.train_version, ws.train_version, {}, (), publishes, report, train_rule=rule)
        try:
            return replace(_bumped(settings, ws, op, plans.get(op)), report=report, train_rule=rule)
        except ReleaseTrainError as exc:
            if report.ok:
                raise
            # The gate speaks first, with every problem; this one is raised after it.
            return Bumped(ws.train_version, ws.train_version, {}, report=report, error=exc, train_rule=rule)


def train_rule(settings: Settings, ws: Workspace) -> str:
    """The `[[workspace.rule]]` of the package whose version is the train's ("major" when none)."""
    source = settings.project.version_from
    found = next((p for p in ws.packages if p.name == source), None) if source else None
    return found.major_rule if found is not None else "major"


def _bumped(settings: Settings, ws: Workspace, op: Operation, plan: BumpPlan | None = None) -> Bumped:
    """`op` computed on the workspace of a tree view (or the `plan` computed already); the files
    by their path in the repository (where a link in the commit leads: a bump writes through
    links that stay inside)."""
    from release_train.flows.train.bump import plan_bump
    from release_train.infra.treefiles import TreeFiles

    view = settings.tree
    assert isinstance(view, TreeFiles), "bumps are computed on a tree view"
    plan = plan or plan_bump(settings, op, ws)
    files = {posixpath.relpath(view.real(str(p)), view.top): data for p, data in plan.files.items()}
    publishes = tuple((p.name, ws.spelled(p, plan.new_versions[p.name])) for p in ws.publish_order())
    return Bumped(
        Version.parse(str(plan.old_version)),
        Version.parse(str(plan.new_version)),
        files,
        tuple(plan.lines),
        publishes,
    )


# --- proposing a change -------------------------------------------------------------------------
@dataclass(frozen=True)
class Proposal:
    base: str  # the branch the PR targets
    base_sha: str  # where it was when planned; the commit's parent
    head: str  # the bot branch
    message: str  # full commit message
    files: tuple[tuple[str, bytes], ...]  # path inside the repository -> new bytes
    pr_title: str
    pr_body: str
    draft: bool = False  # open the PR as a draft (held: a security release waits for its fixes)
    versions: tuple[tuple[str, str, str], ...] = ()  # the version lines the commit moves: (label, old, new)
    diffs: tuple[tuple[str, str], ...] = ()  # (path, unified diff) of each notes change
    publishes: tuple[tuple[str, str], ...] = ()  # a release PR: (package, version) its tag publishes

    @property
    def title(self) -> str:
        return self.message.splitlines()[0]

    def steps(self) -> tuple[Step, Step]:
        changed = ", ".join(path for path, _ in self.files) or "no files: an empty commit"
        versions = [f"version {label}: {old} -> {new}" for label, old, new in self.versions]
        diffs = [f"  {line}" for _, diff in self.diffs for line in diff.rstrip("\n").split("\n")]
        commit = Step(
            f"commit:{self.head}",
            "commit",
            f"commit {self.title!r} on {self.head} from {self.base} ({self.base_sha[:10]}) and push it",
            (
                f"changes: {changed}",
                *versions,
                *(f"| {line}" for line in self.message.rstrip().splitlines()),
                *diffs,
            ),
            _facts(
                versions=[{"line": label, "old": old, "new": new} for label, old, new in self.versions],
                diffs=[{"path": path, "diff": diff} for path, diff in self.diffs],
            ),
        )
        pr = Step(
            f"pr:{self.head}",
            "pr",
            f"open a PR {self.head} -> {self.base}: {self.pr_title!r}",
            tuple(f"| {line}" for line in self.pr_body.rstrip().splitlines()),
            _facts(publishes=[{"package": name, "version": version} for name, version in self.publishes]),
        )
        return commit, pr


def release_proposal(
    env: FlowEnv,
    bumped: Bumped,
    *,
    base: str,
    base_sha: str,
    head: str,
    pr_body: str,
    notes: NotesChange | None = None,
    draft: bool = False,
) -> Proposal:
    """The commit "Release <Project> V" with the release marker (V: `bumped.new`): the bump's
    files and the `notes` change, on `head` from `base`; the plan lists what its tag publishes."""
    s = env.settings
    title = f"Release {s.project_name} {bumped.new}"
    files = {**bumped.files, **(notes.files() if notes is not None else {})}
    return Proposal(
        base=base,
        base_sha=base_sha,
        head=head,
        message=release_message(title, s.release.marker),
        files=tuple(sorted(files.items())),
        pr_title=title,
        pr_body=pr_body,
        draft=draft,
        versions=bumped.lines,
        diffs=notes.diffs() if notes is not None else (),
        publishes=bumped.publishes,
    )


def carry_marker(proposals: Sequence[Proposal], marker: str) -> list[Proposal]:
    """Each proposal whose commit carries the release marker gets it at the end of its PR body
    too, on a line of its own (outside any quote or code block): a squash merge that takes the PR
    description as its message (GitHub's `PR_BODY` default) then still tags the release."""
    note = (
        "The last line is the release marker: a squash merge that uses this description as its "
        "commit message keeps it. Keep it on a line of its own."
    )
    return [
        replace(p, pr_body=f"{p.pr_body.rstrip()}\n\n{note}\n\n{marker}\n")
        if has_marker(p.message, marker) and not has_marker(p.pr_body, marker)
        else p
        for p in proposals
    ]


def _facts(**values: list[dict[str, str]]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}


def versions_markdown(lines: tuple[tuple[str, str, str], ...]) -> str:
    """The "Versions" section of a bump PR's body: each version line old -> new."""
    if not lines:
        return ""
    listed = "\n".join(f"- {label}: {old} -> {new}" for label, old, new in lines)
    return f"### Versions\n\n{listed}\n"


def publishes_markdown(tag: str, publishes: tuple[tuple[str, str], ...]) -> str:
    """The "Packages" section of a release PR's body: what the tag will publish, in order."""
    if not publishes:
        return ""
    listed = "\n".join(f"{n}. {name} {version}" for n, (name, version) in enumerate(publishes, 1))
    return f"### Packages\n\nThe tag `{tag}` will publish, in this order:\n\n{listed}\n"


def bot_branch(settings: Settings, purpose: str) -> str:
    return f"{settings.branches.bot_prefix}{purpose}"


def commit_env(env: FlowEnv) -> dict[str, str]:
    """Commits carry the flow's clock as their date, so a re-run makes the very same commit."""
    stamp = env.ctx.clock.now().isoformat()
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def commit(env: FlowEnv, proposal: Proposal) -> str:
    """The proposal's commit on its base, made in git's object database (no checkout); the
    same commit on a re-run (the flow's clock dates it). Not on any branch until pushed."""
    from release_train.infra.gitobjects import commit_files

    files = dict(proposal.files)
    return commit_files(env.git, proposal.base_sha, files, proposal.message, env=commit_env(env))


def push_branch(env: FlowEnv, repo: Path, sha: str, branch: str) -> None:
    env.forge.push(repo, [f"{sha}:refs/heads/{branch}"])


def apply_proposals(env: FlowEnv, progress: Progress, proposals: Iterable[Proposal]) -> Report:
    """Each proposal in turn (`apply_proposal`), then the report of everything `progress` saw."""
    for proposal in proposals:
        apply_proposal(env, progress, proposal)
    return progress.report()


def apply_proposal(env: FlowEnv, progress: Progress, proposal: Proposal) -> None:
    commit_step, pr_step = proposal.steps()
    pr = env.forge.find_pr(proposal.head, proposal.base, state=None)
    if pr is not None and pr.state == "merged":
        # The forge deletes a merged head branch; pushing it again would only leave litter.
        for step in (commit_step, pr_step):
            progress.skipped(
                step, f"PR #{pr.number} {proposal.head} -> {proposal.base} is already merged", pr=pr.number
            )
        return
    existing = remote_sha(env, proposal.head)
    if existing is not None:
        progress.skipped(commit_step, f"{proposal.head} is already on the origin", sha=existing)
    else:
        sha = commit(env, proposal)
        push_branch(env, env.git.path, sha, proposal.head)
        progress.done(commit_step, f"pushed {proposal.head}: {proposal.title}", sha=sha)
    pr = env.forge.find_pr(proposal.head, proposal.base, state="open")
    if pr is not None:
        progress.skipped(
            pr_step, f"PR #{pr.number} {proposal.head} -> {proposal.base} is already {pr.state}", pr=pr.number
        )
        return
    pr = env.forge.open_pr(
        proposal.head, proposal.base, proposal.pr_title, proposal.pr_body, draft=proposal.draft
    )
    progress.done(
        pr_step, f"opened PR #{pr.number} {proposal.head} -> {proposal.base}: {pr.title}", pr=pr.number
    )


def release_branch_pattern_glob(settings: Settings) -> str:
    return settings.branches.release.replace("{version}", "*")
