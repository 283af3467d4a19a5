"""The real uv agrees: the Pyrail fixture's uv.lock is the one uv writes, and after each bump
`uv lock --locked --offline` accepts the rewritten lock file (and refuses the lock left as it was,
so the check can fail). No network: the workspace has no third-party requirement, and its
dynamic-version members are built with the backends installed in this environment (uv, hatchling,
hatch-vcs and setuptools are dev dependencies)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import uv
from tests.fixtures.python_projects import build_libs
from tests.fixtures.python_workspace import build_pyrail

from release_train.cli import main


def uv_lock_locked(work: Path, cache: Path, tag: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "UV_CACHE_DIR": str(cache),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        # the hatch-vcs member outside a git repository: the version its tag would give
        "SETUPTOOLS_SCM_PRETEND_VERSION": tag,
    }
    return subprocess.run(
        [
            uv.find_uv_bin(),
            "lock",
            "--locked",
            "--offline",
            "--no-build-isolation",
            "--python",
            sys.executable,
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_uv_accepts_the_lock_after_each_bump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_pyrail(tmp_path / "work")
    cache = tmp_path / "uv-cache"
    done = uv_lock_locked(work, cache, "1.4.2")
    assert done.returncode == 0, done.stderr  # the fixture's lock is uv's own
    steps = (
        ("major", "2.0.0"),
        ("patch", "2.0.1"),
        ("rc", "2.0.1rc1"),
        ("drop-rc", "2.0.1"),
        ("minor", "2.1.0"),
    )
    for op, tag in steps:
        before = (work / "uv.lock").read_bytes()
        assert main(["bump", op, "-C", str(work)]) == 0
        after = (work / "uv.lock").read_bytes()
        assert after != before
        done = uv_lock_locked(work, cache, tag)
        assert done.returncode == 0, f"{op}: {done.stderr}"
        # the same bump without its lock edit: uv refuses it
        (work / "uv.lock").write_bytes(before)
        stale = uv_lock_locked(work, cache, tag)
        assert stale.returncode != 0
        assert "needs to be updated" in stale.stderr
        (work / "uv.lock").write_bytes(after)
    capsys.readouterr()


def test_uv_accepts_each_project_lock_after_a_bump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Separate projects (langgraph's shape): each `libs/*/uv.lock` lists its siblings as
    editable sources, and each is accepted after `bump major`."""
    work = build_libs(tmp_path / "work")
    cache = tmp_path / "uv-cache"
    libs = [work / "libs" / name for name in ("a", "b", "c")]
    for lib in libs:
        done = uv_lock_locked(lib, cache, "0")
        assert done.returncode == 0, f"{lib.name}: {done.stderr}"
    assert main(["bump", "major", "-C", str(work)]) == 0
    for lib in libs:
        done = uv_lock_locked(lib, cache, "0")
        assert done.returncode == 0, f"{lib.name}: {done.stderr}"
    capsys.readouterr()
