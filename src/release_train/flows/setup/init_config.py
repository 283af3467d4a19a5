"""The `release-train.toml` that `init` writes, from what it learnt of the repository
(`Derived`): every section with a comment saying where each value came from, one `[[workspace]]`
per workspace found."""

from __future__ import annotations

from release_train.config import ScheduleSettings, WorkspaceSettings
from release_train.values import dataclass, replace


@dataclass(frozen=True)
class Derived:
    """What was learnt from the repository."""

    name: str
    repository: str  # owner/name, or ""
    version_from: str  # "" when [workspace.package] version is the train's version
    public: tuple[str, ...]
    forge_kind: str
    forge_path: str  # the local forge's bare repository, relative to the root; "" if unknown
    version: str
    main: str = "main"  # the development branch
    notes: str = "RELEASES.md"  # the notes file, relative to the root
    notes_shape: str = ""  # the shape of an existing notes file; "" when init writes it
    branches: bool = True  # False: a train without release branches (`init_shape.py`)
    branches_why: tuple[str, ...] = ()
    minor: tuple[str, ...] = ()  # packages a release moves by minor ([[workspace.rule]])
    minor_why: str = ""
    # each [[workspace]] entry with its public globs and why it was found
    entries: tuple[tuple[WorkspaceSettings, tuple[str, ...], str], ...] = ()

    @property
    def kinds(self) -> set[str]:
        """The kinds of the workspaces found ({"cargo"} for a Derived made by hand)."""
        return {entry.kind for entry, _, _ in self.entries} or {"cargo"}


def default_source(d: Derived) -> str:
    if d.entries and d.entries[0][0].kind == "python":
        return "the root distribution's version, or the one the distributions share"
    return "[workspace.package] version"


# --- rendering ------------------------------------------------------------------------------------
def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _schedule(d: Derived, s: ScheduleSettings) -> list[str]:
    if not d.branches:
        return [
            f"release = {_toml_string(s.release)}  # UTC cron: propose the release PR to {d.main}",
            f"release-bump = {_toml_string(s.release_bump)}  # what the scheduled release does to the versions",
        ]
    return [
        f"cut = {_toml_string(s.cut)}      # UTC cron: branch release-X.Y.Z off main",
        f"release = {_toml_string(s.release)}  # UTC cron: propose the release PR",
    ]


def render_config(d: Derived, *, install: str = "") -> str:
    s = ScheduleSettings()
    public = ", ".join(_toml_string(g) for g in d.public)
    lines = [
        "# release-train configuration, written by `release-train init`. Every key, its default and an",
        "# example: `release-train config --reference`; unknown keys are errors.",
        "",
        "[project]",
        f"name = {_toml_string(d.name)}",
    ]
    if d.repository:
        lines.append(f"repository = {_toml_string(d.repository)}")
    elif d.forge_kind == "github":
        lines.append(
            '# repository = "OWNER/NAME"  # required by the GitHub forge: origin is not on github.com'
        )
    if d.version_from:
        lines.append(
            f"version-from = {_toml_string(d.version_from)}  # the package whose version is the train's"
        )
    else:
        lines.append(f"# version-from: unset, the train's version is {default_source(d)}")
    if d.main != "main":
        lines += ["", "[branches]", f"main = {_toml_string(d.main)}  # the development branch"]
    release = (
        [] if d.branches else [f"branches = false  # every release is a PR to {d.main}: {d.branches_why[0]}"]
    )
    if d.notes != "RELEASES.md":
        release.append(f"notes = {_toml_string(d.notes)}  # {d.notes_shape or 'release notes'}")
    if release:
        lines += ["", "[release]", *release]
    lines += ["", "[schedule]", *_schedule(d, s)]
    lines += ["", *_workspace_lines(d, public)]
    lines += [
        "# Files outside the manifests that hold the version (a C header...): none found. Example:",
        "# [[version-file]]",
        '# path = "include/project.h"',
        "# patterns = ['#define PROJECT_VERSION \"{version}\"']",
        "",
        "[forge]",
        f"kind = {_toml_string(d.forge_kind)}",
    ]
    if d.forge_kind == "local":
        path = d.forge_path or "../origin.git"
        lines.append(f"path = {_toml_string(path)}  # the bare repository acting as origin")
    first = d.entries[0][0].kind if d.entries else "cargo"
    lines += ["", "[publish]", _registry_line(first, first=True)]
    if d.forge_kind == "github":
        lines += ["", "[github]"]
        if install:
            lines.append(f"install = {_toml_string(install)}  # what the workflows pip install")
        else:
            lines.append(
                '# install = "git+https://github.com/OWNER/release-train@COMMIT"  # default: this version'
            )
    lines.append("")
    return "\n".join(lines)


def _registry(kind: str) -> str:
    return "pypi" if kind == "python" else "crates-io"


# what init says of each registry it writes
_REGISTRY_NOTES = {"pypi": "the token: PYPI_TOKEN, or on GitHub Actions trusted publishing", "crates-io": ""}


def _registry_line(kind: str, *, first: bool) -> str:
    registry = _registry(kind)
    notes = [] if first else ["this workspace's packages go there"]
    notes += [_REGISTRY_NOTES[registry]] if _REGISTRY_NOTES[registry] else []
    return f"registry = {_toml_string(registry)}" + (f"  # {'; '.join(notes)}" if notes else "")


def _workspace_lines(d: Derived, public: str) -> list[str]:
    """One `[[workspace]]` per entry; with several, the later ones name their own registry. An
    entry's `[[workspace.rule]]` tables follow it (TOML attaches them to the entry above)."""
    if not d.entries:  # a Derived made by hand: the Cargo workspace at the root
        d = replace(d, entries=((WorkspaceSettings(), d.public, ""),))
    lines: list[str] = []
    if len(d.entries) > 1:
        lines.append("# The workspaces move together: one bump, one release PR, one tag.")
    for n, (entry, globs, why) in enumerate(d.entries):
        listed = ", ".join(_toml_string(g) for g in globs) if len(d.entries) > 1 else public
        lines += ["[[workspace]]" + (f"  # {why}" if why else ""), f"kind = {_toml_string(entry.kind)}"]
        lines.append(f"path = {_toml_string(entry.path)}")
        if entry.members is not None:
            members = ", ".join(_toml_string(m) for m in entry.members)
            lines.append(f"members = [{members}]  # the projects' directories (no uv workspace)")
        pins = "exact pins" if entry.kind == "cargo" else "pinned with =="
        lines += [
            f"# Public packages keep their API within a release line; the rest are internal ({pins}).",
            f"public = [{listed}]",
        ]
        if n and entry.kind != d.entries[0][0].kind:
            lines.append(_registry_line(entry.kind, first=False))
        lines.append("")
        for rule in entry.rule:
            names = ", ".join(_toml_string(name) for name in rule.packages)
            lines += [f"# {d.minor_why}", "[[workspace.rule]]", f"packages = [{names}]"]
            lines += [f"major = {_toml_string(rule.major)}", ""]
    return lines
