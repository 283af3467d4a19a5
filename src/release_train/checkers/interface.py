"""API-break checkers: one small Protocol, its result value, one module per ecosystem's tool.

A checker compares the public API of some packages in a checkout against an earlier git revision
(the line's previous tag) and says: clean, breaking, failed (the tool could not run), or not
checked (the tool is not installed). Rust: `cargo-semver-checks` (`cargo_semver.py`); Python's
`griffe` plugs in the same way (`CHECKERS` in `__init__.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

Verdict = Literal["clean", "breaking", "failed", "not-checked"]


@dataclass(frozen=True)
class ApiReport:
    checker: str  # the tool's name, e.g. "cargo-semver-checks"
    verdict: Verdict
    baseline: str  # the revision compared against, e.g. "v12.0.0"
    packages: tuple[str, ...]
    summary: str  # one line for people: what was found, or why nothing was checked
    output: str = ""  # the tool's report (stdout, then stderr), trimmed
    command: tuple[str, ...] = ()

    @property
    def blocks(self) -> bool:
        """A break, or a check that was attempted and could not finish, stops a patch release."""
        return self.verdict in ("breaking", "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "checker": self.checker,
            "verdict": self.verdict,
            "baseline": self.baseline,
            "packages": list(self.packages),
            "summary": self.summary,
            "command": list(self.command),
        }


class ApiChecker(Protocol):
    @property
    def name(self) -> str: ...

    def available(self) -> bool:
        """True when the tool can be run here."""
        ...

    def check(self, root: Path, packages: Sequence[str], baseline_rev: str) -> ApiReport:
        """Compare `packages` of the checkout at `root` with the revision `baseline_rev`."""
        ...
