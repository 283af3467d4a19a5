"""Where a release tag stands: its packages in the registry, its forge release.

A tag's *standing* is the packages its commit's workspace publishes, which of them the registry's
index lists at that version, and whether the forge has a (non-draft) release for it. It is
derived every time from the registry and the forge (`standings`), never from a journal or from a
process having survived, and two readers choose which tags to ask about:

- **Unfinished releases** (`unfinished`): a tag whose packages are not all in the registry, or
  whose forge release is missing, is unfinished, so a publish killed half-way, a failed publish
  reaction or a Ctrl-C are all seen the same way by whoever comes next: `status` lists each as
  blocking with the command that finishes it; `tick` finishes them before doing anything new;
  the reaction to a push of `main` or a release branch finishes those the pushed commit contains
  (so does a re-run of `pr merge` of an already merged PR, which replays that reaction); `publish
  --tag` finishes one by name (`finish.py`). Examined: the newest tag of each release line
  (MAJOR.MINOR) still within the support window of `[support]` (a line with no final release
  yet counts as supported), and every release tag whose commit is dated within the last
  `RECENT_DAYS` days (`candidates`). That is a handful of tags whatever the history; a tag
  outside both sets gets no more releases, and `publish --tag T` still finishes it by hand.
- **The dashboard's tags** (`board`, with the unfinished releases, for `status`): every tag of
  each supported line with its date; the latest of each line and those of the last
  `DASHBOARD_DAYS` days are checked.

So that this stays cheap on a real repository (Wasmtime: ~60 release lines of ~100 crates each),
a tag's package list is read from the manifests of its commit alone (a checkout of the manifest
files, a tenth of a second on Wasmtime) and kept in `[publish] journal-dir` (what a commit
publishes never changes; a push reaction examines the recent tags on every push); the index is
asked once per crate name, concurrently, whatever the number of tags; the forge's releases are
listed once. A registry that cannot be read does not fail anything: each standing says why its
packages are unknown, and the forge alone still tells whether the release is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import Any

from release_train.config import Settings
from release_train.errors import ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.lines.release_lines import Line, commit_dates
from release_train.infra.fs import atomic_write_text
from release_train.model.branches import parse_name
from release_train.model.policy import SupportPolicy
from release_train.model.version import Version
from release_train.registries.interface import Registry, RegistryError, RegistryFactory
from release_train.values import dataclass, replace

RECENT_DAYS = 14  # unfinished releases: every tag this recent is examined
DASHBOARD_DAYS = 31  # the dashboard: every tag this recent is checked
INDEX_READERS = 16  # concurrent index reads (crates.io serves the sparse index from a CDN)


@dataclass(frozen=True)
class Standing:
    """Where one release tag stands."""

    tag: str
    commit: str
    packages: tuple[tuple[str, str], ...]  # (name, version) of every package it publishes
    published: frozenset[str]  # the names the registry lists at their version
    answered: frozenset[str]  # the names the registry could tell about
    forge_release: bool  # a release (not a draft) exists on the forge
    unread: str = ""  # why the workspace at the tag could not be read (then `packages` is empty)
    unasked: str = ""  # why the registry could not tell about some of the packages

    @property
    def missing(self) -> tuple[str, ...]:
        """ "name version" of the packages the registry lacks (of those it could tell about)."""
        return tuple(f"{n} {v}" for n, v in self.packages if n in self.answered and n not in self.published)

    @property
    def unchecked(self) -> str:
        """Why some packages could not be checked, or ""."""
        return self.unread or (self.unasked if any(n not in self.answered for n, _ in self.packages) else "")

    @property
    def certain(self) -> bool:
        """Known to be unfinished (else, if `unchecked`, only the registry could not tell)."""
        return bool(self.missing or not self.forge_release)

    @property
    def command(self) -> str:
        return f"release-train publish --tag {self.tag}"

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append(
                f"{len(self.missing)} of its {len(self.packages)} packages are not in the registry "
                f"({', '.join(self.missing)})"
            )
        if not self.forge_release:
            parts.append("its forge release is missing")
        if self.unchecked:
            parts.append(f"its packages could not be checked ({self.unchecked})")
        return f"release {self.tag} {'is' if self.certain else 'may be'} unfinished: " + "; ".join(parts)


def readable_registry(open_registry: RegistryFactory) -> tuple[Registry | None, str]:
    """The registry, or None and why it cannot be opened (a configuration problem must not hide
    what the forge alone can tell)."""
    try:
        return open_registry(), ""
    except ReleaseTrainError as exc:
        return None, exc.message


def standings(
    env: FlowEnv, registry: Registry | None, tags: Sequence[tuple[str, str]], *, unreadable: str = ""
) -> list[Standing]:
    """Where each (tag, commit) of `tags` stands. `registry` None: it could not be opened
    (`unreadable` says why); the forge releases are still checked."""
    if not tags:
        return []
    absent = _missing(env, [sha for _, sha in tags])
    ensure_local(env, [tag for tag, sha in tags if sha in absent])
    releases = {r.tag for r in env.forge.list_releases() if not r.draft}
    cache = _PackageCache(env.settings)
    packages = {
        sha: _packages_at(env, sha) if (known := cache.get(sha)) is None else known for _, sha in tags
    }
    cache.save(packages)
    wanted = sorted({name for found in packages.values() if isinstance(found, list) for name, _ in found})
    listed, trouble = _published(registry, wanted) if registry is not None else ({}, unreadable)
    found = []
    for tag, sha in tags:
        mine = packages[sha]
        ours = tuple(mine) if isinstance(mine, list) else ()
        published = frozenset(n for n, v in ours if _core(v) in listed.get(n, ()))
        unread = mine if isinstance(mine, str) else ""
        found.append(Standing(tag, sha, ours, published, frozenset(listed), tag in releases, unread, trouble))
    return found


def ensure_local(env: FlowEnv, tags: list[str]) -> None:
    if tags:
        env.git.run(
            "fetch",
            "--quiet",
            "--no-recurse-submodules",
            env.forge.remote_url,
            *(f"+refs/tags/{t}:refs/tags/{t}" for t in tags),
        )


def _missing(env: FlowEnv, shas: list[str]) -> set[str]:
    """Those of `shas` whose objects the working repository does not have (one git call)."""
    if not shas:
        return set()
    out = env.git.run("cat-file", "--batch-check", input="\n".join(shas) + "\n")
    return {line.split(" ", 1)[0] for line in out.splitlines() if line.endswith(" missing")}


class _PackageCache:
    """What each examined commit publishes, kept under `[publish] journal-dir`: a commit never
    changes, so reading its manifests once is enough. A cache only: lost or unreadable, it is
    rebuilt."""

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
    from release_train.workspaces import load_workspace

    try:
        with branchwork.tree(env, commit) as settings:
            ws = load_workspace(settings)
            return [(p.name, ws.spelled(p)) for p in ws.publish_order()]  # as the index lists it
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


# --- unfinished releases ----------------------------------------------------------------------------
def candidates(env: FlowEnv, tags: dict[str, str], today: date) -> list[tuple[str, str]]:
    """(tag, commit) of the release tags worth examining for unfinished releases (see the module
    docstring), lowest version first. `tags` are the forge's (name -> commit)."""
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


def unfinished(
    env: FlowEnv, registry: Registry | None, *, unreadable: str = "", within: str | None = None
) -> list[Standing]:
    """The unfinished releases among the candidate tags, lowest version first, with those the
    registry could not tell about (not `certain`). `within`: only tags whose commit the commit
    `within` contains."""
    examined = candidates(env, env.forge.tags(), env.ctx.clock.now().date())
    if within is not None:
        examined = [(t, sha) for t, sha in examined if env.git.ok("merge-base", "--is-ancestor", sha, within)]
    return _unfinished(standings(env, registry, examined, unreadable=unreadable))


def _unfinished(found: Iterable[Standing]) -> list[Standing]:
    return [s for s in found if s.certain or s.unchecked]


# --- the dashboard ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TagFacts:
    """A tag of a supported line on the dashboard; the recent ones `checked`."""

    tag: str
    branch: str  # the release line it belongs to
    date: date | None  # the committer date of the tagged commit
    checked: bool = False  # packages and forge release were looked up (recent tags only)
    packages: tuple[tuple[str, str], ...] = ()  # (name, version) of every package it publishes
    published: tuple[str, ...] = ()  # names of those the registry lists at that version
    forge_release: bool = False
    unknown: str = ""  # why the packages could not be checked (the registry could not be read)

    @property
    def missing(self) -> tuple[str, ...]:
        """What the release still lacks, for people: each package not in the registry, the
        forge release."""
        if not self.checked:
            return ()
        found = set(self.published)
        out = [] if self.unknown else [f"{n} {v}" for n, v in self.packages if n not in found]
        if not self.forge_release:
            out.append("forge release")
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "branch": self.branch,
            "date": self.date.isoformat() if self.date else None,
            "checked": self.checked,
            "packages": [
                {"name": n, "version": v, "published": n in self.published} for n, v in self.packages
            ],
            "published": len(self.published),
            "total": len(self.packages),
            "forge_release": self.forge_release,
            "missing": list(self.missing),
            "unknown": self.unknown or None,
        }


@dataclass(frozen=True)
class Board:
    """What `status` shows of the release tags."""

    blockers: tuple[tuple[str, str], ...]  # (text, command) of each unfinished release
    problems: tuple[str, ...]  # what could not be told
    tags: tuple[TagFacts, ...]  # the tags of the supported lines, newest first; recent ones checked


def board(env: FlowEnv, lines: Sequence[Line], now: datetime) -> Board:
    """The unfinished releases and the dashboard's tags, from one look at the registry and the
    forge (the registry opened once, each crate asked about once)."""
    registry, unreadable = readable_registry(env.open_registry)
    listed: list[tuple[TagFacts, str]] = []
    try:
        examined = candidates(env, env.forge.tags(), now.date())  # fetches the tags it examines
        listed = _line_tags(env, [line for line in lines if line.supported])
        since = now.date() - timedelta(days=DASHBOARD_DAYS)
        latest = {facts.branch: facts.tag for facts, _ in listed}  # ascending: the highest tag wins
        recent = [
            (f.tag, sha) for f, sha in listed if latest[f.branch] == f.tag or (f.date and f.date >= since)
        ]
        asked = list(dict([*examined, *recent]).items())
        stood = {s.tag: s for s in standings(env, registry, asked, unreadable=unreadable)}
    except ReleaseTrainError as exc:
        problem = f"cannot tell whether the recent releases are finished: {exc.message}"
        return Board((), (problem,), tuple(facts for facts, _ in reversed(listed)))
    found = _unfinished(stood[tag] for tag, _ in examined)
    why = f"the registry is not configured: {unreadable}" if registry is None else ""
    return Board(
        tuple((f"{u.describe()}; finish it with: {u.command}", u.command) for u in found if u.certain),
        tuple(u.describe() for u in found if not u.certain),
        tuple(_facts(facts, stood.get(facts.tag), why) for facts, _ in reversed(listed)),
    )


def _facts(facts: TagFacts, standing: Standing | None, unopened: str) -> TagFacts:
    """The dashboard's row of a tag: as it stands, when it was checked."""
    if standing is None:
        return facts
    return replace(
        facts,
        checked=True,
        packages=standing.packages,
        published=tuple(n for n, _ in standing.packages if n in standing.published),
        forge_release=standing.forge_release,
        unknown=standing.unread or unopened or standing.unchecked,
    )


def _line_tags(env: FlowEnv, lines: Sequence[Line]) -> list[tuple[TagFacts, str]]:
    """Every tag of `lines` with its commit, ascending by (line, version)."""
    pattern = env.settings.release.tag
    by_line = {(line.version.major, line.version.minor): line.branch for line in lines}
    found = []
    for name, sha in env.git.tags(pattern.replace("{version}", "*")).items():
        version = parse_name(pattern, name)
        branch = by_line.get((version.major, version.minor)) if version else None
        if version is not None and branch is not None:
            found.append((branch, version, name, sha))
    found.sort(key=lambda item: (item[1].major, item[1].minor, item[1]))
    dates = commit_dates(env.git, [sha for *_, sha in found])
    return [(TagFacts(name, branch, dates.get(sha)), sha) for branch, _, name, sha in found]
