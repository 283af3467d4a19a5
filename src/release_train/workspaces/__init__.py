"""Workspace kinds, listed in a literal table and chosen by `[[workspace]] kind`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from release_train.errors import ConfigError

if TYPE_CHECKING:
    from release_train.config import Settings
    from release_train.workspaces.interface import Workspace

# kind -> "module:class"; the module is imported only when that kind is used
WORKSPACES: dict[str, str] = {
    "cargo": "release_train.workspaces.cargo:CargoKind",
    "python": "release_train.workspaces.python:PythonKind",
}


def load_workspace(settings: Settings, index: int = 0) -> Workspace:
    """Read the configured workspace (`settings.workspaces[index]`, the first by default)."""
    import importlib

    config = settings.workspaces[index]
    entry = WORKSPACES.get(config.kind)
    if entry is None:
        raise ConfigError(
            f"[[workspace]] kind = {config.kind!r} is not supported",
            hint=f"use one of: {', '.join(WORKSPACES)}",
        )
    module_name, _, class_name = entry.partition(":")
    kind = getattr(importlib.import_module(module_name), class_name)()
    workspace: Workspace = kind.load(settings, config)
    return workspace
