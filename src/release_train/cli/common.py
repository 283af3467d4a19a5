"""Options and plumbing shared by the commands: where the repository is, the settings, `--json`,
`--dry-run`, `--now`, and the observer that renders events. This is the only layer that reads the
environment and argv; it passes plain values down."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    # Imported where used: every command imports this module, and `bump`/`--help` must start
    # fast (bench/bump.py); settings, context and JSON are loaded only by the commands that ask.
    from collections.abc import Callable

    from release_train.config import Settings
    from release_train.context import Context, Failure
    from release_train.events import Event, Observer
    from release_train.flows.env import FlowEnv
    from release_train.forges.github_api import Token
    from release_train.forges.interface import Forge
    from release_train.infra.clock import Clock
    from release_train.registries.interface import Registry, RegistryFactory

FAIL_AFTER_ENV = "RELEASE_TRAIN_FAIL_AFTER"


def add_repo_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("repository")
    group.add_argument(
        "-C",
        "--repo",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="work in DIR (default: current directory)",
    )
    group.add_argument("--config", type=Path, metavar="FILE", help="use FILE instead of release-train.toml")
    group.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting, e.g. --set forge.path=../origin.git (repeatable)",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text")


def add_dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")


def add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO-DATETIME",
        type=_moment,
        help="act as if it were this moment (UTC), e.g. 2026-12-05 or 2026-12-05T00:00:00Z",
    )


def _moment(text: str) -> str:
    """`--now` checked while the command line is parsed: a bad one is a usage error (exit 2)."""
    from release_train.infra.clock import parse_now

    try:
        parse_now(text)
    except ValueError as exc:
        why = "" if "isoformat" in str(exc) else f" ({exc})"  # "month must be in 1..12", say
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or date-time{why}; give one in ISO 8601, "
            "e.g. 2026-12-05 or 2026-12-05T00:00:00Z (UTC unless it names an offset)"
        ) from None
    return text


def settings_from(args: argparse.Namespace) -> Settings:
    from release_train.config import load_settings

    return load_settings(args.repo, args.overrides, args.config)


def clock_from(args: argparse.Namespace) -> Clock:
    from release_train.infra.clock import PinnedClock, SystemClock, parse_now

    now = getattr(args, "now", None)
    return PinnedClock(parse_now(now)) if now else SystemClock()


def context_from(args: argparse.Namespace) -> Context:
    from release_train.context import Context

    as_json = bool(getattr(args, "json", False))
    ctx = Context(
        clock=clock_from(args),
        observer=summarized(JsonLinesObserver() if as_json else TextObserver()),
        fail_after=_fail_after(),
    )
    _CONTEXTS.append(ctx)
    return ctx


_CONTEXTS: list[Context] = []  # those of the running command, for `take_failures`


def take_failures() -> list[Failure]:
    """The failures recorded by the running command's contexts (its reactions'), once."""
    failures = [failure for ctx in _CONTEXTS for failure in ctx.failures]
    _CONTEXTS.clear()
    return failures


def summarized(observer: Observer) -> Observer:
    """`observer`, also feeding the CI summary when the running command records one. The
    summary module is loaded by the runner for the commands that take `--summary` only, so
    the others (bump) do not pay for its imports."""
    summary = sys.modules.get("release_train.cli.summary")
    return observer if summary is None else summary.tee(observer)


def _fail_after() -> int | None:
    """The fault-injection hook's step count, from `RELEASE_TRAIN_FAIL_AFTER` (tests set it)."""
    text = os.environ.get(FAIL_AFTER_ENV, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        from release_train.errors import UsageError

        raise UsageError(
            f"{FAIL_AFTER_ENV}={text!r}: expected a whole number of steps (0 or more)",
            hint=f"unset {FAIL_AFTER_ENV}: it is a test hook that interrupts a run after that many steps",
        )
    return int(text)


class TextObserver:
    """Renders events as plain lines on stderr, so stdout stays the command's result.

    A flow command prints its report (every step) on stdout when it ends, so its own steps are not
    echoed here as well unless `show_steps` (the publish command, whose report is a summary).
    Steps of what CI does in reaction to a push (tag, publish) are marked `ci` by the reactions
    and always shown, indented under the push that caused them."""

    PREFIX: ClassVar[dict[str, str]] = {
        "step": "  + ",
        "skip": "  = ",
        "warn": "warning: ",
        "info": "",
        "plan": "  - ",
    }
    STEPS: ClassVar[frozenset[str]] = frozenset({"step", "skip"})

    def __init__(self, *, show_steps: bool = False) -> None:
        self.show_steps = show_steps

    def __call__(self, event: Event) -> None:
        if event.kind == "progress":
            return
        ci = bool(event.data.get("ci"))
        if event.kind in self.STEPS and not (ci or self.show_steps):
            return
        prefix = self.PREFIX.get(event.kind, "")
        if ci and event.kind != "warn":
            prefix = f"    ci: {prefix.lstrip()}"
        print(f"{prefix}{event.message}", file=sys.stderr, flush=True)


class JsonLinesObserver:
    """Renders events as JSON lines on stderr, for CI logs."""

    def __call__(self, event: Event) -> None:
        import json

        line = {"event": event.kind, "message": event.message, **event.data}
        print(json.dumps(line, default=str), file=sys.stderr, flush=True)


def print_json(value: Any) -> None:
    import json

    print(json.dumps(value, indent=2, default=str))


def forge_token(settings: Settings) -> Token | None:
    """The forge token from the variables `[forge] token-env` names (GitHub only; never printed,
    and masked in a crash log whatever the variable is called)."""
    from release_train.forges import token_variables

    names = token_variables(settings)
    if not names:
        return None
    from release_train.forges.github_api import token_from_env

    token = token_from_env(names, os.environ)
    if token:
        _remember_secret(token.reveal())
    return token


def registry_factory(settings: Settings, clock: Clock | None = None) -> RegistryFactory:
    """The registry `[publish]` names, opened on first use (a configuration problem surfaces only
    in what needs the registry) with the token from the variable `[publish] token-env` names:
    the one place that token is read (never printed, and masked in a crash log whatever the
    variable is called)."""
    opened: list[Registry] = []

    def registry() -> Registry:
        if not opened:
            from release_train.registries import open_each

            opened.append(open_each(settings, _registry_token, clock=clock, mint=_trusted_publishing()))
        return opened[0]

    return registry


def _registry_token(settings: Settings) -> str | None:
    token = os.environ.get(settings.registry_token_env) or None
    if token:
        _remember_secret(token)
    return token


def _trusted_publishing() -> Callable[[str], str | None] | None:
    """On GitHub Actions with `id-token: write` (the variables GitHub sets then): PyPI's trusted
    publishing, which mints an upload token (remembered as a secret) at the first upload."""
    url = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    request_token = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if not url or not request_token:
        return None
    _remember_secret(request_token)

    def mint(upload_url: str) -> str | None:
        from release_train.registries.pypi_oidc import mint_token

        token = mint_token(upload_url, url, request_token)
        _remember_secret(token)
        return token

    return mint


def _remember_secret(secret: str) -> None:
    from release_train.infra.proc import remember_secrets

    remember_secrets(secret)


def forge_from(settings: Settings, ctx: Context) -> Forge:
    """The configured forge, with its token, for commands that only read or act directly
    (no reactions: use `flow_env` or `reactions.forge_and_reactions` for those). It works
    under the command's `ctx`, so its rate-limit waits and warnings are the command's output."""
    from release_train.forges import open_forge

    return open_forge(settings, ctx, token=forge_token(settings))


def flow_env(args: argparse.Namespace) -> FlowEnv:
    """The `FlowEnv` a flow command runs against: settings, the working repository at their
    root, the configured forge (sharing the command's clock, running the push reactions), the
    context and the registry (opened when first needed)."""
    from release_train.cli.reactions import forge_and_reactions
    from release_train.flows.env import FlowEnv
    from release_train.infra.git import Git

    settings = settings_from(args)
    ctx = context_from(args)
    registry = registry_factory(settings, ctx.clock)
    git = Git(settings.root)  # the command's one working repository, the reactions' too
    # Pushes and merges run CI's reactions (tag, publish), as on a real forge.
    forge, _ = forge_and_reactions(settings, ctx, registry, git)
    return FlowEnv(settings, git, forge, ctx, open_registry=registry)
