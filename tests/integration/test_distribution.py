"""The distribution users install: `python -m build` (without build isolation, so offline) makes an
sdist and a wheel whose metadata twine accepts under --strict, whose version is
`release_train.__version__`, and which ship every template and the demo's example workspace.
(`./dev dist`, run by CI, installs that wheel into a fresh virtual environment and plays the demo.)"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

import release_train
from release_train.infra import proc

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "release_train"


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    proc.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    found = {path.suffix: path for path in out.iterdir()}
    assert sorted(found) == [".gz", ".whl"], sorted(out.iterdir())
    return {"wheel": found[".whl"], "sdist": found[".gz"]}


def _data_files(directory: Path) -> set[str]:
    """The files the package carries as data under `directory`, relative to the package."""
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and "target" not in path.relative_to(directory).parts
    }


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


def test_the_wheel_ships_the_templates_and_the_demo_example(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        shipped = {
            n.removeprefix("release_train/") for n in archive.namelist() if n.startswith("release_train/")
        }
    templates = _data_files(PACKAGE / "templates")
    assert {"templates/github/release-train-tag.yml", "templates/RELEASES.md"} <= templates
    assert templates <= shipped
    example = _data_files(PACKAGE / "demo" / "example")
    assert {
        "demo/example/Cargo.toml",
        "demo/example/.gitignore",
        "demo/example/release-train.toml",
    } <= example
    assert example <= shipped
    python_example = _data_files(PACKAGE / "demo" / "example_python")
    assert {
        "demo/example_python/uv.lock",
        "demo/example_python/packages/trolley/src/trolley/__init__.py",
    } <= (python_example)
    assert python_example <= shipped
    assert "py.typed" in shipped
    assert "cli/__init__.py" in shipped


def test_the_metadata_is_complete_and_its_version_is_the_package_version(dists: dict[str, Path]) -> None:
    meta = _metadata(dists["wheel"])
    assert meta["Name"] == "release-train"
    assert meta["Version"] == release_train.__version__
    assert dists["wheel"].name == f"release_train-{release_train.__version__}-py3-none-any.whl"
    assert dists["sdist"].name == f"release_train-{release_train.__version__}.tar.gz"
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Author"]
    assert "cargo" in meta["Keywords"].split(",")
    assert "Typing :: Typed" in meta.get_all("Classifier", [])
    assert str(meta.get_payload()).startswith("# release-train")  # the README is the long description


def test_twine_check_strict_passes(dists: dict[str, Path]) -> None:
    result = proc.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dists["wheel"]), str(dists["sdist"])],
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_sdist_builds_the_same_files(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "pyproject.toml", "src/release_train/demo/example/Cargo.toml"} <= names
    assert not [n for n in names if "/target/" in n]
