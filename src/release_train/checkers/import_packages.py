"""The import packages of a Python distribution: what `import x` a user of it writes, and the
directory `x` is found in. The API checker (`griffe.py`) checks these, not distribution names.

Read from the distribution's `pyproject.toml` the way its build backend reads it:

- hatchling: `[tool.hatch.build.targets.wheel] packages = ["src/pkg"]`;
- setuptools: `[tool.setuptools] packages = [...]` or `py-modules = [...]` with `package-dir`
  (`{"" = "src"}` or one entry per package), or `[tool.setuptools.packages.find] where/include`;
- flit: `[tool.flit.module] name`; uv's build backend: `[tool.uv.build-backend] module-name` and
  `module-root` (default `src`); maturin: `[tool.maturin] python-source` and `module-name`;
- otherwise the backends' shared default: the distribution's name with `_` for `-` and `.`,
  lower-cased, as a package or a module in `src/` (the src layout) or beside `pyproject.toml`
  (the flat layout).

A configured package is returned whether it exists or not: the checker then says that it cannot
find it (a check that could not run blocks; it is never passed silently).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from release_train.errors import WorkspaceError
from release_train.values import dataclass


@dataclass(frozen=True)
class ImportPackage:
    name: str  # what `import` names: "pyrail_core" (a package) or "tool" (a module, tool.py)
    search: Path  # the directory it is found in ("src" of the distribution), absolute

    def path(self) -> Path:
        """The package's directory, or the module's file when there is no such directory."""
        directory = self.search.joinpath(*self.name.split("."))
        return directory if directory.is_dir() else directory.with_suffix(".py")


def import_packages(manifest: Path) -> list[ImportPackage]:
    """The import packages of the distribution whose `pyproject.toml` is `manifest`."""
    import tomllib

    try:
        doc = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WorkspaceError(
            f"{manifest}: cannot read it to find the import packages: {exc}",
            hint="fix the file (`release-train verify` reads it too)",
        ) from None
    here = manifest.parent
    default = _module_name(str(_table(doc, "project").get("name", here.name)))
    tool = _table(doc, "tool")
    finders = (
        ("hatch", _hatch),
        ("setuptools", _setuptools),
        ("flit", _flit),
        ("uv", _uv_build),
        ("maturin", _maturin),
    )
    for key, finder in finders:
        found = finder(_table(tool, key), here, default)
        if found:
            return sorted(set(found), key=lambda p: p.name)
    return [_default(here, default)]


def _table(value: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _module_name(distribution: str) -> str:
    """The import name the backends derive from a distribution's name (`Foo-Bar.baz` -> `foo_bar_baz`)."""
    return re.sub(r"[-_.]+", "_", distribution).lower()


def _at(here: Path, relative: str) -> ImportPackage:
    """`src/pkg` (a directory or `pkg.py`) as an import package found in `src`."""
    path = (here / relative.rstrip("/")).resolve()
    name = path.stem if path.suffix == ".py" else path.name
    return ImportPackage(name, path.parent)


def _default(here: Path, name: str) -> ImportPackage:
    for base in ("src", "."):
        found = ImportPackage(name, (here / base).resolve())
        if found.path().exists():
            return found
    return ImportPackage(name, (here / "src").resolve() if (here / "src").is_dir() else here.resolve())


def _hatch(hatch: dict[str, Any], here: Path, default: str) -> list[ImportPackage]:
    wheel = _table(hatch, "build", "targets", "wheel")
    return [_at(here, p) for p in _strings(wheel.get("packages"))]


def _setuptools(setuptools: dict[str, Any], here: Path, default: str) -> list[ImportPackage]:
    package_dir = {k: v for k, v in _table(setuptools, "package-dir").items() if isinstance(v, str)}
    root = package_dir.get("", ".")
    listed = _strings(setuptools.get("packages")) + _strings(setuptools.get("py-modules"))
    found = [
        ImportPackage(name, (here / package_dir[name]).resolve().parent)
        if name in package_dir
        else ImportPackage(name, (here / root).resolve())
        for name in {entry.split(".")[0] for entry in listed}
    ]
    find = _table(setuptools, "packages", "find")
    if find:
        found += _found(here, _strings(find.get("where")) or ["."], find)
    return found


def _found(here: Path, where: list[str], find: dict[str, Any]) -> list[ImportPackage]:
    """`[tool.setuptools.packages.find]`: the top-level packages under each `where` that its
    `include`/`exclude` patterns admit."""
    include = _strings(find.get("include")) or ["*"]
    exclude = _strings(find.get("exclude"))
    found = []
    for base in where:
        search = (here / base).resolve()
        candidates = sorted(p for p in search.iterdir() if p.is_dir()) if search.is_dir() else []
        for path in candidates:
            is_package = (path / "__init__.py").is_file() or find.get("namespaces", True) is not False
            admitted = any(fnmatchcase(path.name, p) for p in include) and not any(
                fnmatchcase(path.name, p) for p in exclude
            )
            if is_package and admitted and path.name.isidentifier() and any(path.rglob("*.py")):
                found.append(ImportPackage(path.name, search))
    return found


def _flit(flit: dict[str, Any], here: Path, default: str) -> list[ImportPackage]:
    name = _table(flit, "module").get("name")
    return [_default(here, name)] if isinstance(name, str) else []


def _uv_build(uv: dict[str, Any], here: Path, default: str) -> list[ImportPackage]:
    backend = _table(uv, "build-backend")
    root = backend.get("module-root", "src")
    names = _strings(backend.get("module-name"))
    return [ImportPackage(n, (here / str(root)).resolve()) for n in names]


def _maturin(maturin: dict[str, Any], here: Path, default: str) -> list[ImportPackage]:
    """maturin's Python sources (a mixed Rust/Python project): `python-source` holds the package
    named by `module-name`'s first part (its last part is the compiled extension)."""
    source, name = maturin.get("python-source"), maturin.get("module-name")
    if not isinstance(source, str) and not isinstance(name, str):
        return []
    top = name.split(".")[0] if isinstance(name, str) else default
    return [ImportPackage(top, (here / (source if isinstance(source, str) else ".")).resolve())]
