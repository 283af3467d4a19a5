"""Forge backends, chosen by `[forge] kind`, listed in a literal table.

Each entry opens its backend from the resolved settings; the backend module is imported only when
it is opened, so loading this package costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import ConfigError
from release_train.forges.interface import Forge, PushHandler

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


FORGES: dict[str, ForgeOpener] = {
    "local": _open_local,
    "github": _open_github,
}


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
    opener = FORGES.get(settings.forge.kind)
    if opener is None:
        raise ConfigError(
            f"unknown forge kind {settings.forge.kind!r}",
            hint=f"[forge] kind must be one of: {', '.join(FORGES)}",
        )
    return opener(settings, ctx, on_push, token)
