"""A release is a durable state, finished by whoever comes next.

A release tag is *unfinished* when the tag exists on the forge but not every package its commit's
workspace publishes is in the registry, or its forge release is missing (absent, or still a
draft). That is derived every time from the registry's index and the forge, never from a journal
or from a process having survived, so a publish killed half-way, a failed publish reaction or a
Ctrl-C are all seen the same way by whoever comes next: `status` lists each unfinished release as
blocking with the command that finishes it; `tick` finishes them before doing anything new; the
reaction to a push of `main` or a release branch finishes those the pushed commit contains (so
does a re-run of `pr merge` of an already merged PR, which replays that reaction); `publish --tag`
finishes one by name. Finishing is `publish` (which asks the registry first and uploads only the
rest) then the forge release (created, or updated in place): a re-run converges.

Which tags are examined, so that this stays cheap on a real repository (Wasmtime: ~60 release
lines of ~100 crates each):

- the newest tag of each release line (MAJOR.MINOR) still within the support window of
  `[support]` (a line with no final release yet counts as supported), and
- every release tag whose commit is dated within the last `RECENT_DAYS` days.

That is a handful of tags whatever the history. A tag outside both sets is not examined: its line
gets no more releases, and `publish --tag T` still finishes it by hand. For each examined tag the
package list is read from the manifests of its commit alone (a checkout of the `Cargo.toml` files,
a tenth of a second on Wasmtime), the registry's index is asked once per crate name (not per
tag), concurrently, and the forge's releases are listed once. What a tag's commit publishes never
changes, so it is read once and kept in `[publish] journal-dir` (a push reaction examines the
recent tags on every push).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, timedelta

from release_train.config import Settings
from release_train.errors import ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.lines import commit_dates
from release_train.infra.fs import atomic_write_text
from release_train.model.branches import parse_name
from release_train.model.policy import SupportPolicy
from release_train.model.version import Version
from release_train.registries.interface import Registry, RegistryError, RegistryFactory

RECENT_DAYS = 14
MANIFESTS = ("Cargo.toml", "pyproject.toml")  # what a workspace is read from
INDEX_READERS = 16  # concurrent index reads (crates.io serves the sparse index from a CDN)


@dataclass(frozen=True)
class Unfinished:
    """A release tag whose packages are not all in the registry, or whose forge release is missing."""

    tag: str
    commit: str
    packages: int  # how many packages the tag publishes
    missing: tuple[str, ...]  # "name version" not in the registry
    release_missing: bool
    unchecked: str = ""  # why the registry could not tell (then `missing` is not known)

    @property
    def certain(self) -> bool:
        """Known to be unfinished (else only the registry could not tell)."""
        return bool(self.missing or self.release_missing)

    @property
    def command(self) -> str:
        return f"release-train publish --tag {self.tag}"

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append(
                f"{len(self.missing)} of its {self.packages} packages are not in the registry "
                f"({', '.join(self.missing)})"
            )
        if self.release_missing:
            parts.append("its forge release is missing")
        if self.unchecked:
            parts.append(f"its packages could not be checked ({self.unchecked})")
        return f"release {self.tag} {'is' if self.certain else 'may be'} unfinished: " + "; ".join(parts)


# --- what to examine ---------------------------------------------------------------------------------
def candidates(env: FlowEnv, tags: dict[str, str], today: date) -> list[tuple[str, str]]:
    """(tag, commit) of the release tags worth examining (see the module docstring), lowest
    version first. `tags` are the forge's (name -> commit)."""
    versions = {name: v for name in tags if (v := parse_name(env.settings.release.tag, name)) is not None}
    absent = _missing(env, [tags[name] for name in versions])
    ensure_local(env, [name for name in versions if tags[name] in absent])
    dates = commit_dates(env.git, [tags[name] for name in versions])
    policy = SupportPolicy.from_settings(env.settings.support)
    lines: dict[tuple[int, int], list[tuple[Version, str]]] = {}
    for name, version in versions.items():
        lines.setdefault((version.major, version.minor), []).append((version, name))
    chosen = set()
    for own in lines.values():
        finals = sorted(item for item in own if not item[0].is_prerelease)
        released = dates.get(tags[finals[0][1]]) if finals else None
        newest_version, newest = max(own)
        if policy.is_supported(newest_version, released, today):
            chosen.add(newest)
    recent = today - timedelta(days=RECENT_DAYS)
    chosen |= {name for name in versions if (day := dates.get(tags[name])) is not None and day >= recent}
    return [(name, tags[name]) for name in sorted(chosen, key=versions.__getitem__)]


def _missing(env: FlowEnv, shas: list[str]) -> set[str]:
    """Those of `shas` whose objects the working repository does not have (one git call)."""
    if not shas:
        return set()
    out = env.git.run("cat-file", "--batch-check", input="\n".join(shas) + "\n")
    return {line.split(" ", 1)[0] for line in out.splitlines() if line.endswith(" missing")}


# --- examining -----------------------------------------------------------------------------------------
def examine(
    env: FlowEnv,
    registry: Registry | None,
    *,
    unreadable: str = "",
    within: str | None = None,
) -> list[Unfinished]:
    """The unfinished releases among the candidate tags, lowest version first, with those the
    registry could not tell about (not `certain`). `within`: only tags whose commit the commit
    `within` contains. `registry` None: the registry could not be opened (`unreadable` says
    why); the forge releases are still checked."""
    examined = candidates(env, env.forge.tags(), env.ctx.clock.now().date())
    if within is not None:
        examined = [(t, sha) for t, sha in examined if env.git.ok("merge-base", "--is-ancestor", sha, within)]
    if not examined:
        return []
    absent = _missing(env, [sha for _, sha in examined])
    ensure_local(env, [t for t, sha in examined if sha in absent])
    releases = {r.tag: r for r in env.forge.list_releases()}
    cache = _PackageCache(env.settings)
    packages = {
        tag: _packages_at(env, sha) if (known := cache.get(sha)) is None else known for tag, sha in examined
    }
    cache.save({sha: packages[tag] for tag, sha in examined})
    wanted = {name for found in packages.values() if isinstance(found, list) for name, _ in found}
    published, trouble = _published(registry, sorted(wanted)) if registry is not None else ({}, unreadable)
    found: list[Unfinished] = []
    for tag, sha in examined:
        listed = packages[tag]
        release = releases.get(tag)
        release_missing = release is None or release.draft
        if isinstance(listed, str):
            unfinished = Unfinished(tag, sha, 0, (), release_missing, listed)
        else:
            unknown = [name for name, _ in listed if name not in published]
            missing = tuple(
                f"{name} {version}"
                for name, version in listed
                if name in published and _core(version) not in published[name]
            )
            why = trouble if unknown else ""
            unfinished = Unfinished(tag, sha, len(listed), missing, release_missing, why)
        if unfinished.certain or unfinished.unchecked:
            found.append(unfinished)
    return found


def ensure_local(env: FlowEnv, tags: list[str]) -> None:
    if tags:
        env.git.run(
            "fetch", "--quiet", env.forge.remote_url, *(f"+refs/tags/{t}:refs/tags/{t}" for t in tags)
        )


class _PackageCache:
    """What each examined commit publishes, kept under `[publish] journal-dir`: a commit never
    changes, so reading its manifests once is enough (a push reaction examines the recent tags
    every time). A cache only: lost or unreadable, it is rebuilt."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.resolve(settings.publish.journal_dir) / "tag-packages.json"
        try:
            self.known: dict[str, list[list[str]]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}

    def get(self, commit: str) -> list[tuple[str, str]] | None:
        listed = self.known.get(commit)
        return [(name, version) for name, version in listed] if isinstance(listed, list) else None

    def save(self, found: dict[str, list[tuple[str, str]] | str]) -> None:
        new = {sha: [list(p) for p in listed] for sha, listed in found.items() if isinstance(listed, list)}
        if all(sha in self.known for sha in new):
            return
        with suppress(OSError):  # a read-only checkout still gets its answer
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps({**self.known, **new}, indent=1) + "\n")


def _packages_at(env: FlowEnv, commit: str) -> list[tuple[str, str]] | str:
    """(name, version) of each package the workspace at `commit` publishes, in publish order; a
    message when that workspace cannot be read."""
    from release_train.flows import branchwork
    from release_train.flows.worktree import temporary_worktree
    from release_train.workspaces import load_workspace

    try:
        with temporary_worktree(env.git, commit, only_named=MANIFESTS) as tree:
            root = (tree.path / branchwork.repo_path(env, ".")).resolve()
            ws = load_workspace(replace(env.settings, root=root))
            return [(p.name, str(p.version)) for p in ws.publish_order()]
    except ReleaseTrainError as exc:
        return f"cannot read the workspace at {commit[:10]}: {exc.message}"


def _published(registry: Registry, names: list[str]) -> tuple[dict[str, set[str]], str]:
    """name -> the versions the index lists (build metadata dropped), and what went wrong for the
    names left out."""
    if not names:
        return {}, ""

    def read(name: str) -> set[str] | RegistryError:
        try:
            return {_core(v) for v in registry.versions(name)}
        except RegistryError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=min(INDEX_READERS, len(names))) as pool:
        answers = dict(zip(names, pool.map(read, names), strict=True))
    published = {name: got for name, got in answers.items() if isinstance(got, set)}
    errors = [got for got in answers.values() if isinstance(got, RegistryError)]
    return published, (f"the registry's index did not answer: {errors[0].message}" if errors else "")


def _core(version: str) -> str:
    return version.split("+", 1)[0]


def readable_registry(open_registry: RegistryFactory) -> tuple[Registry | None, str]:
    """The registry, or None and why it cannot be opened (a configuration problem must not hide
    what the forge alone can tell)."""
    try:
        return open_registry(), ""
    except ReleaseTrainError as exc:
        return None, exc.message


def blockers(env: FlowEnv) -> tuple[list[tuple[str, str]], list[str]]:
    """For `status`: (text, command) of each unfinished release, and what could not be told."""
    registry, unreadable = readable_registry(env.open_registry)
    try:
        found = examine(env, registry, unreadable=unreadable)
    except ReleaseTrainError as exc:
        return [], [f"cannot tell whether the recent releases are finished: {exc.message}"]
    certain = [(f"{u.describe()}; finish it with: {u.command}", u.command) for u in found if u.certain]
    return certain, [u.describe() for u in found if not u.certain]
