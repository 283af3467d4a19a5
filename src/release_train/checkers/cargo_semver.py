"""`cargo semver-checks`: the Rust API-break checker (reference notes section 4.2).

Run as `cargo semver-checks check-release -p A -p B --baseline-rev TAG` in the checkout (cargo
finds the `cargo-semver-checks` executable on PATH and runs it as
`cargo-semver-checks semver-checks ...`). Exit codes: 0 clean, 100 semver violations, anything
else (101 for its own failures) means it could not run. Its default baseline comes from crates.io
only, which a private or local registry does not serve, so the baseline is always the line's
previous tag by git revision.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.checkers.interface import ApiReport, trim
from release_train.infra import proc

if TYPE_CHECKING:
    from release_train.workspaces.interface import Package

TOOL = "cargo-semver-checks"
CLEAN, BREAKING = 0, 100


class CargoSemverChecks:
    name = TOOL

    def available(self) -> bool:
        # Looking the tool up on PATH is how cargo itself finds subcommands; not finding it is a
        # normal state here (it cannot be installed without crates.io), reported, never fatal.
        return shutil.which(TOOL) is not None

    def check(self, root: Path, packages: Sequence[Package], baseline_rev: str) -> ApiReport:
        names = tuple(sorted(p.name for p in packages))
        if not self.available():
            return ApiReport(
                TOOL, "not-checked", baseline_rev, names, f"API not checked: {TOOL} is not installed"
            )
        command: tuple[str, ...] = ("cargo", "semver-checks", "check-release", "--baseline-rev", baseline_rev)
        for name in names:
            command += ("-p", name)
        done = proc.run(command, cwd=root, check=False)
        output = trim("\n".join(part.strip() for part in (done.stdout, done.stderr) if part.strip()))
        listed = ", ".join(names)
        if done.returncode == CLEAN:
            summary = f"{TOOL} found no semver-breaking change in {listed} against {baseline_rev}"
            return ApiReport(TOOL, "clean", baseline_rev, names, summary, output, (command,))
        if done.returncode == BREAKING:
            summary = f"{TOOL} found semver-breaking changes against {baseline_rev}"
            return ApiReport(TOOL, "breaking", baseline_rev, names, summary, output, (command,))
        summary = f"{TOOL} could not check the API (exit {done.returncode})"
        return ApiReport(TOOL, "failed", baseline_rev, names, summary, output, (command,))
