"""Workspace kinds, listed in a literal table and chosen by `[[workspace]] kind`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from release_train.errors import ConfigError

if TYPE_CHECKING:
    from release_train.config import Settings, WorkspaceSettings
    from release_train.workspaces.interface import Workspace

# kind -> "module:class"; the module is imported only when that kind is used
WORKSPACES: dict[str, str] = {
    "cargo": "release_train.workspaces.cargo:CargoKind",
    "python": "release_train.workspaces.python:PythonKind",
}


def load_workspace(settings: Settings) -> Workspace:
    """Read the configured workspace: the one `[[workspace]]` entry, or every entry joined into
    one that moves together (workspaces/composite.py)."""
    if len(settings.workspaces) > 1:
        from release_train.workspaces.composite import load_composite

        return load_composite(settings, load_entry)
    return load_entry(settings, settings.workspaces[0])


def load_entry(settings: Settings, config: WorkspaceSettings) -> Workspace:
    """Read one `[[workspace]]` entry with its kind's loader."""
    import importlib

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
