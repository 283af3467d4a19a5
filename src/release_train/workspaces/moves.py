"""How a version operation moves a package with a version of its own, and the `old -> new` lines a
bump prints: the same for every workspace kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from release_train.model.version import Operation, Version
from release_train.workspaces.interface import Package


def moved(p: Package, op: Operation, rc_train: bool) -> Version:
    """`p`'s version after `op`. Unpublishable packages keep theirs, as Wasmtime's release script
    does (its history never moved one); under `major` a `[[workspace.rule]]` says how it moves."""
    if not p.publish or (op is Operation.MAJOR and p.major_rule == "none"):
        return p.version
    if op is Operation.MAJOR:
        return p.version.bump(p.major_rule, rc_train=rc_train)
    return p.version.bump(op, rc_train=rc_train)


def version_lines(
    packages: Iterable[Package],
    versions: Mapping[str, Version],
    op: Operation,
    spell: Callable[[Version], str] = str,
) -> list[tuple[str, str, str]]:
    """One (label, old, new) per group of `packages` that move alike. Under `major`, the packages
    a `[[workspace.rule]]` moves are their own lines, labelled with the rule ("wasm-tools, wat
    (rule: minor)"), even where another group has the same versions. `spell` writes a version as
    the ecosystem does (PEP 440 for Python)."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for p in packages:
        rule = p.major_rule if op is Operation.MAJOR and p.major_rule != "major" else ""
        groups.setdefault((spell(p.version), spell(versions[p.name]), rule), []).append(p.name)
    lines = []
    for (old, new, rule), names in groups.items():
        label = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append((f"{label} (rule: {rule})" if rule else label, old, new))
    return lines
