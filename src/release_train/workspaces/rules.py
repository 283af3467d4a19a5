"""Per-package rules (`[[workspace.rule]]`): packages that the train's `major` moves otherwise.

bytecodealliance/wasm-tools, for example, moves its API-stable `wasm-tools` and `wat` (1.N) by
minor in the same release in which every other crate takes a breaking bump:

    [[workspace.rule]]
    packages = ["wasm-tools", "wat"]
    major = "minor"

Errors, each naming the configuration file and the fix: a name or glob that matches no package (a
renamed crate must not silently lose its rule), a package two rules move differently, and a rule
that would move a package off the workspace version it inherits (`version.workspace = true`: it
can only move with the workspace).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from release_train.workspaces.interface import Package, Problem, raise_problems

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from release_train.config import Settings, WorkspaceSettings


def apply_rules(
    packages: tuple[Package, ...],
    config: WorkspaceSettings,
    settings: Settings,
    normalise: Callable[[str], str] = str,
) -> tuple[Package, ...]:
    """The packages, each carrying the `major` of the rule that names it ("major" when none does).
    `normalise` maps a name or glob as written to how package names are spelled (Python: PEP 503)."""
    if not config.rule:
        return packages
    where = settings.config_file or settings.root / "release-train.toml"
    chosen: dict[str, tuple[int, str]] = {}  # package -> (rule index, its `major`)
    problems: list[Problem] = []
    for n, rule in enumerate(config.rule):
        for glob in rule.packages:
            hits = [p for p in packages if fnmatchcase(p.name, normalise(glob))]
            if not hits:
                problems.append(
                    Problem(
                        where,
                        _line_of(where, glob),
                        f"[[workspace.rule]] {n + 1} names {glob!r}, which matches no package",
                        "fix the name (`release-train packages` lists them) or remove it from packages",
                    )
                )
            for p in hits:
                earlier = chosen.setdefault(p.name, (n, rule.major))
                if earlier[1] != rule.major:
                    problems.append(
                        Problem(
                            where,
                            0,
                            f"{p.name} is in [[workspace.rule]] {earlier[0] + 1} (major = {earlier[1]!r}) "
                            f"and in [[workspace.rule]] {n + 1} (major = {rule.major!r})",
                            f"name {p.name} in one rule only",
                        )
                    )
    for p in packages:
        major = chosen.get(p.name, (0, "major"))[1]
        if p.inherits_version and major != "major":
            problems.append(
                Problem(
                    p.manifest,
                    0,
                    f"{p.name} {_follows(p)}, so a rule cannot move it by {major!r}",
                    f'give {p.name} a version of its own (version = "{p.version}" under '
                    f"[{'project' if p.manifest.name == 'pyproject.toml' else 'package'}]) or take it out of the rule",
                )
            )
    raise_problems(problems, "the [[workspace.rule]] tables do not fit the workspace")
    return tuple(p if p.name not in chosen else p.replace(major_rule=chosen[p.name][1]) for p in packages)


def _follows(p: Package) -> str:
    if p.version_source:  # a Python version left to the tag (or to Cargo.toml, for maturin)
        return f"takes its version from {p.version_source}"
    return "inherits the workspace version"


def _line_of(config: Path, name: str) -> int:
    """The line of the configuration file where `name` is written as a string (0: not found)."""
    try:
        lines = config.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    quoted = (f'"{name}"', f"'{name}'")
    return next((n for n, line in enumerate(lines, 1) if any(q in line for q in quoted)), 0)
