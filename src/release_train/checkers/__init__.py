"""API-break checkers by workspace kind (`[[workspace]] kind`). A kind without a checker is
reported as "API not checked", never silently passed."""

from __future__ import annotations

from release_train.checkers.interface import ApiChecker, ApiReport, Verdict

# kind -> "module:class"; the module is imported only when a patch release of that kind is checked
CHECKERS: dict[str, str] = {
    "cargo": "release_train.checkers.cargo_semver:CargoSemverChecks",
    "python": "release_train.checkers.griffe:Griffe",
}


def checker_for(kind: str) -> ApiChecker | None:
    import importlib

    entry = CHECKERS.get(kind)
    if entry is None:
        return None
    module_name, _, class_name = entry.partition(":")
    checker: ApiChecker = getattr(importlib.import_module(module_name), class_name)()
    return checker


__all__ = ["CHECKERS", "ApiChecker", "ApiReport", "Verdict", "checker_for"]
