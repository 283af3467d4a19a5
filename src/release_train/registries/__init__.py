"""Registry backends, chosen by `[publish] registry` and the workspaces' kind, listed in a
literal table.

Cargo workspaces: "crates-io", or "local", the same Cargo adapter pointed at the bundled server's
index (`release-train registry serve` prints it). Python workspaces: "pypi" (PyPI, or another
index given by `index` and `upload-url`), or "local", the same Python adapter pointed at the
bundled pypiserver (`release-train registry serve --python`). A backend module is imported only
when it is opened. The token is read from the environment by the CLI and passed in here.
"""

from __future__ import annotations

from collections.abc import Callable

from release_train.config import Settings
from release_train.errors import ConfigError
from release_train.infra.clock import Clock
from release_train.registries.interface import Registry

LOCAL_ANY_TOKEN = "release-train-local"  # noqa: S105 (not a secret: a placeholder)

# Without a token, where one can be minted for an upload URL (PyPI's trusted publishing).
Minter = Callable[[str], str | None]
RegistryOpener = Callable[[Settings, str | None, Clock | None, Minter | None], Registry]


def _open_crates_io(
    settings: Settings, token: str | None, clock: Clock | None, mint: Minter | None
) -> Registry:
    from release_train.registries.cargo_registry import CargoRegistry

    if settings.python_registry:
        raise ConfigError(
            "[publish] registry = 'crates-io' cannot take Python distributions",
            hint="set [publish] registry = 'pypi' (or 'local' for the bundled index)",
        )
    return CargoRegistry(settings.publish.index, token, clock=clock)


def _open_local(settings: Settings, token: str | None, clock: Clock | None, mint: Minter | None) -> Registry:
    from release_train.registries.cargo_registry import CRATES_IO_INDEX, CargoRegistry

    if settings.python_registry:
        return _open_python(settings, token, clock, local=True)
    if settings.publish.index == CRATES_IO_INDEX:
        raise ConfigError(
            "[publish] registry = 'local' needs [publish] index, the local server's index URL",
            hint='add `index = "sparse+http://127.0.0.1:PORT/index/"` under [publish] '
            "(`release-train registry serve` prints it)",
        )
    # cargo will not upload without a token; the bundled server accepts any unless started with
    # --token, so a run without one (the demo, a reaction) still publishes.
    return CargoRegistry(settings.publish.index, token or LOCAL_ANY_TOKEN, clock=clock)


def _open_pypi(settings: Settings, token: str | None, clock: Clock | None, mint: Minter | None) -> Registry:
    if not settings.python_registry:
        raise ConfigError(
            "[publish] registry = 'pypi' publishes Python distributions, but the workspace is Cargo's",
            hint="use registry = 'crates-io' (or 'local') for a Cargo workspace",
        )
    return _open_python(settings, token, clock, local=False, mint=mint)


def _open_python(
    settings: Settings, token: str | None, clock: Clock | None, *, local: bool, mint: Minter | None = None
) -> Registry:
    from release_train.registries.cargo_registry import CRATES_IO_INDEX
    from release_train.registries.pypi import PYPI_INDEX, PYPI_UPLOAD, PypiRegistry

    index = settings.publish.index if settings.publish.index != CRATES_IO_INDEX else ""
    upload = settings.publish.upload_url
    if local and not index:
        raise ConfigError(
            "[publish] registry = 'local' needs [publish] index, the local index's simple API URL",
            hint='add `index = "http://127.0.0.1:PORT/simple/"` under [publish] '
            "(`release-train registry serve --python` prints it)",
        )
    index = index or PYPI_INDEX
    if not upload and (local or index == PYPI_INDEX):
        # pypiserver takes uploads at its root, the simple API is under /simple/
        upload = index.removesuffix("/").removesuffix("/simple") + "/" if local else PYPI_UPLOAD
    if not upload:
        raise ConfigError(
            f"[publish] index = {index!r} is not PyPI's: say where uploads go",
            hint='add `upload-url = "https://.../legacy/"` under [publish] (the index\'s upload API)',
        )
    return PypiRegistry(
        index,
        upload,
        token,
        clock=clock,
        isolation=settings.publish.build_isolation,
        token_env=settings.registry_token_env,
        mint_token=None if token else mint,
    )


REGISTRIES: dict[str, RegistryOpener] = {
    "crates-io": _open_crates_io,
    "pypi": _open_pypi,
    "local": _open_local,
}


def open_registry(
    settings: Settings, token: str | None, *, clock: Clock | None = None, mint: Minter | None = None
) -> Registry:
    """The registry the settings name, holding `token` for uploads (without one, PyPI asks `mint`
    at its first upload)."""
    opener = REGISTRIES.get(settings.publish.registry)
    if opener is None:
        raise ConfigError(
            f"unknown registry {settings.publish.registry!r}",
            hint=f"[publish] registry must be one of: {', '.join(REGISTRIES)}",
        )
    return opener(settings, token, clock, mint)


def open_each(
    settings: Settings,
    token_of: Callable[[Settings], str | None],
    *,
    clock: Clock | None = None,
    mint: Minter | None = None,
) -> Registry:
    """The registry of each `[[workspace]]` entry: the one `[publish]` names, or with several
    entries a `RoutedRegistry` sending each entry's packages to its own (`token_of` reads the
    token of each entry's settings; `mint` as for `open_registry`)."""
    if len(settings.workspaces) == 1:
        return open_registry(settings, token_of(settings), clock=clock, mint=mint)
    from release_train.registries.routed import Route, RoutedRegistry

    def names() -> dict[str, int]:
        from release_train.workspaces import load_workspace

        parts = load_workspace(settings).parts()
        return {p.name: index for index, part in enumerate(parts) for p in part.packages}

    routes = []
    for entry in settings.workspaces:
        own = settings.for_entry(entry)
        routes.append(Route(open_registry(own, token_of(own), clock=clock, mint=mint), entry.path))
    return RoutedRegistry(routes, names)
