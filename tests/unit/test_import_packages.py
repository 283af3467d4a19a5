"""The import packages of a distribution, read as its build backend reads them: the names a user
imports and the directory each is found in (what `griffe check --search` is given)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_train.checkers.import_packages import ImportPackage, import_packages
from release_train.errors import WorkspaceError


def project(root: Path, pyproject: str, *files: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return root / "pyproject.toml"


def found(manifest: Path) -> list[tuple[str, str]]:
    """(name, search directory relative to the project) of each import package."""
    here = manifest.parent.resolve()
    return [(p.name, p.search.relative_to(here).as_posix()) for p in import_packages(manifest)]


NAMED = '[project]\nname = "Rail_Car.tools"\nversion = "1.0.0"\n'


def test_src_layout_by_the_distribution_name(tmp_path: Path) -> None:
    manifest = project(tmp_path, NAMED, "src/rail_car_tools/__init__.py", "tests/test_x.py")
    assert found(manifest) == [("rail_car_tools", "src")]


def test_flat_layout_package_and_single_module(tmp_path: Path) -> None:
    assert found(project(tmp_path / "a", NAMED, "rail_car_tools/__init__.py")) == [("rail_car_tools", ".")]
    assert found(project(tmp_path / "b", NAMED, "rail_car_tools.py")) == [("rail_car_tools", ".")]


def test_nothing_found_names_the_default_where_it_would_be(tmp_path: Path) -> None:
    manifest = project(tmp_path, NAMED, "src/other/__init__.py")
    (package,) = import_packages(manifest)
    assert package == ImportPackage("rail_car_tools", (tmp_path / "src").resolve())
    assert not package.path().exists()  # the checker lets griffe say it cannot find it


def test_hatch_wheel_packages(tmp_path: Path) -> None:
    manifest = project(
        tmp_path,
        NAMED + '\n[tool.hatch.build.targets.wheel]\npackages = ["src/railcar", "lib/coupler"]\n',
        "src/railcar/__init__.py",
        "lib/coupler/__init__.py",
    )
    assert found(manifest) == [("coupler", "lib"), ("railcar", "src")]


def test_setuptools_packages_with_package_dir(tmp_path: Path) -> None:
    manifest = project(
        tmp_path,
        NAMED + '\n[tool.setuptools]\npackages = ["railcar", "railcar.sub"]\npy-modules = ["couple"]\n'
        'package-dir = {"" = "lib"}\n',
    )
    assert found(manifest) == [("couple", "lib"), ("railcar", "lib")]


def test_setuptools_find_with_include_and_exclude(tmp_path: Path) -> None:
    manifest = project(
        tmp_path,
        NAMED
        + '\n[tool.setuptools.packages.find]\nwhere = ["src"]\ninclude = ["rail*"]\nexclude = ["railtests"]\n',
        "src/railcar/__init__.py",
        "src/railway/core.py",  # a namespace package: setuptools' find in pyproject.toml takes them
        "src/railtests/__init__.py",
        "src/coupler/__init__.py",
        "src/railcar.egg-info/PKG-INFO",
    )
    assert found(manifest) == [("railcar", "src"), ("railway", "src")]


def test_flit_module_name(tmp_path: Path) -> None:
    manifest = project(
        tmp_path, NAMED + '\n[tool.flit.module]\nname = "railcar"\n', "src/railcar/__init__.py"
    )
    assert found(manifest) == [("railcar", "src")]


def test_uv_build_backend_module(tmp_path: Path) -> None:
    manifest = project(
        tmp_path,
        NAMED + '\n[tool.uv.build-backend]\nmodule-name = "railcar"\nmodule-root = ""\n',
        "railcar/__init__.py",
    )
    assert found(manifest) == [("railcar", ".")]
    default_root = project(tmp_path / "b", NAMED + '\n[tool.uv.build-backend]\nmodule-name = "railcar"\n')
    assert found(default_root) == [("railcar", "src")]


def test_maturin_python_source(tmp_path: Path) -> None:
    manifest = project(
        tmp_path,
        NAMED + '\n[tool.maturin]\npython-source = "python"\nmodule-name = "railcar._native"\n',
        "python/railcar/__init__.py",
    )
    assert found(manifest) == [("railcar", "python")]


def test_an_unreadable_manifest_names_the_file(tmp_path: Path) -> None:
    manifest = project(tmp_path, "[project\n")
    with pytest.raises(WorkspaceError, match=r"pyproject\.toml: cannot read it to find the import packages"):
        import_packages(manifest)
