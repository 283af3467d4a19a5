"""tag (SPEC 3.4): on a push to main or a release branch, tag the newest marker commit of the
pushed range, when it is safe.

Safe means: the marker stands on a line of its own (a quoted marker does not count); the version
in that commit's tree is not already released in its first parent's history (no tag of that
version is reachable from the first parent: a marker copied into a later commit of a released
line is never tagged); the tag does not exist on another commit (an identical tag is success);
and the forge reports the commit's checks green (otherwise the tag is held, and `tag --held` or
the next tick tags it: see `held.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from release_train.config import Settings
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Plan, Progress, Report, Step
from release_train.forges.interface import ZERO_SHA, Conflict, PushEvent
from release_train.model.branches import format_name, parse_name, release_branch_version
from release_train.model.marker import has_marker
from release_train.model.version import Version
from release_train.values import dataclass

HEADS = "refs/heads/"


@dataclass(frozen=True, kw_only=True)
class TagPlan(Plan):
    ref: str
    commit: str | None = None
    version: Version | None = None
    tag: str | None = None


def _nothing(ref: str, summary: str, why: str) -> TagPlan:
    return TagPlan(flow="tag", summary=summary, notes=(why,), steps=(), ref=ref)


def is_train_branch(settings: Settings, branch: str) -> bool:
    return (
        branch == settings.branches.main
        or release_branch_version(settings.branches.release, branch) is not None
    )


def _commits(env: FlowEnv, before: str, after: str) -> list[tuple[str, str]]:
    """(sha, message) of the pushed range, newest first. A new ref (before = zeros) brings only
    its tip into question: older commits were judged when they were pushed."""
    rev = after if not before or before == ZERO_SHA else f"{before}..{after}"
    args = ["log", "--format=%H%x00%B%x1e"] + (["-1"] if rev == after else []) + [rev]
    out = env.git.run(*args)
    found = []
    for record in out.split("\x1e"):
        sha, sep, message = record.strip("\n").partition("\x00")
        if sep:
            found.append((sha, message))
    return found


def released_before(
    env: FlowEnv, sha: str, version: Version, tags: Mapping[str, str] | None = None
) -> str | None:
    """The tag of `version` when the first parent's history already holds it. (Compared with the
    parent's release history, not the parent's tree: a release commit on a release branch dates
    the notes without moving the version, and it must still be tagged; a marker copied into a
    later commit of an already released line must not be.) `tags`: the forge's, when known."""
    parent = env.git.rev_parse(f"{sha}^1")
    if parent is None:
        return None
    for name, tagged in (env.forge.tags() if tags is None else tags).items():
        if parse_name(env.settings.release.tag, name) == version and env.git.ok(
            "merge-base", "--is-ancestor", tagged, parent
        ):
            return name
    return None


def plan(env: FlowEnv, *, before: str, after: str, ref: str) -> TagPlan:
    s = env.settings
    branch = ref.removeprefix(HEADS)
    summary = f"tag the push to {branch} ({before[:10]}..{after[:10]})"
    if ref.startswith("refs/") and not ref.startswith(HEADS):
        return _nothing(ref, summary, f"not tagging: {ref} is not a branch")
    if not is_train_branch(s, branch):
        return _nothing(
            ref, summary, f"not tagging: {branch} is neither {s.branches.main} nor a release branch"
        )
    if after == ZERO_SHA:
        return _nothing(ref, summary, f"not tagging: {branch} was deleted")
    bw.fetch(env)
    commits = _commits(env, before, after)
    marked = [(sha, msg) for sha, msg in commits if has_marker(msg, s.release.marker)]
    if not marked:
        quoted = [sha for sha, msg in commits if s.release.marker in msg]
        why = "no commit in the range carries the release marker on a line of its own"
        if quoted:
            why += f" ({quoted[0][:10]} only quotes it)"
        return _nothing(ref, summary, f"not tagging: {why}")
    sha = marked[0][0]
    version = bw.train_version(env, sha)
    released = released_before(env, sha, version)
    if released is not None:
        return _nothing(
            ref,
            summary,
            f"not tagging {sha[:10]}: its version {version} did not change against the release history "
            f"of its first parent ({released} is already there), so it is not a new release",
        )
    tag = format_name(s.release.tag, version)
    step = Step(f"tag:{tag}", "tag", f"tag {sha[:10]} as {tag} once its checks are green")
    return TagPlan(
        flow="tag",
        summary=summary,
        notes=(f"{sha[:10]} carries the marker and version {version}",),
        steps=(step,),
        ref=ref,
        commit=sha,
        version=version,
        tag=tag,
    )


def apply(env: FlowEnv, tagging: TagPlan) -> Report:
    progress = Progress(env.ctx, tagging)
    if not tagging.steps or tagging.tag is None or tagging.commit is None:
        return progress.report()
    step, tag, sha = tagging.steps[0], tagging.tag, tagging.commit
    existing = env.forge.tags().get(tag)
    if existing == sha:
        progress.skipped(step, f"{tag} is already on {sha[:10]}", tag=tag, sha=sha)
        return progress.report()
    if existing is not None:
        raise Conflict(
            f"tag {tag} already exists on {existing[:10]}, not on {sha[:10]}: version {tagging.version} "
            "was released from another commit",
            hint="bump the version again (release-patch) instead of moving a published tag; nothing was changed",
        )
    state = env.forge.check_state(sha)
    if state != "success":
        said = "failing" if state == "failure" else state
        progress.record(
            step,
            "held",
            f"held: checks {said} on {sha[:10]}; {tag} not created "
            "(`release-train tag --held` or the next tick tags it once they pass"
            + (", or a later fix of the same version that passes)" if state == "failure" else ")"),
            tag=tag,
            sha=sha,
        )
        return progress.report()
    env.forge.create_tag(tag, sha)
    progress.done(step, f"tagged {sha[:10]} as {tag}", tag=tag, sha=sha)
    return progress.report()


def run_reaction(env: FlowEnv, event: PushEvent) -> Report:
    """What CI does on a push: plan and apply `tag` for the pushed range."""
    return apply(env, plan(env, before=event.before, after=event.after, ref=event.ref))
