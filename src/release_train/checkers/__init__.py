"""API-break checkers by workspace kind (`[[workspace]] kind`). A kind without a checker is
reported as "API not checked", never silently passed."""

from __future__ import annotations

from release_train.checkers.cargo_semver import CargoSemverChecks
from release_train.checkers.interface import ApiChecker, ApiReport, Verdict

CHECKERS: dict[str, type[CargoSemverChecks]] = {"cargo": CargoSemverChecks}


def checker_for(kind: str) -> ApiChecker | None:
    found = CHECKERS.get(kind)
    return found() if found is not None else None


__all__ = ["CHECKERS", "ApiChecker", "ApiReport", "Verdict", "checker_for"]
