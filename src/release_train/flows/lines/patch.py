"""release-patch (SPEC 3.3): propose the next patch release on a release branch.

Refuses unless the branch is a release branch with notes for the new version (its shape says
where: `model/notes`) and every check of `verify` passes on it (`flows/gates/verify_gate.py`). Bumps `patch` -> V.p+1, dates that section, and commits "Release <Project> V.p+1" with
the marker on `ci/bump-to-V.p+1`; the PR to the release branch names who asked.
"""

from __future__ import annotations

from release_train.checkers import ApiReport
from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.gates import release_gates, semver_gate
from release_train.flows.plan import Plan, Progress, Report
from release_train.flows.train import notes_files
from release_train.model.branches import format_name, release_branch_version
from release_train.model.version import Operation, Version
from release_train.values import dataclass


@dataclass(frozen=True, kw_only=True)
class PatchPlan(Plan):
    branch: str
    version: Version
    proposal: bw.Proposal
    api: ApiReport | None = None  # the semver gate's verdict (flows/gates/semver_gate.py)


def plan(
    env: FlowEnv,
    *,
    branch: str,
    requested_by: str = "",
    allow_open_advisories: bool = False,
    allow_empty_notes: bool = False,
    allow_breaking: bool = False,
    allow_verify_failures: bool = False,
    draft: bool = False,
    extra_body: str = "",
) -> PatchPlan:
    s = env.settings
    bw.require_branches(s, "release-patch")
    if release_branch_version(s.branches.release, branch) is None:
        example = format_name(s.branches.release, "X.Y.Z")
        raise RefusedError(
            f"{branch!r} is not a release branch: patch releases are made on branches named {example}",
            hint=f"pass --branch {example} (see `git branch -r`); fixes land on {s.branches.main} first and "
            "are backported; nothing was changed",
        )
    bw.fetch(env)
    sha = bw.require_remote_sha(env, branch)
    bumped = bw.prepare(env, sha, Operation.PATCH, branch=branch)
    gated = release_gates.enforce(
        env,
        bumped,
        branch=branch,
        sha=sha,
        flow="release-patch",
        allow_verify_failures=allow_verify_failures,
        allow_open_advisories=allow_open_advisories,
    )
    section = str(bumped.new.core())
    day = bw.today(env)
    dated = notes_files.change_at(
        env, sha, branch, lambda shape, old: shape.patch(old, section, day, allow_empty=allow_empty_notes)
    )
    api = semver_gate.check(
        env,
        branch=branch,
        rev=sha,
        baseline=format_name(s.release.tag, bumped.old),
        allow_breaking=allow_breaking,
    )
    who = requested_by or "someone unnamed"
    body = _body(env, bumped, branch, who, dated.path) + semver_gate.body_section(api, allowed=allow_breaking)
    proposal = bw.release_proposal(
        env,
        bumped,
        base=branch,
        base_sha=sha,
        head=bw.bot_branch(s, f"bump-to-{bumped.new}"),
        pr_body=body + extra_body,
        notes=dated,
        draft=draft,
    )
    (proposal,) = gated.annotate([proposal])
    return PatchPlan(
        flow="release-patch",
        summary=f"patch release {s.project_name} {bumped.new} on {branch} (requested by {who})",
        steps=proposal.steps(),
        branch=branch,
        version=bumped.new,
        proposal=proposal,
        api=api,
    )


def _body(env: FlowEnv, bumped: bw.Bumped, branch: str, who: str, path: str) -> str:
    s = env.settings
    tag = format_name(s.release.tag, bumped.new)
    return (
        f"This automated PR is the patch release {bumped.new} of {s.project_name} on `{branch}` "
        f"(from {bumped.old}), requested by {who}.\n\n"
        f"Merging it tags `{tag}`, which publishes the packages. Before merging, check that the "
        f"public packages have no semver-breaking API change against {bumped.old} and that the "
        f"notes in `{path}` list every backported fix.\n\n"
        f"{bw.publishes_markdown(tag, bumped.publishes)}\n"
    )


def apply(env: FlowEnv, patch: PatchPlan) -> Report:
    return bw.apply_proposals(env, Progress(env.ctx, patch), [patch.proposal])
