"""Registry backends, chosen by `[publish] registry`, listed in a literal table.

"local" is the same Cargo adapter as "crates-io", pointed at the bundled server's index
(`release-train registry serve` prints it). A backend module is imported only when it is opened.
The token is read from the environment by the CLI and passed in here.
"""

from __future__ import annotations

from collections.abc import Callable

from release_train.config import Settings
from release_train.errors import ConfigError
from release_train.infra.clock import Clock
from release_train.registries.interface import Registry

LOCAL_ANY_TOKEN = "release-train-local"  # noqa: S105 (not a secret: a placeholder)

RegistryOpener = Callable[[Settings, str | None, Clock | None], Registry]


def _open_crates_io(settings: Settings, token: str | None, clock: Clock | None) -> Registry:
    from release_train.registries.cargo_registry import CargoRegistry

    return CargoRegistry(settings.publish.index, token, clock=clock)


def _open_local(settings: Settings, token: str | None, clock: Clock | None) -> Registry:
    from release_train.registries.cargo_registry import CRATES_IO_INDEX, CargoRegistry

    if settings.publish.index == CRATES_IO_INDEX:
        raise ConfigError(
            "[publish] registry = 'local' needs [publish] index, the local server's index URL",
            hint='add `index = "sparse+http://127.0.0.1:PORT/index/"` under [publish] '
            "(`release-train registry serve` prints it)",
        )
    # cargo will not upload without a token; the bundled server accepts any unless started with
    # --token, so a run without one (the demo, a reaction) still publishes.
    return CargoRegistry(settings.publish.index, token or LOCAL_ANY_TOKEN, clock=clock)


REGISTRIES: dict[str, RegistryOpener] = {
    "crates-io": _open_crates_io,
    "local": _open_local,
}


def open_registry(settings: Settings, token: str | None, *, clock: Clock | None = None) -> Registry:
    """The registry the settings name, holding `token` for uploads."""
    opener = REGISTRIES.get(settings.publish.registry)
    if opener is None:
        raise ConfigError(
            f"unknown registry {settings.publish.registry!r}",
            hint=f"[publish] registry must be one of: {', '.join(REGISTRIES)}",
        )
    return opener(settings, token, clock)


def open_each(
    settings: Settings, token_of: Callable[[Settings], str | None], *, clock: Clock | None = None
) -> Registry:
    """The registry of each `[[workspace]]` entry: the one `[publish]` names, or with several
    entries a `RoutedRegistry` sending each entry's packages to its own (`token_of` reads the
    token of each entry's settings)."""
    if len(settings.workspaces) == 1:
        return open_registry(settings, token_of(settings), clock=clock)
    from release_train.registries.routed import Route, RoutedRegistry

    def names() -> dict[str, int]:
        from release_train.workspaces import load_workspace

        parts = load_workspace(settings).parts()
        return {p.name: index for index, part in enumerate(parts) for p in part.packages}

    routes = []
    for entry in settings.workspaces:
        own = settings.for_entry(entry)
        routes.append(Route(open_registry(own, token_of(own), clock=clock), entry.path))
    return RoutedRegistry(routes, names)
