"""The git side of a backport: what is being carried (a commit, or a merged PR's commit), whether
a release branch has it already, and the cherry-pick itself.

The cherry-pick is made at plan time in a temporary worktree: it only writes objects (no ref, no
file the user sees), its commit is dated by the flow's clock, so planning twice gives the very
same commit, and a conflict is known before anything is pushed (`--dry-run` shows it).
"""

from __future__ import annotations

from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.worktree import temporary_worktree
from release_train.infra import proc
from release_train.model.marker import has_marker
from release_train.values import dataclass


@dataclass(frozen=True)
class Source:
    sha: str
    id: str  # "pr12" or the short sha: names the bot branches
    title: str  # the PR's title or the commit's subject
    origin: str  # how the PR body links it: "PR #12 (merged as `abc...`)" or "commit `abc...`"
    merge: bool  # a merge commit: picked against its first parent


@dataclass(frozen=True)
class Pick:
    commit: str | None  # the cherry-picked commit; None when it came out empty
    conflicts: tuple[str, ...] = ()


def resolve_source(env: FlowEnv, ref: str) -> Source:
    """`#12`, `pr12` or a number below 7 digits: a merged PR; anything else: a commit."""
    text = ref.strip()
    number = text.removeprefix("#").removeprefix("pr").removeprefix("PR")
    if number.isdigit() and (text != number or len(number) < 7):
        return _from_pr(env, int(number))
    sha = env.git.rev_parse(text)
    if sha is None:
        raise RefusedError(
            f"{ref!r} is neither a commit nor a PR number known here",
            hint="give a commit sha that is on the origin (git fetch origin) or a merged PR number",
        )
    return _source(env, sha, sha[:10], _subject(env, sha), f"commit `{sha}`")


def _from_pr(env: FlowEnv, number: int) -> Source:
    pr = env.forge.get_pr(number)
    if pr.state != "merged" or not pr.merge_commit:
        raise RefusedError(
            f"PR #{number} ({pr.title}) is {pr.state}, not merged: only merged changes are backported",
            hint=f"merge it into {pr.base} first, then run the backport again; nothing was changed",
        )
    sha = env.git.rev_parse(pr.merge_commit)
    if sha is None:
        raise RefusedError(
            f"PR #{number} was merged as {pr.merge_commit[:12]}, which is not in {env.git.path}",
            hint="fetch it (git fetch origin) and run again",
        )
    link = f"PR #{number}" + (f" ({pr.url})" if pr.url else "")
    return _source(env, sha, f"pr{number}", pr.title, f"{link}, merged into `{pr.base}` as `{sha}`")


def _source(env: FlowEnv, sha: str, ident: str, title: str, origin: str) -> Source:
    message = env.git.message(sha)
    marker = env.settings.release.marker
    if has_marker(message, marker):  # the rule `tag` applies: backporting it would tag
        raise RefusedError(
            f"{sha[:10]} is a release commit (its message carries {marker}): backporting it would tag a release",
            hint="backport the fix itself, not the release commit; nothing was changed",
        )
    parents = env.git.run("rev-list", "--parents", "-n", "1", sha).split()[1:]
    return Source(sha, ident, title, origin, merge=len(parents) > 1)


def _subject(env: FlowEnv, sha: str) -> str:
    return env.git.run("log", "-1", "--format=%s", sha).strip()


# --- is it there already? ---------------------------------------------------------------------
def already_on(env: FlowEnv, source: Source, base_sha: str) -> str | None:
    """Why `base_sha` already has the change (None when it has not): the commit itself is in its
    history, a commit says it was cherry-picked from it, or a commit has the same patch id."""
    git = env.git
    if git.ok("merge-base", "--is-ancestor", source.sha, base_sha):
        return "the commit is in its history"
    fork = git.run("merge-base", source.sha, base_sha, check=False).strip()
    since = f"{fork}..{base_sha}" if fork else base_sha
    needle = f"cherry picked from commit {source.sha}"
    for entry in git.run("log", "--format=%H", f"--grep={needle}", "--fixed-strings", since).split():
        return f"{entry[:10]} was cherry-picked from it"
    mine = _patch_ids(env, git.run("show", "--no-color", "--format=commit %H", *_diff_args(source)))
    if not mine:
        return None
    theirs = _patch_ids(env, git.run("log", "-p", "--no-color", "--no-merges", "--format=commit %H", since))
    target = next(iter(mine))
    if target in theirs:
        return f"{theirs[target][:10]} has the same patch id"
    return None


def _diff_args(source: Source) -> list[str]:
    return ["--first-parent", "-m", source.sha] if source.merge else [source.sha]


def _patch_ids(env: FlowEnv, diff: str) -> dict[str, str]:
    """patch id -> commit, for a `git log -p`/`git show` output."""
    if not diff.strip():
        return {}
    out = env.git.run("patch-id", "--stable", input=diff)
    found: dict[str, str] = {}
    for line in out.splitlines():
        if line.strip():
            pid, sha = line.split()
            found.setdefault(pid, sha)
    return found


# --- the cherry-pick -------------------------------------------------------------------------
def cherry_pick(env: FlowEnv, source: Source, base_sha: str, line: str) -> Pick:
    """`git cherry-pick -x` of the source onto `base_sha`. On a conflict the conflicted state is
    committed as it is (markers included), so a draft PR can carry it."""
    stamp = bw.commit_env(env)
    with temporary_worktree(env.git, base_sha) as tree:
        args = ["git", "cherry-pick", "-x", *(["-m", "1"] if source.merge else []), source.sha]
        done = proc.run(args, cwd=tree.path, env=stamp, check=False)
        if done.returncode == 0:
            return Pick(tree.rev_parse("HEAD"))
        conflicts = tuple(tree.run("diff", "--name-only", "--diff-filter=U").split())
        if not conflicts:
            # Nothing left to apply: the change is there already in another shape.
            tree.run("cherry-pick", "--abort", check=False)
            return Pick(None)
        tree.run("add", "--all")
        tree.run(
            "commit",
            "--quiet",
            "--no-verify",
            "--file=-",
            input=_conflict_message(env, source, line, conflicts),
            env=stamp,
        )
        return Pick(tree.rev_parse("HEAD"), conflicts)


def _conflict_message(env: FlowEnv, source: Source, line: str, conflicts: tuple[str, ...]) -> str:
    original = env.git.message(source.sha).rstrip()
    listed = "\n".join(f"    {path}" for path in conflicts)
    return (
        f"{original}\n\n(cherry picked from commit {source.sha})\n\n"
        f"CONFLICTS on the {line} line, committed with their markers; resolve before merging:\n{listed}\n"
    )
