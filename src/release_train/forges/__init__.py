"""Forge backends, chosen by `[forge] kind`, listed in a literal table.

Each entry opens its backend from the resolved settings; the backend module is imported only when
it is opened, so loading this package costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from release_train.config import Settings
from release_train.errors import ConfigError
from release_train.forges.interface import Forge, PushHandler
from release_train.infra.clock import Clock

ForgeOpener = Callable[[Settings, PushHandler | None, Clock | None], Forge]


def _open_local(settings: Settings, on_push: PushHandler | None, clock: Clock | None) -> Forge:
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
        clock=clock,
    )


FORGES: dict[str, ForgeOpener] = {
    "local": _open_local,
}


def open_forge(
    settings: Settings, on_push: PushHandler | None = None, *, clock: Clock | None = None
) -> Forge:
    """The forge the settings name. `on_push` receives every push event (CI's reactions)."""
    opener = FORGES.get(settings.forge.kind)
    if opener is None:
        raise ConfigError(
            f"unknown forge kind {settings.forge.kind!r}",
            hint=f"[forge] kind must be one of: {', '.join(FORGES)}",
        )
    return opener(settings, on_push, clock)
