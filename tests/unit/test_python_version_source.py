"""Where each build backend keeps a distribution's version, found as the backend finds it; and
the single-project and `members` ways of listing a Python workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_train.config import load_settings
from release_train.errors import WorkspaceError
from release_train.flows.train.bump import apply_bump, plan_bump
from release_train.workspaces import load_workspace

CONFIG = '[[workspace]]\nkind = "python"\n'


def project(root: Path, pyproject: str, files: dict[str, str] | None = None, config: str = CONFIG) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "release-train.toml").write_text(config)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo-pkg"\nrequires-python = ">=3.11"\n' + pyproject
    )
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("pyproject", "files", "where", "after"),
    [
        (  # flit: the module named after the distribution
            'dynamic = ["version"]\n[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n',
            {"src/demo_pkg/__init__.py": '"""Demo."""\n__version__ = "1.4.2"\n'},
            "src/demo_pkg/__init__.py",
            '"""Demo."""\n__version__ = "2.0.0"\n',
        ),
        (  # flit: a module configured by name
            'dynamic = ["version"]\n[tool.flit.module]\nname = "demo"\n[build-system]\nbuild-backend = "flit_core.buildapi"\n',
            {"demo.py": "__version__ = '1.4.2'\n"},
            "demo.py",
            "__version__ = '2.0.0'\n",
        ),
        (  # setuptools: a file holding the version alone
            'dynamic = ["version"]\n[tool.setuptools.dynamic]\nversion = {file = "VERSION"}\n',
            {"VERSION": "1.4.2\n"},
            "VERSION",
            "2.0.0\n",
        ),
        (  # setuptools: an attribute of a module, package-dir mapped
            'dynamic = ["version"]\n[tool.setuptools]\npackage-dir = {"" = "lib"}\n'
            '[tool.setuptools.dynamic]\nversion = {attr = "demo.about.VERSION"}\n',
            {"lib/demo/about.py": 'VERSION: str = "1.4.2"  # the release\n'},
            "lib/demo/about.py",
            'VERSION: str = "2.0.0"  # the release\n',
        ),
        (  # pdm: a file source
            'dynamic = ["version"]\n[tool.pdm.version]\nsource = "file"\npath = "demo/__init__.py"\n',
            {"demo/__init__.py": '__version__ = "1.4.2"\n'},
            "demo/__init__.py",
            '__version__ = "2.0.0"\n',
        ),
        (  # hatch: a custom pattern
            'dynamic = ["version"]\n[tool.hatch.version]\npath = "demo.txt"\npattern = "release: (?P<version>[^\\\\s]+)"\n',
            {"demo.txt": "name: demo\nrelease: 1.4.2\n"},
            "demo.txt",
            "name: demo\nrelease: 2.0.0\n",
        ),
    ],
)
def test_version_files(tmp_path: Path, pyproject: str, files: dict[str, str], where: str, after: str) -> None:
    root = project(tmp_path / "p", pyproject, files)
    ws = load_workspace(load_settings(root))
    assert ws.packages[0].version_source == where
    apply_bump(plan_bump(load_settings(root), "major"))
    assert (root / where).read_text() == after


@pytest.mark.parametrize(
    ("pyproject", "tool"),
    [
        ('dynamic = ["version"]\n[tool.hatch.version]\nsource = "vcs"\n', "hatch-vcs"),
        (
            'dynamic = ["version"]\n[tool.hatch.version]\nsource = "uv-dynamic-versioning"\n',
            "uv-dynamic-versioning",
        ),
        ('dynamic = ["version"]\n[tool.setuptools_scm]\n', "setuptools-scm"),
        (
            'dynamic = ["version"]\n[build-system]\nrequires = ["setuptools>=64", "setuptools_scm[toml]>=8"]\n',
            "setuptools-scm",
        ),
        ('dynamic = ["version"]\n[tool.pdm.version]\nsource = "scm"\n', "pdm-scm"),
    ],
)
def test_tag_driven_versions_are_left_to_the_tag(tmp_path: Path, pyproject: str, tool: str) -> None:
    """With no written version at all there is no train version to read: said so, with the fix."""
    root = project(tmp_path / "p", pyproject)
    with pytest.raises(WorkspaceError, match="no published distribution of the workspace writes its version"):
        load_workspace(load_settings(root))
    # a second distribution that writes its version gives the train one; the tag-driven one follows it
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text() + '\n[tool.uv.workspace]\nmembers = ["core"]\n'
    )
    (root / "core").mkdir()
    (root / "core" / "pyproject.toml").write_text('[project]\nname = "core"\nversion = "3.1.0"\n')
    ws = load_workspace(load_settings(root))
    demo = ws.package("demo-pkg")
    assert (str(demo.version), demo.version_source) == ("3.1.0", f"the tag ({tool})")
    plan = plan_bump(load_settings(root), "minor")
    assert str(plan.new_version) == "3.2.0"
    assert sorted(p.name for p in plan.files) == ["pyproject.toml"]  # core's, nothing of the tagged one


def test_maturin_takes_the_version_of_its_crate(tmp_path: Path) -> None:
    root = project(tmp_path / "p", 'dynamic = ["version"]\n[build-system]\nbuild-backend = "maturin"\n')
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text() + '\n[tool.uv.workspace]\nmembers = ["core"]\n'
    )
    (root / "core").mkdir()
    (root / "core" / "pyproject.toml").write_text('[project]\nname = "core"\nversion = "3.1.0"\n')
    assert load_workspace(load_settings(root)).package("demo-pkg").version_source == "Cargo.toml (maturin)"


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ('version = "1.0.0"\ndynamic = ["version"]\n', ":4: [project] has a version and lists it in dynamic"),
        ("", ": [project] has no version"),
        (
            'dynamic = ["version"]\n',
            ":4: the version is dynamic, but not read from anything release-train knows",
        ),
        (
            'dynamic = ["version"]\n[tool.setuptools.dynamic]\nversion = {attr = "nowhere.__version__"}\n',
            ":6: the version is read from a module (setuptools), but none of src/nowhere.py",
        ),
        (
            'dynamic = ["version"]\n[tool.hatch.version]\npath = "missing.py"\n',
            ":6: cannot read the version file missing.py",
        ),
    ],
)
def test_version_refusals(tmp_path: Path, pyproject: str, message: str) -> None:
    root = project(tmp_path / "p", pyproject)
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(load_settings(root))
    assert f"{root / 'pyproject.toml'}{message}" in str(caught.value)


def test_members_that_match_nothing(tmp_path: Path) -> None:
    root = project(tmp_path / "p", 'version = "1.0.0"\n', config=CONFIG + 'members = ["libs/*"]\n')
    with pytest.raises(
        WorkspaceError,
        match=r"\[\[workspace\]\] members 'libs/\*' matches no directory with a pyproject.toml",
    ):
        load_workspace(load_settings(root))


def test_cargo_refuses_members(tmp_path: Path) -> None:
    (tmp_path / "release-train.toml").write_text('[[workspace]]\nmembers = ["crates/*"]\n')
    with pytest.raises(WorkspaceError, match='members is for kind = "python"'):
        load_workspace(load_settings(tmp_path))


def test_a_single_project(tmp_path: Path) -> None:
    root = project(tmp_path / "p", 'version = "0.4.2"\ndependencies = ["demo-pkg[x]"]\n')
    ws = load_workspace(load_settings(root))
    assert [(p.name, str(p.version), p.publish) for p in ws.packages] == [("demo-pkg", "0.4.2", True)]
    plan = plan_bump(load_settings(root), "major")
    assert plan.lines == [("demo-pkg", "0.4.2", "0.5.0")]
