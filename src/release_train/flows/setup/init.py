"""`init`: derive a `release-train.toml` from the workspace found at the repository root, and with
`github=True` the GitHub Actions workflows (release process, tag, publish; see `init_workflows`,
which also reads the repository's existing workflows for its CI and for release steps of its own).

What is guessed, and how:
- the workspaces: a Cargo workspace (the root `Cargo.toml` with `[workspace]`) and a Python one
  (`init_python.py`: a uv workspace, one project, or `packages/*`-style projects); both when both
  are there, as two `[[workspace]]` entries that move together;
- the train's version: `[workspace.package] version` when the root manifest has one (Python: the
  root project's, or the version the distributions share), else `version-from` = the package the
  others build up to (the last in publish order);
- public packages: publishable packages that no first-party requirement pins exactly (`=X.Y.Z`,
  Python's `==X.Y.Z`, marks an internal package, SPEC section 1), collapsed to `prefix-*` when
  every package of a prefix is public;
- the forge: GitHub when `origin` points at github.com (or `github=True`), else the local forge at
  `origin`'s path when that is a directory;
- the project name: the repository's name (from a github.com `origin`, else the `repository` of
  `[workspace.package]` or of the root package), else the root package's name, else the
  directory's name, as written;
- the development branch: what `origin/HEAD` points at, else the checked-out branch;
- the notes file: `RELEASES.md` when there is one, else `CHANGELOG.md` (its shape, RELEASES.md or
  Keep a Changelog, is recognised from its text); with neither, `RELEASES.md` is written from
  the bundled template for the train's version.

The plan is a value: the files and their text; `apply` writes them atomically and refuses to
overwrite any unless `force`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from release_train.config import (
    CONFIG_FILE,
    BranchSettings,
    ReleaseSettings,
    RuleSettings,
    Settings,
    WorkspaceSettings,
)
from release_train.errors import RefusedError, WorkspaceError
from release_train.flows.setup import init_python, init_shape, init_workflows
from release_train.flows.setup.init_config import Derived, default_source, render_config
from release_train.infra import fs
from release_train.infra.git import Git
from release_train.values import dataclass, replace
from release_train.workspaces.interface import Workspace

WORKFLOWS = init_workflows.WORKFLOWS
WORKFLOW_DIR = init_workflows.WORKFLOW_DIR
_GITHUB_REMOTE = re.compile(r"github\.com[:/]+([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class InitPlan:
    root: Path
    derived: Derived
    files: tuple[tuple[str, str], ...]  # path relative to the root -> text
    workflows: init_workflows.WorkflowPlan | None = None  # with github=True

    def describe(self) -> list[str]:
        d = self.derived
        lines = [
            f"release-train init in {self.root}: {d.name} {d.version}, forge {d.forge_kind}",
            f"  version from: {d.version_from or default_source(d)}",
            *(f"  workspace: {entry.kind} at {entry.path!r} ({why})" for entry, _, why in d.entries),
            f"  public: {', '.join(d.public) or '(none)'}",
            f"  development branch: {d.main}",
            f"  notes: {d.notes} ({d.notes_shape or 'new, from the template'})",
            f"  train: {'release branches' if d.branches else 'no release branches, every release a PR to ' + d.main}",
            *(f"    {why}" for why in d.branches_why),
        ]
        if d.minor:
            lines += [f"  rule: {', '.join(d.minor)} move by minor", f"    {d.minor_why}"]
        if self.workflows is not None:
            lines += self.workflows.describe()
        lines += [f"  write {path}" for path, _ in self.files]
        return lines


def plan(
    root: Path, *, github: bool = False, ci_workflows: Sequence[str] = (), install: str | None = None
) -> InitPlan:
    root = root.resolve()
    derived = derive(root, github=github)
    workflows = (
        init_workflows.plan(
            root,
            ci_workflows=ci_workflows,
            install=install,
            release_branches=derived.branches,
            python=derived.kinds == {"python"},
            python_extra="python" in derived.kinds,
        )
        if github
        else None
    )
    files = [(CONFIG_FILE, render_config(derived, install=install or ""))]
    if not derived.notes_shape:
        files.append((derived.notes, _new_notes(derived)))
    files += workflows.files if workflows else ()
    return InitPlan(root, derived, tuple(files), workflows)


def _new_notes(d: Derived) -> str:
    """The notes file init writes: the template for the train's version; on a train without
    release branches, only its top section, pending for the next (scheduled, major) release."""
    from release_train.flows.train.notes_files import new_file, template
    from release_train.model.notes import render_template
    from release_train.model.notes.releases_md import cut_template
    from release_train.model.version import Operation, Version

    version = Version.parse(d.version)
    if d.branches:
        return new_file(d.name, version)
    step = Operation.MINOR if d.version_from and d.version_from in d.minor else Operation.MAJOR
    return render_template(cut_template(template()), str(version.core().bump(step)), d.name)


def apply(init: InitPlan, *, force: bool = False) -> list[Path]:
    """Write the files; without `force` nothing is written when any of them exists."""
    targets = [(init.root / path, text) for path, text in init.files]
    existing = [str(path.relative_to(init.root)) for path, _ in targets if path.exists()]
    if existing and not force:
        raise RefusedError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}",
            hint="pass --force to overwrite, or --dry-run to see what would be written; nothing was written",
        )
    for path, text in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        fs.atomic_write_text(path, text)
    return [path for path, _ in targets]


# --- deriving --------------------------------------------------------------------------------------
def derive(root: Path, *, github: bool) -> Derived:
    from release_train.workspaces import load_workspace

    manifest = root / "Cargo.toml"
    root_manifest = _read_toml(manifest) if manifest.is_file() else {}
    workspace_table = root_manifest.get("workspace")
    entries = _entries(root, workspace_table)
    settings = Settings(root=root, config_file=None, workspaces=tuple(entry for entry, _ in entries))
    version_from = ""
    try:
        ws = load_workspace(settings)
    except WorkspaceError:  # no version the train can take by default: name the top package
        version_from = _top_package(root, settings)
        settings = replace(settings, project=replace(settings.project, version_from=version_from))
        ws = load_workspace(settings)
    remote, forge_kind, forge_path = _forge(root, github=github)
    repository = remote or _repository_from_manifest(root_manifest) or init_python.repository_from_urls(root)
    notes, shape = _notes_file(root)
    main = _development_branch(root)
    train = _train_shape(root, main, ws)
    version = str(ws.train_version)
    tagged = ws.package(train.version_from).version if train.version_from else None
    if train.version_from and train.version_from != version_from and tagged != ws.train_version:
        version_from, version = train.version_from, str(tagged)
    internal = _exact_pins(ws, workspace_table if isinstance(workspace_table, dict) else {})
    return Derived(
        name=_project_name(root, repository, root_manifest),
        repository=repository,
        version_from=version_from,
        public=tuple(public_globs(ws, internal)),
        forge_kind=forge_kind,
        forge_path=forge_path,
        version=version,
        main=main,
        notes=notes,
        notes_shape=shape,
        branches=train.branches,
        branches_why=train.why,
        minor=train.minor,
        minor_why=train.minor_why,
        entries=tuple(
            (_with_rule(entry, part, train.minor), tuple(public_globs(part, internal)), why)
            for (entry, why), part in zip(entries, ws.parts(), strict=True)
        ),
    )


def _with_rule(entry: WorkspaceSettings, part: Workspace, minor: tuple[str, ...]) -> WorkspaceSettings:
    """The entry with a `[[workspace.rule]]` moving by minor those of `minor` that are its own
    packages (a rule names packages of the workspace entry it belongs to)."""
    own = [name for name in minor if part.has(name)]
    return replace(entry, rule=(RuleSettings(packages=own, major="minor"),)) if own else entry


def _entries(root: Path, workspace_table: object) -> list[tuple[WorkspaceSettings, str]]:
    """The `[[workspace]]` entries of the repository, and why each was found."""
    found: list[tuple[WorkspaceSettings, str]] = []
    if isinstance(workspace_table, dict):
        found.append((WorkspaceSettings(), "Cargo.toml has [workspace]"))
    python, why = init_python.python_entry(root)
    if python is not None:
        found.append((python, why))
    if found:
        return found
    if (root / "Cargo.toml").is_file():
        raise RefusedError(
            f"{root / 'Cargo.toml'} has no [workspace] table",
            hint="release-train runs trains for Cargo workspaces and Python projects; add [workspace] with members",
        )
    raise RefusedError(
        f"no Cargo workspace and no Python project at {root}",
        hint="run init at the root of a Cargo workspace (a Cargo.toml with [workspace]) or of a Python "
        "repository (a pyproject.toml with [project] or [tool.uv.workspace], or packages/*/pyproject.toml)",
    )


def _train_shape(root: Path, main: str, ws: Workspace) -> init_shape.Shape:
    release, branches = ReleaseSettings(), BranchSettings()
    return init_shape.guess(
        root, main, ws, marker=release.marker, release_pattern=branches.release, tag=release.tag
    )


def _project_name(root: Path, repository: str, root_manifest: dict[str, Any]) -> str:
    """The repository's name, else the root package's, else the directory's, as written."""
    if repository:
        return repository.partition("/")[2]
    package = root_manifest.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    if isinstance(name, str) and name:
        return name
    return init_python.root_project_name(root) or root.name


def _development_branch(root: Path) -> str:
    git = Git(root)
    head = git.run("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False).strip()
    if head.startswith("origin/"):
        return head.removeprefix("origin/")
    return git.current_branch() or "main"


def _notes_file(root: Path) -> tuple[str, str]:
    """(path, shape label) of the notes file found at the root; (RELEASES.md, "") when none is."""
    from release_train.model import notes

    present = {p.name.lower(): p for p in root.iterdir() if p.is_file()}
    for wanted in ("releases.md", "changelog.md"):
        if wanted in present:
            path = present[wanted]
            return path.name, notes.detect(
                path.read_text(encoding="utf-8", errors="replace"), path.name
            ).label
    return "RELEASES.md", ""


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(
            f"{path}: malformed TOML: {exc}", hint="fix the syntax at the position given"
        ) from exc


def _top_package(root: Path, settings: Settings) -> str:
    """Without a workspace version: the package published last (the one the others build up to).
    Loading needs a version source, so the first member found stands in while we look."""
    from release_train.workspaces import load_workspace

    # Any member can stand in as version-from just to read the graph: try each until one loads.
    for name in _package_names(root, settings):
        probe = replace(settings, project=replace(settings.project, version_from=name))
        try:
            ws = load_workspace(probe)
        except WorkspaceError:
            continue
        order = _package_names_by_order(ws)
        return order[-1] if order else name
    raise RefusedError(
        f"found no package in the workspace at {root} that loads",
        hint="add members to the workspace (`release-train packages` says what is wrong with one)",
    )


def _package_names(root: Path, settings: Settings) -> list[str]:
    names: list[str] = []
    for entry in settings.workspaces:
        if entry.kind == "python":
            names += init_python.project_names(root, entry)
            continue
        for manifest in sorted(root.glob("**/Cargo.toml")):
            if "target" not in manifest.relative_to(root).parts:
                name = _read_toml(manifest).get("package", {}).get("name")
                names += [name] if isinstance(name, str) else []
    return names


def _package_names_by_order(ws: Workspace) -> list[str]:
    from release_train.workspaces.graph import layers

    return [p.name for layer in layers(ws) for p in layer]


def _forge(root: Path, *, github: bool) -> tuple[str, str, str]:
    """(owner/name, forge kind, local forge path) from the `origin` remote."""
    url = Git(root).run("remote", "get-url", "origin", check=False).strip()  # "" without a remote
    match = _GITHUB_REMOTE.search(url)
    if match:
        return f"{match[1]}/{match[2]}", "github", ""
    if github:
        return "", "github", ""
    local = Path(url) if url and "://" not in url and ":" not in url.split("/")[0] else None
    if local is not None:
        target = (root / local).resolve()
        if target.is_dir():
            return "", "local", _relative(target, root)
    return "", "local", ""


def _relative(target: Path, root: Path) -> str:
    import os

    return Path(os.path.relpath(target, root)).as_posix()


def _repository_from_manifest(root_manifest: dict[str, Any]) -> str:
    """owner/name from a github.com `repository` of [workspace.package] or of the root package."""
    for table in ((root_manifest.get("workspace") or {}).get("package"), root_manifest.get("package")):
        url = table.get("repository", "") if isinstance(table, dict) else ""
        match = _GITHUB_REMOTE.search(url) if isinstance(url, str) else None
        if match:
            return f"{match[1]}/{match[2]}"
    return ""


def _exact_pins(ws: Workspace, workspace_table: dict[str, Any]) -> set[str]:
    """First-party packages some requirement pins exactly: internal by SPEC section 1."""
    pinned = {
        d.name for p in ws.packages for d in p.dependencies if d.first_party and (d.req or "").startswith("=")
    }
    for key, entry in (workspace_table.get("dependencies") or {}).items():
        if isinstance(entry, dict) and str(entry.get("version", "")).startswith("="):
            pinned.add(str(entry.get("package", key)))
    return pinned | init_python.pinned(ws)


def public_globs(ws: Workspace, internal: set[str]) -> list[str]:
    """The public packages, a `prefix-*` glob standing for a prefix whose packages are all public."""
    publishable = sorted(p.name for p in ws.publishable())
    public = [name for name in publishable if name not in internal]
    prefixes = sorted({name.split("-")[0] for name in public if "-" in name})
    globs: list[str] = []
    covered: set[str] = set()
    for prefix in prefixes:
        members = [n for n in publishable if fnmatchcase(n, f"{prefix}-*")]
        if len(members) >= 2 and all(n in public for n in members):
            globs.append(f"{prefix}-*")
            covered.update(members)
    return [n for n in public if n not in covered] + globs
