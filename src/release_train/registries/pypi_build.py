"""Building Python distributions for upload: an sdist and a wheel per member, checked.

Each member is built by `uv build` when uv is present (on PATH, or the `uv` package installed
beside release-train), else by `python -m build` (pypa/build, in the `[python]` extra): the sdist
first, the wheel from it, so a wheel never holds what the sdist lacks. With `isolation` off the
build backends installed where release-train runs are used and nothing is fetched (offline CI,
distribution packaging). `twine check --strict` then reads every file's metadata as PyPI will:
a description that would not render, a missing field, is found before anything is uploaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.errors import RefusedError
from release_train.infra import proc
from release_train.registries.interface import Artefact
from release_train.registries.pypi_simple import distribution_name

if TYPE_CHECKING:
    from release_train.workspaces.interface import Package

EXTRA_HINT = "install release-train with its Python extra: pip install 'release-train[python]'"
BUILD_TIMEOUT = 1800.0  # one member: a backend that compiles may take a while


def uv_binary() -> str | None:
    """uv on PATH, else the one the `uv` package carries (a dev or extra install), else None."""
    found = shutil.which("uv")
    if found or importlib.util.find_spec("uv") is None:
        return found
    import uv

    try:
        return str(uv.find_uv_bin())
    except FileNotFoundError:
        return None


def build_command(source: Path, out: Path, *, isolation: bool) -> list[str]:
    uv = uv_binary()
    if uv is not None:
        command = [uv, "build", "--out-dir", str(out), "--python", sys.executable]
        return [*command, *([] if isolation else ["--no-build-isolation"]), str(source)]
    _require("build")
    command = [sys.executable, "-m", "build", "--outdir", str(out)]
    return [*command, *([] if isolation else ["--no-isolation"]), str(source)]


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise RefusedError(
            f"publishing Python distributions needs {module}, which is not installed", hint=EXTRA_HINT
        )


def build_all(
    packages: Sequence[Package], target_dir: Path, spell: dict[str, str], *, isolation: bool
) -> dict[str, tuple[Artefact, ...]]:
    """Build every package into `target_dir/dist/NAME/` (emptied first) and check the files;
    `spell` gives each package's version as PEP 440 writes it."""
    made: dict[str, tuple[Artefact, ...]] = {}
    for pkg in packages:
        out = target_dir / "dist" / pkg.name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        done = proc.run(
            build_command(pkg.directory, out, isolation=isolation), check=False, timeout=BUILD_TIMEOUT
        )
        if done.returncode != 0:
            raise RefusedError(
                f"building {pkg.name} {spell[pkg.name]} failed (exit {done.returncode}):\n"
                f"{_tail(done.stderr or done.stdout)}",
                hint="fix what the build names, commit, tag again if needed; nothing was uploaded",
            )
        made[pkg.name] = _artefacts(pkg.name, spell[pkg.name], out)
    twine_check([a.path for files in made.values() for a in files])
    return made


def _artefacts(name: str, version: str, out: Path) -> tuple[Artefact, ...]:
    from packaging.utils import canonicalize_name

    files = sorted(p for p in out.iterdir() if distribution_name(p.name) is not None)
    sdists = [p for p in files if not p.name.endswith(".whl")]
    wheels = [p for p in files if p.name.endswith(".whl")]
    wanted = (str(canonicalize_name(name)), version)
    wrong = [p.name for p in files if distribution_name(p.name) != wanted]
    if len(sdists) != 1 or not wheels or wrong:
        listed = ", ".join(p.name for p in files) or "nothing"
        raise RefusedError(
            f"building {name} {version} made {listed}; expected one sdist and its wheels of {name} {version}",
            hint="check the build backend's name and version settings for this member",
        )
    return tuple(Artefact(p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in [*sdists, *wheels])


def twine_check(files: list[Path]) -> None:
    """`twine check --strict`: every file's metadata as PyPI reads it."""
    if not files:
        return
    _require("twine")
    done = proc.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
        env={"NO_COLOR": "1", "COLUMNS": "200"},
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RefusedError(
            f"`twine check --strict` refused the distributions:\n{_tail(done.stdout + done.stderr)}",
            hint="fix the metadata it names (the README renders, every field PyPI needs is set), "
            "commit, and tag again; nothing was uploaded",
        )


def _tail(text: str, lines: int = 25) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(f"  {line}" for line in kept)
