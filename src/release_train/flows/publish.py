"""publish (SPEC 3.5): every package of a tag, in dependency layers, paced, resumable.

1. The registry is the source of truth: ask it which versions exist; upload only the rest. A
   version there whose checksum differs from our packaged `.crate` is an error.
2. Verify once: metadata a registry would refuse (every offender listed), then
   `cargo package --workspace` into one target dir; a resumed run reuses the journal's checksums.
3. Print the schedule and its ETA (`--dry-run` stops here), then upload in layers, paced to the
   configured limits, each dependent after its dependencies are visible in the index
   (`publish_exec.py`). A journal makes a crash resumable.

The tag's commit is published from a temporary worktree, so the user's checkout is never touched
and the sources are exactly the tag's. `run_reaction` is what the local forge's new-tag reaction
runs: publish, then the forge release (`forge_release.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from release_train.config import Pacing, Settings
from release_train.context import Context
from release_train.errors import RefusedError
from release_train.flows.journal import Journal
from release_train.flows.publish_checks import metadata_problems, raise_if_any, size_problems
from release_train.flows.publish_exec import RESUME, Outcome, Tuning, execute
from release_train.flows.worktree import temporary_worktree
from release_train.forges.interface import Forge, PushEvent, Release
from release_train.infra.git import Git
from release_train.model.branches import format_name, parse_name
from release_train.model.pacing import Estimates, Job, Rate, Schedule, format_duration, simulate
from release_train.registries.interface import PublishedVersion, Registry, RegistryError
from release_train.workspaces import load_workspace
from release_train.workspaces.interface import Package, Workspace

# What an upload and the index's catch-up usually take, for the ETA printed before starting.
ESTIMATES = {
    "crates-io": Estimates(upload=2.0, index_delay=15.0),
    "local": Estimates(upload=0.5, index_delay=0.5),
}


RESUME_COMMAND = "release-train publish --tag {tag}"  # the command that finishes a tag's publish


class PublishFailed(RegistryError):
    """Some packages were not published; the message lists what was and the command that resumes."""


@dataclass(frozen=True)
class PublishPlan:
    tag: str
    version: str
    commit: str
    registry: str
    present: tuple[PublishedVersion, ...]  # already in the registry, as its index lists them
    jobs: tuple[Job, ...]  # to upload (or, action "resume", to wait for)
    schedule: Schedule

    def describe(self) -> list[str]:
        lines = [
            f"publish {self.tag} ({self.commit[:10]}) to {self.registry}: "
            f"{len(self.jobs)} to upload, {len(self.present)} already there"
        ]
        for slot in sorted(self.schedule.slots, key=lambda s: (s.start, s.name)):
            what = "wait for the index" if slot.action == RESUME else slot.action.replace("-", " ")
            lines.append(f"  +{format_duration(slot.start):>8}  {slot.name} {slot.version} ({what})")
        if self.jobs:
            lines.append(
                f"ETA {format_duration(self.schedule.eta)} "
                f"(lower bound {format_duration(self.schedule.bound.seconds)})"
            )
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "version": self.version,
            "commit": self.commit,
            "registry": self.registry,
            "already_published": [{"crate": p.name, "version": p.version} for p in self.present],
            "schedule": [
                {
                    "crate": s.name,
                    "version": s.version,
                    "action": s.action,
                    "start": s.start,
                    "visible": s.visible,
                }
                for s in self.schedule.slots
            ],
            "eta_seconds": self.schedule.eta,
            "lower_bound_seconds": self.schedule.bound.seconds,
        }


@dataclass(frozen=True)
class PublishReport:
    plan: PublishPlan
    published: tuple[str, ...]  # by this run
    elapsed: float

    def to_json(self) -> dict[str, Any]:
        return {**self.plan.to_json(), "published": list(self.published), "elapsed_seconds": self.elapsed}


def plan_facts(plan: PublishPlan) -> dict[str, Any]:
    """What the plan's first event carries for observers (the CI summary's table): the tag,
    every package with its version and whether it is in the registry already, and the command
    that resumes the publish."""
    packages = [{"crate": p.name, "version": p.version, "state": "present"} for p in plan.present]
    packages += [{"crate": j.name, "version": j.version, "state": j.action} for j in plan.jobs]
    return {"tag": plan.tag, "packages": packages, "resume": RESUME_COMMAND.format(tag=plan.tag)}


def _rate(pacing: Pacing) -> Rate:
    return Rate(pacing.burst, pacing.every)


def resolve_tag(settings: Settings, git: Git, tag: str | None) -> tuple[str, str]:
    """(tag, commit): the given tag, or the tag of the checked-out workspace's version."""
    if tag is None:
        version = load_workspace(settings).train_version
        tag = format_name(settings.release.tag, version)
    commit = git.rev_parse(f"refs/tags/{tag}")
    if commit is None:
        raise RefusedError(
            f"there is no tag {tag} in {settings.root}",
            hint="fetch it (git fetch --tags) or name another with --tag",
        )
    return tag, commit


def publish(
    settings: Settings,
    registry: Registry,
    ctx: Context,
    *,
    tag: str | None = None,
    dry_run: bool = False,
    tuning: Tuning | None = None,
    estimates: Estimates | None = None,
) -> PublishPlan | PublishReport:
    """Publish the tag's commit; with `dry_run`, return the plan (schedule and ETA) only."""
    git = Git(settings.root)
    tag, commit = resolve_tag(settings, git, tag)
    tuning = tuning or Tuning(index_timeout=settings.publish.index_timeout)
    estimates = estimates or ESTIMATES.get(settings.publish.registry, Estimates())
    with temporary_worktree(git, commit) as tree:
        ws, journal = open_tag(settings, tree.path, tag, commit)
        plan = _plan(settings, registry, ws, journal, tag, commit, estimates)
        head, *rest = plan.describe()
        ctx.emit("plan", head, **plan_facts(plan))
        for line in rest:
            ctx.emit("plan", line)
        if dry_run:
            # What the registry would refuse fails the dry run too, before a real run finds it.
            uploading = {job.name for job in plan.jobs}
            _refuse_metadata(ws, [p for p in ws.publish_order() if p.name in uploading])
            return plan
        return _apply(settings, registry, ctx, ws, journal, plan, tuning)


def open_tag(settings: Settings, tree: Path, tag: str, commit: str) -> tuple[Workspace, Journal]:
    """The workspace of `tag` checked out at `tree` and its journal; refuses a tag whose name
    does not match the version in its tree."""
    ws = load_workspace(replace(settings, root=tree))
    wanted = parse_name(settings.release.tag, tag)
    if wanted is not None and wanted != ws.train_version:
        raise RefusedError(
            f"tag {tag} is on a commit whose workspace version is {ws.train_version}",
            hint="publish the tag of that version, or fix the tag",
        )
    journal = Journal.open(settings.resolve(settings.publish.journal_dir), tag, str(ws.train_version), commit)
    return ws, journal


def _plan(
    settings: Settings,
    registry: Registry,
    ws: Workspace,
    journal: Journal,
    tag: str,
    commit: str,
    estimates: Estimates,
) -> PublishPlan:
    from release_train.workspaces.graph import publish_edges

    packages = ws.publish_order()
    names = {p.name for p in packages}
    edges = publish_edges(ws)
    present: list[PublishedVersion] = []
    jobs: list[Job] = []
    for pkg in packages:
        versions = registry.versions(pkg.name)
        if (there := versions.get(str(pkg.version))) is not None:
            present.append(there)
            continue
        deps = frozenset(edges[pkg.name] & names)
        if journal.crates.get(pkg.name) == "uploaded":
            action = RESUME  # landed in an earlier run; only the index wait is left
        else:
            action = "new-version" if versions else "new-crate"
        jobs.append(Job(pkg.name, str(pkg.version), action, deps))
    rates = {
        "new-crate": _rate(settings.publish.new_crate),
        "new-version": _rate(settings.publish.new_version),
    }
    schedule = simulate(jobs, rates, estimates)
    return PublishPlan(
        tag, str(ws.train_version), commit, registry.label, tuple(present), tuple(jobs), schedule
    )


def _verify(registry: Registry, ws: Workspace, journal: Journal, packages: list[Package]) -> None:
    """Package and verify once per commit; the checksums go into the journal."""
    if all(p.name in journal.checksums for p in packages):
        return
    _refuse_metadata(ws, packages)
    artefacts = registry.package(ws.root, ws.root / "target", packages)
    files = {name: made[0].path for name, made in artefacts.items() if made}
    raise_if_any(
        size_problems(files), "packages over the size limit", "exclude large files with `exclude = [...]`"
    )
    journal.checksums = {name: made[0].sha256 for name, made in artefacts.items() if made}
    journal.save()


def _refuse_metadata(ws: Workspace, packages: list[Package]) -> None:
    raise_if_any(
        metadata_problems(ws, packages),
        "packages the registry would refuse",
        "add the missing fields or files to each manifest named, commit, and tag again "
        "(`release-train verify` finds these before a release is proposed)",
    )


def _check_present(journal: Journal, plan: PublishPlan) -> None:
    clashes = []
    for there in plan.present:
        ours = journal.checksums.get(there.name)
        if ours and there.checksum and there.checksum != ours:
            clashes.append(
                f"{there.name} {there.version}: registry {there.checksum[:12]}..., ours {ours[:12]}..."
            )
    if clashes:
        listed = "\n".join(f"  - {c}" for c in clashes)
        raise PublishFailed(
            f"versions already in the registry differ from what {plan.tag} packages to:\n{listed}",
            hint="a published version cannot change: bump the version (release-patch) and publish that",
        )


def _apply(
    settings: Settings,
    registry: Registry,
    ctx: Context,
    ws: Workspace,
    journal: Journal,
    plan: PublishPlan,
    tuning: Tuning,
) -> PublishReport:
    packages = ws.publish_order()
    _verify(registry, ws, journal, packages)
    _check_present(journal, plan)
    for there in plan.present:
        journal.crates[there.name] = "visible"
    journal.state = "running"
    journal.save()
    started = ctx.clock.monotonic()
    rates = {
        "new-crate": _rate(settings.publish.new_crate),
        "new-version": _rate(settings.publish.new_version),
    }
    outcome = execute(list(plan.jobs), rates, registry, ws.root, journal, ctx, tuning, total=len(packages))
    if outcome.failed or outcome.blocked or outcome.not_started:
        journal.finish("failed")
        raise _failure(plan, outcome)
    journal.finish("done")
    return PublishReport(plan, tuple(outcome.visible), ctx.clock.monotonic() - started)


def _failure(plan: PublishPlan, outcome: Outcome) -> PublishFailed:
    done = [*(p.name for p in plan.present), *outcome.visible]
    missing = [f"{n} ({why})" for n, why in outcome.failed.items()]
    missing += [f"{n} (waits for a failed dependency)" for n in outcome.blocked]
    missing += [f"{n} (not started: the run stopped)" for n in outcome.not_started]
    head = (
        f"publish of {plan.tag} stopped: {outcome.rejected}"
        if outcome.rejected
        else f"publish of {plan.tag} is incomplete"
    )
    message = (
        f"{head}\n"
        f"published ({len(done)}): {', '.join(done) or 'none'}\n"
        f"not published ({len(missing)}):\n" + "\n".join(f"  - {m}" for m in missing)
    )
    return PublishFailed(
        message, hint=f"fix the cause, then resume with: {RESUME_COMMAND.format(tag=plan.tag)}"
    )


def run_reaction(
    settings: Settings, forge: Forge, event: PushEvent, ctx: Context, *, token: str | None = None
) -> Release | None:
    """The local forge's reaction to a new tag: publish the tag's commit, then create the forge
    release (`release_finish.finish`). Other refs, and tags that do not follow `[release] tag`,
    are ignored (None)."""
    from release_train.flows.release_finish import finish
    from release_train.registries import open_registry

    if not event.ref.startswith("refs/tags/"):
        return None
    tag = event.ref.removeprefix("refs/tags/")
    if parse_name(settings.release.tag, tag) is None:
        return None
    git = Git(settings.root)
    git.run("fetch", "--quiet", forge.remote_url, f"+refs/tags/{tag}:refs/tags/{tag}")
    registry = open_registry(settings, token, clock=ctx.clock)
    return finish(settings, forge, registry, ctx, tag).release


def journal_path(settings: Settings, tag: str) -> Path:
    """Where the journal of `tag` lives (for tests and `status`)."""
    return Journal.path_for(settings.resolve(settings.publish.journal_dir), tag)
