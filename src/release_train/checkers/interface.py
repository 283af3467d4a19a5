"""API-break checkers: one small Protocol, its result value, one module per ecosystem's tool.

A checker compares the public API of some packages in a checkout against an earlier git revision
(the line's previous tag) and says: clean, breaking, failed (the tool could not run), or not
checked (the tool is not installed). Rust: `cargo-semver-checks` (`cargo_semver.py`), Python:
`griffe` (`griffe.py`), listed by workspace kind in `CHECKERS` (`__init__.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.workspaces.interface import Package

MAX_OUTPUT = 4000  # characters of a tool's report kept for the PR body
Verdict = Literal["clean", "breaking", "failed", "not-checked"]


@dataclass(frozen=True)
class ApiReport:
    checker: str  # the tool's name, e.g. "cargo-semver-checks"
    verdict: Verdict
    baseline: str  # the revision compared against, e.g. "v12.0.0"
    packages: tuple[str, ...]
    summary: str  # one line for people: what was found, or why nothing was checked
    output: str = ""  # the tool's report (stdout, then stderr), trimmed
    commands: tuple[tuple[str, ...], ...] = ()  # each command run (griffe runs once per import package)

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
            "commands": [list(command) for command in self.commands],
        }


class ApiChecker(Protocol):
    @property
    def name(self) -> str: ...

    def available(self) -> bool:
        """True when the tool can be run here."""
        ...

    def check(self, root: Path, packages: Sequence[Package], baseline_rev: str) -> ApiReport:
        """Compare the API of `packages` (the public ones of the workspace at `root`, a checkout)
        with the revision `baseline_rev`."""
        ...


def trim(text: str) -> str:
    """A tool's report cut to about `MAX_OUTPUT` characters: its start (what was run) and its end
    (where a traceback says what went wrong), saying how much was left out between."""
    if len(text) <= MAX_OUTPUT:
        return text
    head, tail = MAX_OUTPUT // 4, MAX_OUTPUT - MAX_OUTPUT // 4
    return f"{text[:head]}\n... ({len(text) - head - tail} characters left out) ...\n{text[-tail:]}"
