"""release-latest (SPEC 3.2) and release-rc.

release-latest: on the latest release branch (by numeric version), date the notes (rc train:
drop the `-rc.N` suffix first) and commit "Release <Project> V" with the marker, even when nothing
changed, on `ci/release-V`, PR to `release-V`. Then the same date change as a PR to main when
main's notes still have a section for V.

release-rc: on the latest release branch, bump `rc` and commit "Release <Project> V-rc.N" with
the marker on `ci/bump-to-V-rc.N`, PR to the release branch.

Both run every check of `verify` on the branch's commit first (`flows/gates/verify_gate.py`); the
notes are dated by their shape (`model/notes`: RELEASES.md or Keep a Changelog), each change
shown as a diff in the plan; a release PR lists the packages its tag will publish, in order.
"""

from __future__ import annotations

from datetime import date

from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.gates import release_gates, verify_gate
from release_train.flows.plan import Plan, Progress, Report
from release_train.flows.train import notes_files
from release_train.model import notes
from release_train.model.branches import format_name, latest_release_branch
from release_train.model.version import Operation, Version
from release_train.values import dataclass


@dataclass(frozen=True, kw_only=True)
class ReleasePlan(Plan):
    branch: str
    version: Version
    proposals: tuple[bw.Proposal, ...]


def latest_branch(env: FlowEnv) -> tuple[str, str]:
    """The latest release branch on the origin and its commit; refuses when there is none."""
    pattern = env.settings.branches.release
    found = latest_release_branch(pattern, bw.origin_branches(env))
    if found is None:
        raise RefusedError(
            f"there is no release branch on the origin (branches named {pattern!r})",
            hint="cut one first with `release-train cut`; nothing was changed",
        )
    return found[0], bw.require_remote_sha(env, found[0])


def plan(
    env: FlowEnv, *, allow_open_advisories: bool = False, allow_verify_failures: bool = False
) -> ReleasePlan:
    bw.require_branches(env.settings, "release-latest")
    bw.fetch(env)
    s = env.settings
    branch, sha = latest_branch(env)
    op = Operation.DROP_RC if s.release.rc else None
    prepared = bw.prepare(env, sha, op, branch=branch)
    version = prepared.new
    tag = format_name(s.release.tag, version)
    if prepared.error is None and tag in env.forge.tags():
        return ReleasePlan(
            flow="release-latest",
            summary=f"release {s.project_name} {version} from {branch}",
            notes=(f"{s.project_name} {version} is already released: tag {tag} exists; nothing to do",),
            steps=(),
            branch=branch,
            version=version,
            proposals=(),
        )
    gated = release_gates.enforce(
        env,
        prepared,
        branch=branch,
        sha=sha,
        flow="release-latest",
        allow_verify_failures=allow_verify_failures,
        allow_open_advisories=allow_open_advisories,
    )
    day = bw.today(env)
    proposals = [_release_proposal(env, prepared, branch, sha, day)]
    main_pr = _main_date_proposal(env, version, day)
    if main_pr is not None:
        proposals.append(main_pr)
    proposals = gated.annotate(proposals)
    return ReleasePlan(
        flow="release-latest",
        summary=f"release {s.project_name} {version} from {branch}, dated {day.isoformat()}",
        steps=tuple(step for p in proposals for step in p.steps()),
        branch=branch,
        version=version,
        proposals=tuple(proposals),
    )


def _release_proposal(env: FlowEnv, prepared: bw.Bumped, branch: str, sha: str, day: date) -> bw.Proposal:
    """The release commit on the branch: the version (rc train: without its suffix), the notes
    dated, the marker; its PR lists what the tag will publish."""
    s = env.settings
    version = prepared.new
    tag = format_name(s.release.tag, version)
    core = str(version.core())
    dated = notes_files.change_at(env, sha, branch, lambda shape, old: shape.release(old, core, day))
    return bw.release_proposal(
        env,
        prepared,
        base=branch,
        base_sha=sha,
        head=bw.bot_branch(s, f"release-{version}"),
        pr_body=f"{_release_body(env, version, branch, tag, day)}\n{bw.publishes_markdown(tag, prepared.publishes)}",
        notes=dated,
    )


def _main_date_proposal(env: FlowEnv, version: Version, day: date) -> bw.Proposal | None:
    """The reference also dates V on main, which matters when main's notes still carry V's section
    (a Keep a Changelog file always does: cut left `## [V] - Unreleased` there)."""
    s = env.settings
    main = s.branches.main
    main_sha = bw.require_remote_sha(env, main)
    path = bw.notes_path(env)
    data = env.git.show_file(main_sha, path)
    if data is None:
        return None
    text = data.decode()
    core = str(version.core())
    dated = notes_files.edit(path, main, text, lambda shape, old: shape.date_on_main(old, core, day))
    if dated == text:
        return None
    title = f"Update release date of {s.project_name} {version}"
    return bw.Proposal(
        base=main,
        base_sha=main_sha,
        head=bw.bot_branch(s, f"release-date-for-{version}"),
        message=f"{title}\n",
        files=((path, dated.encode()),),
        pr_title=title,
        pr_body=(
            f"This automated PR records on `{main}` that {s.project_name} {version} is "
            f"released on {day.isoformat()}. It only touches `{path}` and can be merged right away.\n"
        ),
        diffs=((path, notes.unified_diff(text, dated, path)),),
    )


def _release_body(env: FlowEnv, version: Version, branch: str, tag: str, day: date) -> str:
    s = env.settings
    return (
        f"This is an automated pull request from release-train: the release of {s.project_name} "
        f"{version}, dated {day.isoformat()} in `{s.release.notes}`.\n\n"
        f"Its commit carries the release marker, so merging it into `{branch}` tags the merge "
        f"commit `{tag}`, which publishes the packages and creates the release.\n\n"
        f"Before merging, check that no security issue is open for this release.\n"
    )


def plan_rc(env: FlowEnv, *, allow_verify_failures: bool = False) -> ReleasePlan:
    s = env.settings
    bw.require_branches(s, "release-rc")
    if not s.release.rc:
        raise RefusedError(
            "release candidates need the rc train, and `[release] rc` is false",
            hint="set `rc = true` under [release] in release-train.toml, or use release-latest",
        )
    bw.fetch(env)
    branch, sha = latest_branch(env)
    bumped = bw.prepare(env, sha, Operation.RC, branch=branch)
    checks = bumped.gate(env, allow=allow_verify_failures, flow="release-rc", where=f"{branch} ({sha[:10]})")
    tag = format_name(s.release.tag, bumped.new)
    proposal = bw.release_proposal(
        env,
        bumped,
        base=branch,
        base_sha=sha,
        head=bw.bot_branch(s, f"bump-to-{bumped.new}"),
        pr_body=(
            f"This automated PR makes release candidate {bumped.new} of {s.project_name} on "
            f"`{branch}` (from {bumped.old}).\n\nMerging it tags `{tag}` and publishes the candidate.\n\n"
            f"{bw.publishes_markdown(tag, bumped.publishes)}"
        ),
    )
    (proposal,) = bw.carry_marker(verify_gate.annotate([proposal], checks), s.release.marker)
    return ReleasePlan(
        flow="release-rc",
        summary=f"release candidate {s.project_name} {bumped.new} from {branch}",
        steps=proposal.steps(),
        branch=branch,
        version=bumped.new,
        proposals=(proposal,),
    )


def apply(env: FlowEnv, release: ReleasePlan) -> Report:
    return bw.apply_proposals(env, Progress(env.ctx, release), release.proposals)


apply_rc = apply
