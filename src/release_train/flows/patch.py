"""release-patch (SPEC 3.3): propose the next patch release on a release branch.

Refuses unless the branch is a release branch with a non-empty notes section for the new
version. Bumps `patch` -> V.p+1, dates that section, and commits "Release <Project> V.p+1" with
the marker on `ci/bump-to-V.p+1`; the PR to the release branch names who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from release_train.checkers import ApiReport
from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows import security_gate, semver_gate
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Plan, Progress, Report
from release_train.model import notes
from release_train.model.branches import format_name, release_branch_version
from release_train.model.marker import release_message
from release_train.model.version import Operation, Version


@dataclass(frozen=True, kw_only=True)
class PatchPlan(Plan):
    branch: str
    version: Version
    proposal: bw.Proposal
    api: ApiReport | None = None  # the semver gate's verdict (flows/semver_gate.py)


def plan(
    env: FlowEnv,
    *,
    branch: str,
    requested_by: str = "",
    allow_open_advisories: bool = False,
    allow_empty_notes: bool = False,
    allow_breaking: bool = False,
    draft: bool = False,
    extra_body: str = "",
) -> PatchPlan:
    s = env.settings
    if release_branch_version(s.branches.release, branch) is None:
        example = format_name(s.branches.release, "X.Y.Z")
        raise RefusedError(
            f"{branch!r} is not a release branch: patch releases are made on branches named {example}",
            hint=f"pass --branch {example} (see `git branch -r`); fixes land on {s.branches.main} first and "
            "are backported; nothing was changed",
        )
    env.git.require_clean()
    bw.fetch(env)
    sha = bw.require_remote_sha(env, branch)
    gate = security_gate.enforce(env, sha, allow=allow_open_advisories, flow="release-patch")
    bumped = bw.bump_at(env, sha, Operation.PATCH)
    section = str(bumped.new.core())
    path = bw.notes_path(env)
    text = bw.read_notes(env, sha, branch)
    if not allow_empty_notes and not notes.section_has_content(text, section):
        raise notes.NotesError(
            f"{path} on {branch} has no notes for {section} (a `## {section}` section with at least one entry)",
            hint=f"add `## {section}`, `Unreleased.` and the backported changes to {path} on {branch} "
            "(through a PR), then run again; nothing was changed",
        )
    day = env.ctx.clock.now().astimezone(UTC).date()
    # --allow-empty-notes: a missing section is left missing rather than invented.
    dated = notes.date_section(text, section, day) if notes.has_section(text, section) else text
    api = semver_gate.check(
        env,
        branch=branch,
        rev=sha,
        baseline=format_name(s.release.tag, bumped.old),
        allow_breaking=allow_breaking,
    )
    title = f"Release {s.project_name} {bumped.new}"
    tag = format_name(s.release.tag, bumped.new)
    who = requested_by or "someone unnamed"
    proposal = bw.Proposal(
        base=branch,
        base_sha=sha,
        head=bw.bot_branch(s, f"bump-to-{bumped.new}"),
        message=release_message(title, s.release.marker),
        files=tuple(sorted({**bumped.files, path: dated.encode()}.items())),
        pr_title=title,
        pr_body=(
            f"This automated PR is the patch release {bumped.new} of {s.project_name} on `{branch}` "
            f"(from {bumped.old}), requested by {who}.\n\n"
            f"Merging it tags `{tag}`, which publishes the packages. Before merging, check that the "
            f"public packages have no semver-breaking API change against {bumped.old} and that the "
            f"notes in `{path}` list every backported fix.\n"
            f"\n{semver_gate.body_section(api, allowed=allow_breaking)}{extra_body}"
        ),
        draft=draft,
    )
    (proposal,) = security_gate.annotate([proposal], gate)
    return PatchPlan(
        flow="release-patch",
        summary=f"patch release {s.project_name} {bumped.new} on {branch} (requested by {who})",
        steps=proposal.steps(),
        branch=branch,
        version=bumped.new,
        proposal=proposal,
        api=api,
    )


def apply(env: FlowEnv, patch: PatchPlan) -> Report:
    progress = Progress(env.ctx, patch)
    bw.apply_proposal(env, progress, patch.proposal)
    return progress.report()
