"""What CI does when the forge reports a push: the reactions of the train.

The forge knows nothing of the flows; the CLI hands it a push handler built here. For every push
event the handler first records it (`ctx.emit("event", ...)`, with `ref`, `before`, `after`), then:

- a push that moves `main` or a release branch (per `[branches]`) first finishes the unfinished
  releases the pushed commit contains (`publish/finish.py`: a publish that an earlier run left
  half-done), then runs the `tag` flow;
- a new tag (before = all zeros) that follows `[release] tag` runs the `publish` flow;
- anything else (bot branches, deletions, moved tags) is only recorded.

While `ctx.defer_publish` is set, a new tag is only recorded: the flow that merged (a security
release across several lines) publishes every new tag itself, paced as one schedule.

Contract for the flow modules: `release_train.flows.tag` and `release_train.flows.publish` each
provide

    def run_reaction(settings: Settings, forge: Forge, event: PushEvent, ctx: Context) -> None

which does what CI would do for that event; the publish flows' (`flows.publish` for a new tag,
`flows.publish.finish` for a branch push) also take `registry=`, the registry factory the CLI
built (it holds the token, read from the environment by the CLI). It is called only when the
module exists (and has that function), so the forge works before the flows are written. A `ReleaseTrainError` raised by a
reaction does not undo the push or merge that caused it (a failing CI job does not revert a merge
on GitHub): it is recorded on the context (`ctx.failed`, with the command that resumes), and the
command that pushed exits non-zero. Fault injection (`InterruptedForTest`) and unexpected
exceptions propagate.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import InterruptedForTest, ReleaseTrainError
from release_train.events import Event, Observer
from release_train.forges import open_forge
from release_train.forges.interface import ZERO_SHA, Forge, PushEvent
from release_train.model.branches import parse_name, release_branch_version
from release_train.registries.interface import RegistryFactory, no_registry

TAG_FLOW = "release_train.flows.tag"
PUBLISH_FLOW = "release_train.flows.publish"
FINISH_FLOW = "release_train.flows.publish.finish"  # finishes what an earlier publish left
LABELS = {TAG_FLOW: "tag", PUBLISH_FLOW: "publish", FINISH_FLOW: "release finish"}  # for messages


class Reactions:
    """A `PushHandler`. It needs the forge it reacts for: `bind()` it once the forge is open (the
    forge in turn needs the handler; `open_forge_with_reactions` does both)."""

    def __init__(self, settings: Settings, ctx: Context, registry: RegistryFactory = no_registry) -> None:
        self.settings = settings
        self.ctx = ctx
        self.forge: Forge | None = None
        # CI's publish job holds the registry token; the CLI opens the registry with it.
        self.registry = registry

    def bind(self, forge: Forge) -> None:
        self.forge = forge

    def __call__(self, event: PushEvent) -> None:
        self.ctx.emit(
            "event",
            f"push {event.ref} {_short(event.before)}..{_short(event.after)}",
            ref=event.ref,
            before=event.before,
            after=event.after,
        )
        for flow in self.flows_for(event):
            self._react(flow, event)

    def flows_for(self, event: PushEvent) -> list[str]:
        """The flows this event runs, in order: a branch push finishes earlier releases first."""
        flow = self.flow_for(event)
        if flow == TAG_FLOW and not self.ctx.defer_publish:
            return [FINISH_FLOW, TAG_FLOW]
        return [flow] if flow is not None else []

    def _react(self, flow: str, event: PushEvent) -> None:
        module = _load(flow)
        if module is None or not hasattr(module, "run_reaction"):
            self.ctx.emit("info", f"  ({_label(flow)} flow not available: event recorded only)")
            return
        if flow == PUBLISH_FLOW and self.ctx.defer_publish:
            # The flow that caused this push publishes the tag itself, with the others (ctx).
            self.ctx.emit(
                "info", f"  publish of {event.ref.removeprefix('refs/tags/')} deferred", ref=event.ref
            )
            return
        if self.forge is None:
            raise AssertionError("Reactions used before bind(forge)")
        # What the reaction reports is CI's output, not the command's own steps: mark it so.
        observer = self.ctx.observer
        self.ctx.observer = _as_ci(observer)
        try:
            if flow in (PUBLISH_FLOW, FINISH_FLOW):
                module.run_reaction(self.settings, self.forge, event, self.ctx, registry=self.registry)
            else:
                module.run_reaction(self.settings, self.forge, event, self.ctx)
        except InterruptedForTest:
            raise
        except ReleaseTrainError as exc:
            what = f"{_label(flow)} reaction to {event.ref}"
            self.ctx.failed(what, exc, _resume(flow, event, exc))
        finally:
            self.ctx.observer = observer

    def flow_for(self, event: PushEvent) -> str | None:
        """Which flow this event triggers, if any."""
        if event.after == ZERO_SHA:
            return None
        if event.ref.startswith("refs/heads/"):
            branch = event.ref.removeprefix("refs/heads/")
            if branch == self.settings.branches.main or _is_release_branch(
                self.settings.branches.release, branch
            ):
                return TAG_FLOW
            return None
        tag = event.ref.removeprefix("refs/tags/")
        is_new_tag = event.ref.startswith("refs/tags/") and event.before == ZERO_SHA
        return PUBLISH_FLOW if is_new_tag and _matches(self.settings.release.tag, tag) else None


def _resume(flow: str, event: PushEvent, error: ReleaseTrainError) -> str:
    """The command that does again what a failed reaction to `event` did."""
    if flow == TAG_FLOW:
        return f"release-train tag --range {event.before}..{event.after} --ref {event.ref}"
    if flow == PUBLISH_FLOW:
        return f"release-train publish --tag {event.ref.removeprefix('refs/tags/')}"
    return getattr(error, "resume", None) or "release-train status (it lists each unfinished release)"


def _label(flow: str) -> str:
    return LABELS.get(flow) or flow.rsplit(".", 1)[-1]


def _as_ci(observer: Observer) -> Observer:
    def marked(event: Event) -> None:
        observer(Event(event.kind, event.message, {**event.data, "ci": True}))

    return marked


def open_forge_with_reactions(settings: Settings, ctx: Context, registry: RegistryFactory) -> Forge:
    """The configured forge (with its token), with every push it makes running the reactions
    above (publishing to `registry`)."""
    return forge_and_reactions(settings, ctx, registry)[0]


def forge_and_reactions(
    settings: Settings, ctx: Context, registry: RegistryFactory
) -> tuple[Forge, Reactions]:
    """`open_forge_with_reactions`, and the reactions, for a command that runs them again."""
    from release_train.cli.common import forge_token

    handler = Reactions(settings, ctx, registry)
    forge = open_forge(
        settings, on_push=handler, clock=ctx.clock, token=forge_token(settings), observer=ctx.observer
    )
    handler.bind(forge)
    return forge, handler


def replay_merge(reactions: Reactions, base: str, commit: str) -> None:
    """Run again what CI does when `commit` (a merge) lands on `base`: a re-run of `pr merge`
    after a crash or a failed reaction finishes what the first run left (a tag not created, a
    release not published)."""
    from release_train.infra.git import Git

    git = Git(reactions.settings.root)
    git.fetch("origin")
    parent = git.rev_parse(f"{commit}^1") or ZERO_SHA
    reactions(PushEvent(f"refs/heads/{base}", parent, commit))


def _matches(pattern: str, name: str) -> bool:
    try:
        return parse_name(pattern, name) is not None
    except ValueError:  # a pattern without {version}: config validation reports it elsewhere
        return False


def _is_release_branch(pattern: str, name: str) -> bool:
    try:
        return release_branch_version(pattern, name) is not None
    except ValueError:  # a pattern without {version}: config validation reports it elsewhere
        return False


def _load(name: str) -> ModuleType | None:
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _short(sha: str) -> str:
    return sha[:12]
