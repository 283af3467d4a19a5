"""`griffe check`: the Python API-break checker (https://mkdocstrings.github.io/griffe/, on PyPI).

For each import package of each public distribution (`import_packages.py`), in the checkout of
the commit to release:

    griffe check PKG --against TAG --search DIR --format oneline --no-color --no-inspection

run from the repository's top directory, DIR relative to it: griffe loads the current sources
from DIR and the baseline's from a temporary git worktree of TAG it makes (and removes) itself.
`--no-inspection`: the sources are read, never imported, so checking a package runs none of its
code. Exit codes: 0 no breaking change, 1 breaking changes (one line each on stderr,
`FILE:LINE: OBJECT: KIND[: OLD -> NEW]`); any other code, a traceback, or an exit 1 without a
single such line means griffe could not check (it exits 1 on a crash too), which blocks.

griffe is found on PATH (the project's own environment, `uv tool install griffe`), else in the
environment release-train runs from (`uv tool install release-train --with griffe`, `pipx inject
release-train griffe`); neither: "API not checked". A package that did not exist at the baseline
has nothing to compare with and is said to be new.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.checkers.import_packages import ImportPackage, import_packages
from release_train.checkers.interface import ApiReport, Verdict, trim
from release_train.infra import proc
from release_train.infra.git import toplevel
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.workspaces.interface import Package

TOOL = "griffe"
CLEAN, BREAKING = 0, 1
# one finding of `--format oneline`; griffe's own log lines start with their level
_FINDING = re.compile(
    r"^(?!(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s)\S[^\n]*?:\d+: \S+: \S[^\n]*$", re.MULTILINE
)


def find_griffe() -> str | None:
    """The `griffe` executable: on PATH, else installed beside release-train."""
    import sysconfig

    found = shutil.which(TOOL)
    if found is not None:
        return found
    beside = Path(sysconfig.get_path("scripts")) / TOOL
    return str(beside) if os.access(beside, os.X_OK) and beside.is_file() else None


@dataclass(frozen=True)
class _Run:
    """One import package's check."""

    package: str  # the distribution
    module: str  # the import package
    verdict: Verdict
    findings: int
    text: str  # what to show: the command and griffe's output, or why it was not run
    command: tuple[str, ...] = ()  # empty when not run

    @property
    def label(self) -> str:
        """The import package, and its distribution when the names differ: "pyline_util" for
        pyline-util, "railcar (pyrail-core)"."""
        same = self.module == self.package.replace("-", "_")
        return self.module if same else f"{self.module} ({self.package})"


class Griffe:
    name = TOOL

    def available(self) -> bool:
        return find_griffe() is not None

    def check(self, root: Path, packages: Sequence[Package], baseline_rev: str) -> ApiReport:
        names = tuple(sorted(p.name for p in packages))
        executable = find_griffe()
        if executable is None:
            summary = f"API not checked: {TOOL} is not installed (on PATH or beside release-train)"
            return ApiReport(TOOL, "not-checked", baseline_rev, names, summary)
        top = toplevel(root)
        runs = [
            _check_one(executable, top, package, module, baseline_rev)
            for package in sorted(packages, key=lambda p: p.name)
            for module in import_packages(package.manifest)
        ]
        return _report(runs, names, baseline_rev)


def _check_one(executable: str, top: Path, package: Package, module: ImportPackage, baseline: str) -> _Run:
    search, path = module.search.resolve(), module.path().resolve()
    if not search.is_relative_to(top):
        reason = f"{module.name} of {package.name} is searched in {search}, outside the repository"
        return _Run(package.name, module.name, "failed", 0, reason)
    relative = search.relative_to(top).as_posix() or "."
    if path.exists() and not _at_baseline(top, baseline, path.relative_to(top).as_posix()):
        return _Run(package.name, module.name, "clean", 0, f"new since {baseline}")
    command: tuple[str, ...] = (executable, "check", module.name, "--against", baseline, "--search", relative)
    command += ("--format", "oneline", "--no-color", "--no-inspection")
    done = proc.run(command, cwd=top, check=False)
    output = "\n".join(part.strip() for part in (done.stdout, done.stderr) if part.strip())
    verdict, findings = _verdict(done.returncode, output)
    shown = f"$ {TOOL} {' '.join(command[1:])}\n{output or '(no output)'}"
    if verdict == "failed":
        shown += f"\n(exit {done.returncode})"
    if not path.exists():  # say where it was looked for: the fix is in pyproject.toml, not griffe
        manifest = package.manifest.resolve().relative_to(top).as_posix()
        shown = f"{module.name} is not in {relative} (the import packages of {package.name} are read from {manifest})\n{shown}"
    return _Run(package.name, module.name, verdict, findings, shown, command)


def _verdict(returncode: int, output: str) -> tuple[Verdict, int]:
    """griffe exits 1 on breaking changes and on a crash alike: only an exit 1 that printed
    findings and no traceback is a break."""
    findings = len(_FINDING.findall(output))
    crashed = "Traceback (most recent call last)" in output
    if returncode == CLEAN and not crashed:
        return "clean", 0
    if returncode == BREAKING and findings and not crashed:
        return "breaking", findings
    return "failed", findings


def _at_baseline(top: Path, baseline: str, path: str) -> bool:
    done = proc.run(["git", "cat-file", "-e", f"{baseline}:{path}"], cwd=top, check=False)
    return done.returncode == 0


def _report(runs: list[_Run], names: tuple[str, ...], baseline: str) -> ApiReport:
    def listed(chosen: list[_Run]) -> str:
        return ", ".join(r.label for r in chosen)

    failed = [r for r in runs if r.verdict == "failed"]
    breaking = [r for r in runs if r.verdict == "breaking"]
    count = sum(r.findings for r in breaking)
    found = f"{count} breaking API change{'s' if count != 1 else ''} against {baseline} in {listed(breaking)}"
    if failed:
        verdict: Verdict = "failed"
        summary = f"{TOOL} could not check the API of {listed(failed)}"
        summary += f"; it found {found}" if breaking else ""
    elif breaking:
        verdict = "breaking"
        summary = f"{TOOL} found {found}"
    else:
        verdict = "clean"
        checked, new = [r for r in runs if r.command], [r for r in runs if not r.command]
        summary = f"{TOOL} found no breaking API change in {listed(checked) or 'nothing'} against {baseline}"
        summary += f"; new since {baseline}: {listed(new)}" if new else ""
    output = trim("\n\n".join(r.text for r in (failed + breaking)))
    commands = tuple(r.command for r in runs if r.command)
    return ApiReport(TOOL, verdict, baseline, names, summary, output, commands)
