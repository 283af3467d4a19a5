"""release-patch on many lines at once (`--branch supported`): one patch PR per line.

Each line is planned exactly as `release-patch --branch B` plans it (`flows/lines/patch.py`: notes
section with an entry, semver gate, security gate). Every line is planned before anything
changes; when some line is refused, nothing is proposed on any line and every refusal is listed,
so a maintainer fixes them all in one go. A line with no commit since its latest tag has nothing
to release and is skipped (said), unless `include_unchanged` (a security release prepares its
PRs before the fixes land).
"""

from __future__ import annotations

from collections.abc import Sequence

from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.lines import patch
from release_train.flows.lines import targets as tg
from release_train.flows.plan import Plan, Progress, Report
from release_train.values import dataclass


@dataclass(frozen=True, kw_only=True)
class PatchLinesPlan(Plan):
    plans: tuple[patch.PatchPlan, ...]


def plan(
    env: FlowEnv,
    to: Sequence[str],
    *,
    requested_by: str = "",
    allow_open_advisories: bool = False,
    allow_empty_notes: bool = False,
    allow_breaking: bool = False,
    allow_verify_failures: bool = False,
    draft: bool = False,
    extra_body: str = "",
    include_unchanged: bool = False,
    flow: str = "release-patch",
) -> PatchLinesPlan:
    bw.require_branches(env.settings, flow)
    chosen = tg.resolve(env, to)
    notes = list(chosen.notes)
    plans: list[patch.PatchPlan] = []
    refused: list[str] = []
    tags = env.git.tags()
    for line in chosen.lines:
        if not include_unchanged and line.latest_tag and tags.get(line.latest_tag) == line.head:
            notes.append(f"{line.branch}: nothing since {line.latest_tag}; skipped")
            continue
        try:
            plans.append(
                patch.plan(
                    env,
                    branch=line.branch,
                    requested_by=requested_by,
                    allow_open_advisories=allow_open_advisories,
                    allow_empty_notes=allow_empty_notes,
                    allow_breaking=allow_breaking,
                    allow_verify_failures=allow_verify_failures,
                    draft=draft,
                    extra_body=extra_body,
                )
            )
        except RefusedError as exc:
            refused.append(f"  {line.branch}: {exc.message}" + (f"\n    fix: {exc.hint}" if exc.hint else ""))
    if refused:
        raise RefusedError(
            f"{len(refused)} of {len(chosen.lines)} lines cannot be released:\n" + "\n".join(refused),
            hint="fix each line as said (or pass the override named), then run again; "
            "nothing was changed on any line",
        )
    versions = ", ".join(f"{p.version} on {p.branch}" for p in plans) or "nothing"
    return PatchLinesPlan(
        flow=flow,
        summary=f"patch releases of {env.settings.project_name}: {versions}",
        steps=tuple(step for p in plans for step in p.steps),
        notes=tuple(notes),
        plans=tuple(plans),
    )


def apply(env: FlowEnv, lines: PatchLinesPlan) -> Report:
    return bw.apply_proposals(env, Progress(env.ctx, lines), [planned.proposal for planned in lines.plans])
