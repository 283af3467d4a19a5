"""cut (SPEC 3.1): branch `release-V` off `main` and propose the major bump on `main`.

At plan time, on main's commit: every check of `verify` (`flows/gates/verify_gate.py`), then the
security gate; main's notes are reset by their shape (`model/notes`), the PR body lists each
version line old -> new, and the plan carries the notes diff. Steps: push main as `release-V`; commit "Bump <Project> to V'" (the bump and the reset release
notes) on `ci/bump-to-V'` and push it; open the PR to main. In an rc train also: commit
"Release <Project> V-rc.1" with the marker on `ci/bump-to-V-rc.1` and open its PR to `release-V`.
"""

from __future__ import annotations

from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.gates import release_gates
from release_train.flows.plan import Plan, Progress, Report, Step
from release_train.flows.train import notes_files
from release_train.forges.interface import ForgeCapability
from release_train.model import notes
from release_train.model.branches import format_name
from release_train.model.calendar import next_fire
from release_train.model.version import Operation, Version
from release_train.values import dataclass


@dataclass(frozen=True, kw_only=True)
class CutPlan(Plan):
    version: Version
    next_version: Version
    main_sha: str
    release_branch: str
    proposals: tuple[bw.Proposal, ...]


def archive_link(env: FlowEnv, branch: str) -> str:
    """Where a release branch's notes live: a web link on a forge that has web pages, else the git
    revision syntax (`git show release-28.0.0:RELEASES.md`) that works on any clone."""
    path = bw.notes_path(env)
    if ForgeCapability.FILE_LINKS in env.forge.capabilities:
        return env.forge.file_url(branch, path)
    return f"{branch}:{path}"


def plan(
    env: FlowEnv, *, allow_open_advisories: bool = False, allow_verify_failures: bool = False
) -> CutPlan:
    bw.require_branches(env.settings, "cut")  # a train without release branches cuts none
    bw.fetch(env)
    s = env.settings
    main = s.branches.main
    main_sha = bw.require_remote_sha(env, main)
    bumped = bw.prepare(env, main_sha, Operation.MAJOR, branch=main)
    gated = release_gates.enforce(
        env,
        bumped,
        branch=main,
        sha=main_sha,
        flow="cut",
        allow_verify_failures=allow_verify_failures,
        allow_open_advisories=allow_open_advisories,
    )
    version, next_version = bumped.old, bumped.new
    release_branch = format_name(s.branches.release, version.core())
    cut = notes.Cut(
        version=str(version.core()),
        next_version=str(next_version.core()),
        link=archive_link(env, release_branch),
        template=notes_files.template(),
    )
    reset = notes_files.change_at(env, main_sha, main, lambda shape, old: shape.after_cut(old, cut))
    title = f"Bump {s.project_name} to {next_version}"
    bump = bw.Proposal(
        base=main,
        base_sha=main_sha,
        head=bw.bot_branch(s, f"bump-to-{next_version}"),
        message=f"{title}\n",
        files=tuple(sorted({**bumped.files, reset.path: reset.new.encode()}.items())),
        pr_title=title,
        pr_body=_bump_body(env, version, next_version, release_branch, bumped.lines),
        versions=bumped.lines,
        diffs=reset.diffs(),
    )
    proposals = [bump]
    if s.release.rc:
        proposals.append(_rc_proposal(env, release_branch, main_sha))
    proposals = gated.annotate(proposals)
    existing = bw.fetched_sha(env, release_branch)
    push = Step(
        f"branch:{release_branch}",
        "branch",
        f"push {main} ({main_sha[:10]}) as {release_branch}"
        + (f" (already there at {existing[:10]})" if existing else ""),
    )
    return CutPlan(
        flow="cut",
        summary=f"cut {s.project_name} {version} from {main}: {release_branch}, then {main} -> {next_version}",
        steps=(push, *(step for p in proposals for step in p.steps())),
        version=version,
        next_version=next_version,
        main_sha=main_sha,
        release_branch=release_branch,
        proposals=tuple(proposals),
    )


def _rc_proposal(env: FlowEnv, release_branch: str, main_sha: str) -> bw.Proposal:
    # The release branch starts at main's commit; on a re-run it may exist already (and carry a
    # backport), so the candidate is proposed on top of wherever it is.
    base_sha = bw.fetched_sha(env, release_branch) or main_sha
    rc = bw.bump_at(env, base_sha, Operation.RC)
    tag = format_name(env.settings.release.tag, rc.new)
    return bw.release_proposal(
        env,
        rc,
        base=release_branch,
        base_sha=base_sha,
        head=bw.bot_branch(env.settings, f"bump-to-{rc.new}"),
        pr_body=(
            f"This automated PR makes the first release candidate of {env.settings.project_name} "
            f"{rc.old.core()} on `{release_branch}`.\n\n"
            f"Merging it tags `{tag}` and publishes the candidate.\n\n"
            f"{bw.publishes_markdown(tag, rc.publishes)}"
        ),
    )


def _bump_body(
    env: FlowEnv,
    version: Version,
    next_version: Version,
    release_branch: str,
    lines: tuple[tuple[str, str, str], ...],
) -> str:
    s = env.settings
    now = env.ctx.clock.now()
    release_day = next_fire(s.schedule.release, now).date().isoformat()
    notes_file = s.release.notes
    return (
        f"This is an automated pull request from release-train.\n\n"
        f"`{s.branches.main}` was cut on {now.date().isoformat()} as the branch `{release_branch}`, "
        f"which will become {s.project_name} {version.core()}. This PR bumps `{s.branches.main}` to "
        f"{next_version} and starts the release notes for {next_version.core()}.\n\n"
        f"- Release notes for {version.core()} go in `{notes_file}` on `{release_branch}`; notes for "
        f"{next_version.core()} go in `{notes_file}` on `{s.branches.main}`.\n"
        f"- The release PR for {version.core()} will be opened on {release_day} "
        f"(schedule `{s.schedule.release}`).\n"
        f"- Fixes land on `{s.branches.main}` first and are then backported to `{release_branch}`.\n\n"
        f"This PR only bumps versions and resets the notes; it can be merged right away.\n\n"
        f"{bw.versions_markdown(lines)}"
    )


def apply(env: FlowEnv, cut: CutPlan) -> Report:
    progress = Progress(env.ctx, cut)
    push = cut.steps[0]
    existing = bw.remote_sha(env, cut.release_branch)
    if existing is not None:
        progress.skipped(push, f"{cut.release_branch} already exists at {existing[:10]}", sha=existing)
    else:
        bw.push_branch(env, env.git.path, cut.main_sha, cut.release_branch)
        progress.done(push, f"pushed {cut.release_branch} at {cut.main_sha[:10]}", sha=cut.main_sha)
    return bw.apply_proposals(env, progress, cut.proposals)
