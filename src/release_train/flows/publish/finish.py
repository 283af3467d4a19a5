"""Finishing a release: `publish` (which asks the registry first and uploads only what is
missing) followed by the forge release (created, or updated in place), so it converges however
often it is run (see `state.py` for what an unfinished release is and who finishes it).

Here: `finish` for one tag (what `publish --tag` does), the reaction to a new tag
(`finish_new_tag`), the reaction to a push of `main` or a release branch (`run_reaction`: the
unfinished releases the pushed commit contains), the steps `tick` runs first, and the end of a
flow that tagged several lines (`finish_together`: one paced publish of all, as planned, then
the forge releases oldest version first, so "latest" ends on the newest).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import InterruptedForTest, RefusedError, ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.publish.journal import discard_files
from release_train.flows.publish.state import Standing, ensure_local, readable_registry, unfinished
from release_train.forges.interface import Forge, PushEvent, Release
from release_train.model.branches import parse_name
from release_train.registries.interface import Registry
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.flows.plan import Progress, Step
    from release_train.flows.publish.apply import PublishReport
    from release_train.flows.publish.plan import PublishPlan
    from release_train.infra.git import Git


@dataclass(frozen=True)
class Finished:
    tag: str
    report: PublishReport
    release: Release

    @property
    def line(self) -> str:
        uploaded, present = len(self.report.published), len(self.report.plan.present)
        return (
            f"finished {self.tag}: {uploaded} package(s) published, {present} already there; "
            f"forge release {self.release.name or self.release.tag}"
        )

    def to_json(self) -> dict[str, Any]:
        return {**self.report.to_json(), "forge_release": release_json(self.release)}


def release_json(release: Release) -> dict[str, Any]:
    return {
        "tag": release.tag,
        "name": release.name,
        "url": release.url,
        "prerelease": release.prerelease,
        "latest": release.latest,
    }


def finish(
    settings: Settings, forge: Forge, registry: Registry, ctx: Context, tag: str, *, git: Git
) -> Finished:
    """Publish whatever of `tag` the registry lacks, then create or update its forge release
    (`tag` is in the working repository `git`)."""
    from release_train.flows.publish.apply import PublishReport, publish
    from release_train.flows.publish.forge_release import create_release

    report = publish(settings, registry, ctx, [tag], git=git)
    assert isinstance(report, PublishReport)
    release = create_release(settings, forge, registry, ctx, tag=tag, git=git)
    discard_files(settings, tag)  # finished: nothing is left to resume
    return Finished(tag, report, release)


def finish_new_tag(env: FlowEnv, event: PushEvent) -> Release | None:
    """The reaction to a new tag: publish the tag's commit, then create the forge release. Other
    refs, and tags that do not follow `[release] tag`, are ignored (None)."""
    if not event.ref.startswith("refs/tags/"):
        return None
    tag = event.ref.removeprefix("refs/tags/")
    if parse_name(env.settings.release.tag, tag) is None:
        return None
    env.git.run(
        "fetch",
        "--quiet",
        "--no-recurse-submodules",
        env.forge.remote_url,
        f"+refs/tags/{tag}:refs/tags/{tag}",
    )
    return finish(env.settings, env.forge, env.open_registry(), env.ctx, tag, git=env.git).release


class FinishFailed(ReleaseTrainError):
    """Finishing a release failed; `resume` is the command that tries again."""

    def __init__(self, tag: str, error: ReleaseTrainError) -> None:
        super().__init__(f"finishing release {tag} failed: {error.message}", hint=error.hint)
        self.exit_code = error.exit_code
        self.resume = f"release-train publish --tag {tag}"


def finish_all(env: FlowEnv, registry: Registry, releases: Iterable[Standing]) -> list[Finished]:
    """Finish each `certain` one of the unfinished `releases`; stops at the first that fails
    (`FinishFailed`)."""
    done = []
    for item in (u for u in releases if u.certain):
        env.ctx.emit("info", f"finishing: {item.describe()}", tag=item.tag)
        try:
            ensure_local(env, [item.tag])
            done.append(finish(env.settings, env.forge, registry, env.ctx, item.tag, git=env.git))
        except InterruptedForTest:
            raise
        except ReleaseTrainError as exc:
            raise FinishFailed(item.tag, exc) from exc
        env.ctx.emit("step", done[-1].line, tag=item.tag)
    return done


def run_reaction(env: FlowEnv, event: PushEvent) -> list[Finished]:
    """What CI does on a push of `main` or a release branch, before tagging: finish the
    unfinished releases the pushed commit contains."""
    registry = env.open_registry
    env.git.fetch("origin")
    readable, unreadable = readable_registry(registry)
    found = [u for u in unfinished(env, readable, unreadable=unreadable, within=event.after) if u.certain]
    # Something to finish, and a registry that cannot be opened: `registry()` raises what is wrong.
    return finish_all(env, readable or registry(), found) if found else []


# --- for `tick` --------------------------------------------------------------------------------------------
def to_finish(env: FlowEnv) -> list[tuple[Standing, Step]]:
    """The unfinished releases a tick finishes before anything new, each with its plan step."""
    from release_train.flows.plan import Step

    registry, unreadable = readable_registry(env.open_registry)
    return [
        (u, Step(f"finish:{u.tag}", "finish", f"finish {u.describe()} ({u.command})"))
        for u in unfinished(env, registry, unreadable=unreadable)
        if u.certain
    ]


def finish_in_tick(env: FlowEnv, progress: Progress, item: Standing, step: Step) -> None:
    """Finish `item`; a failure is recorded (the tick goes on with what is due, then exits non-zero)."""
    from release_train.context import Failure

    try:
        registry = env.open_registry()
        ensure_local(env, [item.tag])
        done = finish(env.settings, env.forge, registry, env.ctx, item.tag, git=env.git)
    except InterruptedForTest:
        raise
    except ReleaseTrainError as exc:
        env.ctx.failures.append(Failure(f"finishing release {item.tag}", exc, item.command))
        progress.record(step, "held", f"{item.tag} is still unfinished: {exc.message}", tag=item.tag)
        return
    progress.done(step, done.line, tag=item.tag)


# --- for a flow that tagged several lines ---------------------------------------------------------------
def finish_steps(tags: Sequence[str]) -> tuple[Step, ...]:
    """The steps `finish_together` records: `publish`, then `forge-release:TAG` per tag."""
    from release_train.flows.plan import Step

    if not tags:
        return ()
    together = Step("publish", "upload", f"publish {', '.join(tags)} together: one paced schedule")
    return (together, *(Step(f"forge-release:{t}", "release", f"forge release {t}") for t in tags))


def finish_together(
    env: FlowEnv,
    progress: Progress,
    steps: dict[str, Step],
    planned: PublishPlan,
    registry: Registry,
    resume: str,
) -> None:
    """Publish the tags of `planned` (which the flow's merges made) in one paced run, with the
    pacing they were planned with, then their forge releases oldest version first (steps of
    `finish_steps`). `resume` is the flow's command that resumes."""
    from release_train.flows.publish.apply import PublishReport, publish
    from release_train.flows.publish.forge_release import create_release

    tags = planned.tags
    on_forge = env.forge.tags()
    missing = [t for t in tags if t not in on_forge]
    if missing:
        raise RefusedError(
            f"the merges did not tag {', '.join(missing)}: nothing was published",
            hint=f"see why the tag reaction refused (are the checks green?), then run `{resume}` again",
        )
    ensure_local(env, list(tags))
    report = publish(
        env.settings,
        registry,
        env.ctx,
        tags,
        git=env.git,
        resume=resume,
        tuning=planned.tuning,
        estimates=planned.estimates,
    )
    assert isinstance(report, PublishReport)
    if report.published:
        progress.done(steps["publish"], f"published {len(report.published)} versions of {', '.join(tags)}")
    else:
        progress.skipped(steps["publish"], f"{', '.join(tags)}: every version is in the registry already")
    released = {r.tag for r in env.forge.list_releases()}
    for tag in tags:  # oldest version first: "latest" ends on the newest
        step = steps[f"forge-release:{tag}"]
        if tag in released:
            progress.skipped(step, f"the forge release {tag} exists already", tag=tag)
            continue
        made = create_release(env.settings, env.forge, registry, env.ctx, tag=tag, git=env.git)
        progress.done(step, f"forge release {tag}" + (" (latest)" if made.latest else ""), tag=tag)
    for tag in tags:  # every package visible, every forge release made: nothing is left to resume
        discard_files(env.settings, tag)
