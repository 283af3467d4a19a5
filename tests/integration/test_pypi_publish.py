"""`release-train publish` of a uv workspace of five interdependent distributions to the real
pypiserver (the bundled local index), run as a user runs it: a process of its own, killed -9 with
its process group where a test says so. Builds are real (uv, hatchling, without isolation), and
so is `twine check`.

Counting is done at the index: `PypiServer.stored` lists every file it accepted, in order."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.fixtures.python_dists import LivePyline, live_pyline, registry_for, wheel_and_sdist
from tests.fixtures.serving import banner, value_of

from release_train.config import load_settings
from release_train.flows.publish.journal import journal_path
from release_train.registries.interface import Artefact, UploadRequest
from release_train.registries.local_pypi import PypiServer
from release_train.workspaces import load_workspace

SECRET = "not-the-index-token-3f9a"


def project(filename: str) -> str:
    return filename.split("-", 1)[0].replace("_", "-")


def kept(live: LivePyline, tag: str) -> list[str]:
    """The built files kept beside the tag's publish journal (for a run to resume with)."""
    journal = journal_path(load_settings(live.work.path), tag)
    files = journal.with_name(journal.stem + "-files")
    return sorted(p.name for p in files.rglob("*") if p.is_file()) if files.exists() else []


def test_publish_uploads_each_sdist_and_wheel_in_dependency_order_and_a_rerun_skips_them(
    tmp_path: Path,
) -> None:
    with live_pyline(tmp_path) as live:
        tag = live.tag_release("1.0.0")
        dry = live.cli.run("publish", "--tag", tag, "--dry-run")
        assert dry.code == 0, dry.err
        assert "5 to upload, 0 already there" in dry.out + dry.err
        assert live.server.stored == []
        done = live.cli.run("publish", "--tag", tag)
        assert done.code == 0, done.err
        live.assert_released("1.0.0")
        # dependencies first: every file of pyline-e, then of pyline-d, ... (each waits for the
        # index to list the one it pins)
        order = [project(f) for f in live.server.stored]
        assert list(dict.fromkeys(order)) == live.names
        assert order == [name for name in live.names for _ in range(2)]
        assert "published 5 package(s) of v1.0.0" in done.out
        for name in live.names:
            assert f"{name} 1.0.0 is in the index" in done.out + done.err
        # finished (every distribution listed, the forge release made): no built file is kept
        assert journal_path(load_settings(live.work.path), tag).is_file() and kept(live, tag) == []

        again = live.cli.run("publish", "--tag", tag)
        assert again.code == 0, again.err
        assert "0 to upload, 5 already there" in again.out + again.err
        assert "published 0 package(s) of v1.0.0" in again.out
        live.assert_released("1.0.0")  # nothing was sent again
        assert kept(live, tag) == []  # and nothing was built again


def test_killed_after_k_uploads_for_every_k_then_run_again_each_file_is_uploaded_once(
    tmp_path: Path,
) -> None:
    """Each k on an index of its own (the same tag). The killed run keeps the files it built for
    the re-run to upload; the re-run that finishes removes them."""
    with live_pyline(tmp_path) as live:
        tag = live.tag_release("1.0.0")
        files = 2 * len(live.names)
        for k in range(1, files):
            with PypiServer(tmp_path / f"index-{k}") as server:
                live.use_index(server)
                child = live.cli.start("publish", "--tag", tag)
                deadline = time.monotonic() + 180
                while len(server.stored) < k:
                    assert child.poll() is None, f"k={k}: ended first:\n" + "\n".join(live.cli.output())
                    assert time.monotonic() < deadline, f"k={k}: no upload in time"
                    time.sleep(0.002)
                os.killpg(child.pid, signal.SIGKILL)
                assert child.wait() == -signal.SIGKILL
                assert kept(live, tag) == sorted(
                    f for name in live.names for f in wheel_and_sdist(name, "1.0.0")
                )
                again = live.cli.run("publish", "--tag", tag)
                assert again.code == 0, f"k={k}:\n{again.err}"
                live.assert_released("1.0.0")
                assert kept(live, tag) == [], f"k={k}"


def corrupt_summary(live: LivePyline, name: str) -> None:
    path = live.work.path / "packages" / name / "pyproject.toml"
    text = path.read_text()
    path.write_text(text.replace(f'description = "The {name} link', f'description = "{"long " * 110}', 1))
    live.work.commit_all(f"{name}: a long summary")


def test_a_bad_token_stops_with_what_was_published_and_the_command_that_resumes(tmp_path: Path) -> None:
    with live_pyline(tmp_path) as live:
        tag = live.tag_release("1.0.0")
        # the first distribution goes in with the right token (a run killed after its two files)
        child = live.cli.start("publish", "--tag", tag)
        while len(live.server.stored) < 2:
            assert child.poll() is None, live.cli.output()
            time.sleep(0.002)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()

        live.cli.env["PYPI_TOKEN"] = SECRET
        refused = live.cli.run("publish", "--tag", tag)
        assert refused.code == 8, refused.err
        text = refused.out + refused.err
        assert SECRET not in text
        assert "(403)" in text and "Forbidden" in text
        assert f"{tag}: published (1): pyline-e" in text
        assert "pyline-d (pyline-d 1.0.0: pyline_d-1.0.0" in text
        assert "hint: the index refused the token: put a valid API token for it in PYPI_TOKEN; then " in text
        assert "resume with: release-train publish --tag v1.0.0" in text
        assert sorted(live.server.stored) == sorted(wheel_and_sdist("pyline-e", "1.0.0"))
        assert len(kept(live, tag)) == 2 * len(live.names)  # the failed run keeps them to resume with

        live.cli.env["PYPI_TOKEN"] = live.server.token
        again = live.cli.run("publish", "--tag", tag)
        assert again.code == 0, again.err
        live.assert_released("1.0.0")
        assert kept(live, tag) == []


def test_an_index_refusal_400_stops_with_its_reason_and_what_was_published(tmp_path: Path) -> None:
    with live_pyline(tmp_path) as live:
        corrupt_summary(live, "pyline-c")
        tag = live.tag_release("1.0.0")
        refused = live.cli.run("publish", "--tag", tag)
        assert refused.code == 8, refused.err
        text = refused.out + refused.err
        assert "(400)" in text and "Invalid value for summary" in text
        assert f"{tag}: published (2): pyline-e, pyline-d" in text
        assert "pyline-b (waits for a failed dependency)" in text
        assert "resume with: release-train publish --tag v1.0.0" in text
        assert {project(f) for f in live.server.stored} == {"pyline-e", "pyline-d"}


def test_a_file_of_the_same_name_with_other_bytes_is_an_error_naming_it(tmp_path: Path) -> None:
    with live_pyline(tmp_path) as live:
        tag = live.tag_release("1.0.0")
        # Someone uploaded an sdist of pyline-e 1.0.0 with other bytes before the train got to it.
        registry = registry_for(live.server)
        pkg = load_workspace(load_settings(live.work.path)).package("pyline-e")
        sdist = registry.package(live.work.path, tmp_path / "theirs", [pkg])["pyline-e"][0]
        sdist.path.write_bytes(sdist.path.read_bytes() + b"\0" * 512)  # gzip ignores zero padding
        theirs = Artefact(sdist.path, hashlib.sha256(sdist.path.read_bytes()).hexdigest())
        registry.publish(UploadRequest("pyline-e", "1.0.0", live.work.path, (theirs,)))
        refused = live.cli.run("publish", "--tag", tag)
        assert refused.code == 8, refused.err
        text = refused.out + refused.err
        assert f"{sdist.filename}: the index has sha256 {theirs.sha256[:12]}" in text
        assert "published (0): none" in text
        assert live.server.stored == [sdist.filename]  # nothing more was sent


def test_pr_merge_publishes_the_tag_and_pip_installs_the_top_package_from_the_index(
    tmp_path: Path,
) -> None:
    with live_pyline(tmp_path) as live:
        number = live.release_pr("2.0.0")
        done = live.cli.run("pr", "merge", str(number))
        assert done.code == 0, done.err
        live.assert_released("2.0.0")

        venv = tmp_path / "consumer"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        python = str(venv / "bin" / "python")
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        install = [python, "-m", "pip", "install", "--no-cache-dir", "--index-url", live.server.index_url]
        installed = subprocess.run(
            [*install, "pyline-a"], capture_output=True, text=True, env=env, timeout=300, check=False
        )
        assert installed.returncode == 0, installed.stdout + installed.stderr
        show = "import importlib.metadata as m, pyline_a; print(*(m.version(n) for n in pyline_a.CHAIN))"
        versions = subprocess.run(
            [python, "-c", show], capture_output=True, text=True, check=True, timeout=60
        )
        assert versions.stdout.split() == ["2.0.0"] * 5


def test_registry_serve_python_is_the_local_index_a_train_publishes_to(tmp_path: Path) -> None:
    """`registry = "local"`: the bundled pypiserver as a user starts it (`release-train registry
    serve --python`, as the Cargo one is started), its token kept in a file only its owner reads
    and never printed; `release-train publish` uploads to it with that token."""
    data = tmp_path / "served"
    command = [sys.executable, "-m", "release_train", "registry", "serve", "--python", "--dir", str(data)]
    with live_pyline(tmp_path / "train") as live:
        tag = live.tag_release("1.0.0")
        for start in ("first", "again"):
            with subprocess.Popen(
                [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            ) as child:
                lines = banner(child)
                index_url, upload_url = value_of(lines, "index:"), value_of(lines, "upload:")
                token_file = data / "token"
                token = token_file.read_text().strip()
                assert token and token not in "".join(lines)
                assert token_file.stat().st_mode & 0o777 == 0o600
                assert index_url.startswith("http://127.0.0.1:") and index_url.endswith("/simple/")
                assert upload_url == index_url.removesuffix("simple/")
                assert 'registry = "local"' in "".join(lines)
                live.point_at(index_url, token)
                done = live.cli.run("publish", "--tag", tag)
                assert done.code == 0, done.err
                if start == "first":
                    assert "0 to upload" not in done.out + done.err
                else:  # a restart serves what was uploaded, with the same token
                    assert "0 to upload, 5 already there" in done.out + done.err
                stored = sorted(p.name for p in (data / "packages").iterdir())
                assert stored == sorted(f for name in live.names for f in wheel_and_sdist(name, "1.0.0"))
                refused = httpx.post(upload_url, data={":action": "file_upload"}, auth=("__token__", "wrong"))
                assert refused.status_code == 403
                child.send_signal(signal.SIGINT)
                assert child.wait(timeout=20) == 0


def test_a_release_candidate_is_looked_up_as_the_index_spells_it(tmp_path: Path) -> None:
    """The train's 2.0.0-rc.1 is 2.0.0rc1 in pyproject.toml, in the file names and in the index:
    a re-run finds every distribution there."""
    with live_pyline(tmp_path) as live:
        tag = live.tag_release("2.0.0rc1", tag="v2.0.0-rc.1")
        done = live.cli.run("publish", "--tag", tag)
        assert done.code == 0, done.err
        live.assert_released("2.0.0rc1", tag="v2.0.0-rc.1")
        again = live.cli.run("publish", "--tag", tag)
        assert again.code == 0, again.err
        assert "0 to upload, 5 already there" in again.out + again.err
