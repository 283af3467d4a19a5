"""Forge backends, chosen by `[forge] kind`, listed in a literal table.

Each entry opens its backend from the resolved settings (the backend module is imported only when
it is opened, so loading this package costs nothing) and says what the CLI and `doctor` need to
know of it: whether it reads a token, where it is, what to do when it does not answer. So no code
outside this package tests a backend's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import ConfigError
from release_train.forges.interface import Forge, PushHandler
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.forges.github_api import Token

# (settings, ctx, on_push, token): the token is read from the environment by the CLI only; the
# command's context is the forge's too, so what the forge itself has to say (rate-limit waits,
# held PRs) reaches the command's output, and it waits on the command's clock.
ForgeOpener = Callable[[Settings, Context, PushHandler | None, "Token | str | None"], Forge]


def _open_local(
    settings: Settings, ctx: Context, on_push: PushHandler | None, token: Token | str | None = None
) -> Forge:
    from release_train.forges.local import LocalForge

    if not settings.forge.path:
        raise ConfigError(
            "[forge] kind = 'local' needs [forge] path, the bare repository acting as origin",
            hint='add `path = "../origin.git"` under [forge] (create it with `release-train forge init`)',
        )
    return LocalForge(
        settings.resolve(settings.forge.path),
        on_push,
        require_checks=settings.forge.require_checks,
        clock=ctx.clock,
    )


def _open_github(
    settings: Settings, ctx: Context, on_push: PushHandler | None, token: Token | str | None = None
) -> Forge:
    from release_train.forges.github import GitHubForge

    # The git remote comes from the API (`clone_url`) unless [forge] path overrides it.
    remote = str(settings.resolve(settings.forge.path)) if settings.forge.path else None
    return GitHubForge(
        settings.project.repository,
        settings.forge.api_url,
        token,
        git_remote_url=remote,
        on_push=on_push,
        ctx=ctx,
        require_checks=settings.forge.require_checks,
        security_query=settings.gates.security_query,
    )


@dataclass(frozen=True)
class ForgeKind:
    open: ForgeOpener
    takes_token: bool  # it authenticates with the token in the variables `[forge] token-env` names
    address: Callable[[Settings], str]  # where the forge is, as `doctor` names it
    unreachable_fix: Callable[[Settings], str]  # `doctor`'s hint when the forge does not answer


FORGES: dict[str, ForgeKind] = {
    "local": ForgeKind(
        _open_local,
        takes_token=False,
        address=lambda s: s.forge.path,
        unreachable_fix=lambda s: (
            "create the forge with `release-train forge init PATH` and set [forge] path to it"
        ),
    ),
    "github": ForgeKind(
        _open_github,
        takes_token=True,
        address=lambda s: s.forge.api_url,
        unreachable_fix=lambda s: (
            "check [forge] api-url and [project] repository "
            f"({s.project.repository or 'unset'}) and the token"
        ),
    ),
}


def token_variables(settings: Settings) -> tuple[str, ...]:
    """The variables the configured forge reads its token from, in order (none: it needs none,
    or the kind is unknown and `open_forge` says so)."""
    kind = FORGES.get(settings.forge.kind)
    return tuple(settings.forge.token_env) if kind is not None and kind.takes_token else ()


def open_forge(
    settings: Settings,
    ctx: Context,
    on_push: PushHandler | None = None,
    *,
    token: Token | str | None = None,
) -> Forge:
    """The forge the settings name, working under the command's `ctx` (its clock, its observer).
    `on_push` receives every push event (CI's reactions). `token` (GitHub) is read by the CLI:
    `github_api.token_from_env(settings.forge.token_env, os.environ)`."""
    kind = FORGES.get(settings.forge.kind)
    if kind is None:
        raise ConfigError(
            f"unknown forge kind {settings.forge.kind!r}",
            hint=f"[forge] kind must be one of: {', '.join(FORGES)}",
        )
    return kind.open(settings, ctx, on_push, token)
