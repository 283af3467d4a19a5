"""The registry of a repository with several `[[workspace]]` entries: each entry's packages go to
its own registry (a Cargo workspace's to a Cargo registry, a Python one's to a package index),
behind the one registry Protocol the publish engine speaks.

Each call is routed by package name to the registry of the entry holding the package; `package`
and `publish` get the entry's directory inside the workspace they are given. It can do what all
of its registries can; `for_package` is the registry of one package, to ask what it can do (a
Cargo registry yanks, a package index cannot). The routes are read
when first needed (the CLI reads the entries' names from the repository).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.registries.interface import (
    Artefact,
    PublishedVersion,
    Registry,
    RegistryCapability,
    RegistryError,
    UploadRequest,
)
from release_train.values import replace

if TYPE_CHECKING:
    from release_train.workspaces.interface import Package


class Route:
    """One `[[workspace]]` entry: its registry and its directory, relative to the repository."""

    __slots__ = ("path", "registry")

    def __init__(self, registry: Registry, path: str) -> None:
        self.registry = registry
        self.path = path


class RoutedRegistry:
    def __init__(self, routes: Sequence[Route], names: Callable[[], Mapping[str, int]]) -> None:
        self._routes = routes
        self._names = names  # package name -> index of its route, read once when first needed
        self._known: Mapping[str, int] | None = None

    @property
    def label(self) -> str:
        return " and ".join(route.registry.label for route in self._routes)

    @property
    def capabilities(self) -> frozenset[RegistryCapability]:
        """What every registry behind it can do (what all packages need, uploads, is checked once
        for all; what one package needs is asked of `for_package`)."""
        return frozenset.intersection(*(route.registry.capabilities for route in self._routes))

    def for_package(self, name: str) -> Registry:
        return self.route(name).registry.for_package(name)

    def route(self, name: str) -> Route:
        if self._known is None:
            self._known = self._names()
        index = self._known.get(name)
        if index is None:
            raise RegistryError(
                f"{name} is a package of no [[workspace]] entry, so it has no registry",
                hint="run `release-train packages` to list the packages of each workspace",
            )
        return self._routes[index]

    def versions(self, name: str) -> dict[str, PublishedVersion]:
        return self.route(name).registry.versions(name)

    def publish(self, request: UploadRequest) -> None:
        route = self.route(request.name)
        route.registry.publish(replace(request, workspace=request.workspace / route.path))

    def is_visible(self, name: str, version: str) -> bool:
        return self.route(name).registry.is_visible(name, version)

    def yank(self, name: str, version: str) -> None:
        self.route(name).registry.yank(name, version)

    def package(
        self, workspace: Path, target_dir: Path, packages: Sequence[Package]
    ) -> dict[str, tuple[Artefact, ...]]:
        """Each entry's registry packages its own packages (in publish order), in a directory of
        its own under `target_dir`."""
        made: dict[str, tuple[Artefact, ...]] = {}
        for index, route in enumerate(self._routes):
            mine = [p for p in packages if self.route(p.name) is route]
            if mine:
                made.update(
                    route.registry.package(workspace / route.path, target_dir / f"entry-{index}", mine)
                )
        return made
