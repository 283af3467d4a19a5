"""What CI does when the forge reports a push: the reactions of the train, in a literal table.

The forge knows nothing of the flows; whoever builds it (the CLI, a test) hands it a push handler
built here, `Reactions`. For every push event the handler first records it
(`ctx.emit("event", ...)`, with `ref`, `before`, `after`), then runs the reactions `REACTIONS`
names for it, each as `run(env, event)` against the command's `FlowEnv` (its settings, its one
`Git`, the forge, its context marked as CI's, the registry the CLI opened):

- a push that moves `main` or a release branch (per `[branches]`) first finishes the unfinished
  releases the pushed commit contains (`publish/finish.py`: a publish that an earlier run left
  half-done), then runs the `tag` flow;
- a new tag (before = all zeros) that follows `[release] tag` runs the `publish` flow;
- anything else (bot branches, deletions, moved tags) is only recorded.

Inside `publish_deferred()` a new tag is only recorded: the flow that merges (a security release
across several lines) publishes every new tag itself, paced as one schedule.

A `ReleaseTrainError` raised by a reaction does not undo the push or merge that caused it (a
failing CI job does not revert a merge on GitHub): it is recorded on the context (`ctx.failed`,
with the command that resumes), and the command that pushed exits non-zero. Fault injection
(`InterruptedForTest`) and unexpected exceptions propagate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import InterruptedForTest, ReleaseTrainError
from release_train.events import Event, Observer
from release_train.flows.env import FlowEnv
from release_train.forges.interface import ZERO_SHA, Forge, PushEvent
from release_train.infra.git import Git
from release_train.model.branches import parse_name, release_branch_version
from release_train.registries.interface import RegistryFactory, no_registry
from release_train.values import dataclass, replace


def _tag(env: FlowEnv, event: PushEvent) -> object:
    from release_train.flows.train import tag  # each flow is imported when it first reacts

    return tag.run_reaction(env, event)


def _publish(env: FlowEnv, event: PushEvent) -> object:
    from release_train.flows import publish

    return publish.run_reaction(env, event)


def _finish(env: FlowEnv, event: PushEvent) -> object:
    from release_train.flows.publish import finish

    return finish.run_reaction(env, event)


def _tag_resume(event: PushEvent, error: ReleaseTrainError) -> str:
    return f"release-train tag --range {event.before}..{event.after} --ref {event.ref}"


def _publish_resume(event: PushEvent, error: ReleaseTrainError) -> str:
    return f"release-train publish --tag {event.ref.removeprefix('refs/tags/')}"


def _finish_resume(event: PushEvent, error: ReleaseTrainError) -> str:
    from release_train.flows.publish.finish import FinishFailed

    if isinstance(error, FinishFailed):
        return error.resume
    return "release-train status (it lists each unfinished release)"


@dataclass(frozen=True)
class Reaction:
    label: str  # for messages: "tag reaction to refs/heads/main failed"
    run: Callable[[FlowEnv, PushEvent], object]
    resume: Callable[[PushEvent, ReleaseTrainError], str]  # the command that does it again


TAG_FLOW = "tag"
PUBLISH_FLOW = "publish"
FINISH_FLOW = "finish"  # finishes what an earlier publish left
REACTIONS: dict[str, Reaction] = {
    TAG_FLOW: Reaction("tag", _tag, _tag_resume),
    PUBLISH_FLOW: Reaction("publish", _publish, _publish_resume),
    FINISH_FLOW: Reaction("release finish", _finish, _finish_resume),
}

_PUBLISH_DEFERRED: ContextVar[bool] = ContextVar("publish_deferred", default=False)


@contextmanager
def publish_deferred(deferred: bool = True) -> Iterator[None]:
    """While inside (and `deferred`), a new tag's publish reaction only records the tag: the
    caller publishes the tags its merges make itself. The scope ends on every exit path."""
    token = _PUBLISH_DEFERRED.set(deferred or _PUBLISH_DEFERRED.get())
    try:
        yield
    finally:
        _PUBLISH_DEFERRED.reset(token)


class Reactions:
    """A `PushHandler`. It needs the forge it reacts for: `bind()` it once the forge is open (the
    forge in turn needs the handler). `git` is the command's working repository (one per
    command); without it, one at `settings.root` is opened."""

    def __init__(
        self,
        settings: Settings,
        ctx: Context,
        registry: RegistryFactory = no_registry,
        *,
        git: Git | None = None,
    ) -> None:
        self.settings = settings
        self.ctx = ctx
        self.git = git or Git(settings.root)
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
        if flow == TAG_FLOW and not _PUBLISH_DEFERRED.get():
            return [FINISH_FLOW, TAG_FLOW]
        return [flow] if flow is not None else []

    def _react(self, flow: str, event: PushEvent) -> None:
        reaction = REACTIONS[flow]
        if flow == PUBLISH_FLOW and _PUBLISH_DEFERRED.get():
            # The flow that caused this push publishes the tag itself, with the others.
            self.ctx.emit(
                "info", f"  publish of {event.ref.removeprefix('refs/tags/')} deferred", ref=event.ref
            )
            return
        if self.forge is None:
            raise AssertionError("Reactions used before bind(forge)")
        # What the reaction reports is CI's output, not the command's own steps: mark it so.
        ci = replace(self.ctx, observer=_as_ci(self.ctx.observer))
        env = FlowEnv(self.settings, self.git, self.forge, ci, open_registry=self.registry)
        try:
            reaction.run(env, event)
        except InterruptedForTest:
            raise
        except ReleaseTrainError as exc:
            self.ctx.failed(f"{reaction.label} reaction to {event.ref}", exc, reaction.resume(event, exc))

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


def replay_merge(reactions: Reactions, base: str, commit: str) -> None:
    """Run again what CI does when `commit` (a merge) lands on `base`: a re-run of `pr merge`
    after a crash or a failed reaction finishes what the first run left (a tag not created, a
    release not published)."""
    reactions.git.fetch("origin")
    parent = reactions.git.rev_parse(f"{commit}^1") or ZERO_SHA
    reactions(PushEvent(f"refs/heads/{base}", parent, commit))


def _as_ci(observer: Observer) -> Observer:
    def marked(event: Event) -> None:
        observer(Event(event.kind, event.message, {**event.data, "ci": True}))

    return marked


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


def _short(sha: str) -> str:
    return sha[:12]
