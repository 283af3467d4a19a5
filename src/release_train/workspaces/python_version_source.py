"""Where a Python distribution's version is written, found the way its build backend finds it.

- static: `[project] version = "1.2.3"`;
- a file (`dynamic = ["version"]` read from source): hatch's `[tool.hatch.version] path` (its
  default pattern `__version__ = "..."` or `VERSION = "..."`, or the table's own `pattern`),
  setuptools' `[tool.setuptools.dynamic] version = {attr = "pkg.__version__"}` or `{file = ...}`,
  pdm's `[tool.pdm.version] source = "file"`, and flit's module `__version__`. The workspace finds
  the file itself and rewrites the version in it like a `[[version-file]]`;
- the tag (hatch-vcs, setuptools-scm, uv-dynamic-versioning, versioningit, pdm's scm source):
  the version is whatever tag is built, so the train's tag sets it and nothing is rewritten;
- Cargo.toml (maturin builds the version of the Rust crate beside it): moved by the Cargo workspace.

Any other dynamic version is an error naming the file, the line and the fix: a bump must never
silently leave a version behind.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.model.record import Record
from release_train.workspaces.python_project import Project
from release_train.workspaces.toml_doc import Str

# hatch's default regex source pattern (hatchling/version/source/regex.py), compiled with MULTILINE
HATCH_DEFAULT = r"""(?i)^(__version__|VERSION) *= *(['"])v?(?P<version>.+?)\2"""
_TAG_TABLES = {
    ("tool", "setuptools_scm"): "setuptools-scm",
    ("tool", "setuptools-scm"): "setuptools-scm",
    ("tool", "versioningit"): "versioningit",
    ("tool", "poetry-dynamic-versioning"): "poetry-dynamic-versioning",
}
_HATCH_TAG_SOURCES = {
    "vcs": "hatch-vcs",
    "uv-dynamic-versioning": "uv-dynamic-versioning",
    "versioningit": "versioningit",
}


class VersionSource(Record):
    """Where the version is: `kind` "static" or "file" (its text at `start:end` of `data`, the
    bytes of `file`), "tag" or "cargo" (not written in a file the workspace rewrites)."""

    __slots__ = FIELDS = ("kind", "tool", "file", "data", "start", "end", "text")
    kind: str
    tool: str  # "" for static, else what sets it: "hatch-vcs", "setuptools", "flit", ...
    file: Path | None
    data: bytes
    start: int
    end: int
    text: str

    def __init__(
        self,
        kind: str,
        tool: str = "",
        file: Path | None = None,
        data: bytes = b"",
        start: int = 0,
        end: int = 0,
        text: str = "",
    ) -> None:
        self._init(kind, tool, file, data, start, end, text)

    @property
    def line(self) -> int:
        return self.data.count(b"\n", 0, self.start) + 1

    @property
    def written(self) -> bool:
        return self.kind in ("static", "file")


def version_source(project: Project, confined: Files) -> VersionSource:
    static = project.static_version()
    dynamic = "version" in project.dynamic()
    if static is not None and dynamic:
        raise WorkspaceError(
            f"{project.path}:{static.line}: [project] has a version and lists it in dynamic",
            hint='remove version = "..." or remove "version" from dynamic (PEP 621 allows one)',
        )
    if static is not None:
        return VersionSource("static", "", project.path, project.data, static.start, static.end, static.value)
    if not dynamic:
        raise WorkspaceError(
            f"{project.path}: [project] has no version",
            hint='add version = "0.1.0" under [project], or list "version" in dynamic with its source',
        )
    return _dynamic(project, confined)


def _dynamic(project: Project, confined: Files) -> VersionSource:
    for detect in (_hatch, _pdm, _setuptools, _tag_tables, _backend):
        found = detect(project, confined)
        if found is not None:
            return found
    raise WorkspaceError(
        f"{project.path}:{project.line_of('project', 'dynamic')}: the version is dynamic, but not read from "
        "anything release-train knows (a __version__ file, hatch-vcs, setuptools-scm)",
        hint='write version = "X.Y.Z" under [project], or read it from a file: [tool.hatch.version] '
        'path = "src/pkg/__init__.py" (hatchling) or [tool.setuptools.dynamic] version = {attr = "pkg.__version__"}',
    )


def _hatch(project: Project, confined: Files) -> VersionSource | None:
    hatch = project.table("tool", "hatch", "version")
    source, path = hatch.get("source"), hatch.get("path")
    if isinstance(source, Str) and source.value in _HATCH_TAG_SOURCES:
        return VersionSource("tag", _HATCH_TAG_SOURCES[source.value])
    if not isinstance(path, Str) or (source is not None and getattr(source, "value", None) != "regex"):
        return None
    pattern = hatch.get("pattern")
    regex = pattern.value if isinstance(pattern, Str) else HATCH_DEFAULT
    return _in_file(project, confined, "hatch", path.value, regex, path.line)


def _pdm(project: Project, confined: Files) -> VersionSource | None:
    pdm = project.table("tool", "pdm", "version")
    source, path = pdm.get("source"), pdm.get("path")
    if isinstance(source, Str) and source.value == "scm":
        return VersionSource("tag", "pdm-scm")
    if isinstance(source, Str) and source.value == "file" and isinstance(path, Str):
        return _in_file(project, confined, "pdm", path.value, _assignment("__version__"), path.line)
    return None


def _tag_tables(project: Project, confined: Files) -> VersionSource | None:
    for keys, name in _TAG_TABLES.items():
        if project.has(*keys) or (keys[1] == "setuptools_scm" and _requires(project, "setuptools-scm")):
            return VersionSource("tag", name)
    return None


def _backend(project: Project, confined: Files) -> VersionSource | None:
    backend = project.table("build-system").get("build-backend")
    name = backend.value if isinstance(backend, Str) else ""
    if name.startswith("flit_core"):
        return _flit(project, confined)
    if name == "maturin":
        return VersionSource("cargo", "maturin")
    return None


def _requires(project: Project, name: str) -> bool:
    from release_train.workspaces.python_project import normalise

    requires = project.table("build-system").get("requires")
    if not isinstance(requires, list):
        return False
    return any(
        isinstance(r, Str) and normalise(re.split(r"[\s\[<>=!~;@]", r.value.strip(), maxsplit=1)[0]) == name
        for r in requires
    )


def _assignment(attr: str) -> str:
    """A module-level `attr = "..."` (an annotation allowed), as setuptools reads it statically."""
    return rf"""^{re.escape(attr)}[ \t]*(?::[^=\n]*)?=[ \t]*(['"])(?P<version>[^'"\n]+)\1"""


def _setuptools(project: Project, confined: Files) -> VersionSource | None:
    spec = project.table("tool", "setuptools", "dynamic").get("version")
    if not isinstance(spec, dict):
        return None
    attr, file = spec.get("attr"), spec.get("file")
    if isinstance(file, list) and len(file) == 1:
        file = file[0]
    if isinstance(file, Str):
        return _in_file(project, confined, "setuptools", file.value, r"\A\s*(?P<version>\S+)\s*\Z", file.line)
    if not isinstance(attr, Str) or "." not in attr.value:
        raise WorkspaceError(
            f"{project.path}:{project.line_of('tool', 'setuptools', 'dynamic', 'version')}: "
            "[tool.setuptools.dynamic] version is neither {attr = ...} nor {file = ...}",
            hint='write version = {attr = "package.__version__"}',
        )
    module, _, name = attr.value.rpartition(".")
    package_dir = project.table("tool", "setuptools", "package-dir")
    bases = [package_dir[""].value] if isinstance(package_dir.get(""), Str) else ["src", "."]
    parts = module.split(".")
    candidates = [
        os.path.join(base, *parts[:-1], name_)  # noqa: PTH118
        for base in bases
        for name_ in (f"{parts[-1]}.py", os.path.join(parts[-1], "__init__.py"))  # noqa: PTH118
    ]
    return _first_file(project, confined, "setuptools", candidates, _assignment(name), attr.line)


def _flit(project: Project, confined: Files) -> VersionSource:
    configured = project.table("tool", "flit", "module").get("name")
    module = configured.value if isinstance(configured, Str) else project.name().value.replace("-", "_")
    module = module.replace(".", "/")
    candidates = [
        os.path.join(base, f)  # noqa: PTH118
        for base in (".", "src")
        for f in (os.path.join(module, "__init__.py"), f"{module}.py")  # noqa: PTH118
    ]
    return _first_file(
        project,
        confined,
        "flit",
        candidates,
        _assignment("__version__"),
        project.line_of("project", "dynamic"),
    )


def _first_file(
    project: Project, confined: Files, tool: str, candidates: list[str], regex: str, line: int
) -> VersionSource:
    for relative in candidates:
        if confined.is_file(os.path.join(project.dir, relative)):  # noqa: PTH118
            return _in_file(project, confined, tool, relative, regex, line)
    raise WorkspaceError(
        f"{project.path}:{line}: the version is read from a module ({tool}), but none of "
        f"{', '.join(os.path.normpath(c) for c in candidates)} exists",
        hint='create the module with __version__ = "X.Y.Z", or write version = "X.Y.Z" under [project]',
    )


def _in_file(
    project: Project, confined: Files, tool: str, relative: str, regex: str, line: int
) -> VersionSource:
    path = os.path.normpath(os.path.join(project.dir, relative))  # noqa: PTH118
    confined.check_dir(os.path.dirname(path))  # noqa: PTH120
    try:
        data = confined.read(path)
    except OSError as exc:
        raise WorkspaceError(
            f"{project.path}:{line}: cannot read the version file {relative}: {exc.strerror}",
            hint="fix the path in pyproject.toml, or create the file",
        ) from exc
    try:
        match = re.compile(regex.encode(), re.MULTILINE).search(data)
    except re.error as exc:
        raise WorkspaceError(
            f"{project.path}:{line}: the version pattern is not a regular expression: {exc}",
            hint="fix [tool.hatch.version] pattern (it needs a group named version)",
        ) from None
    if match is None or "version" not in match.re.groupindex:
        raise WorkspaceError(
            f"{path}: no version assignment found ({tool} reads the version from here)",
            hint='write it literally on a line of its own: __version__ = "X.Y.Z"',
        )
    start, end = match.span("version")
    return VersionSource("file", tool, Path(path), data, start, end, match.group("version").decode())
