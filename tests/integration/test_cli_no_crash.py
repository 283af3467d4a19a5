"""Issue 10, items 4 and 8: what used to crash (exit 70, a traceback in a crash log) is a clear
error with a proper exit code, and a crash log, when there is one, holds no secret.

Every test runs the real CLI as a subprocess, as a user would, with the tool's state directory
(where crash logs go) pointed into the test's own directory."""

from __future__ import annotations

import os
import shlex
import stat
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.fixtures.crates import write_workspace

from release_train.errors import INTERNAL_ERROR_EXIT
from release_train.forges.interface import ForgeError
from release_train.infra import proc
from release_train.infra.git import init_repo

RT = f"{shlex.quote(sys.executable)} -m release_train"


def run(tmp_path: Path, command: str, **env: str) -> proc.Completed:
    """`command` (a shell line; `rt` is the CLI) with the crash logs going to tmp_path/state."""
    state = tmp_path / "state"
    line = command.replace("rt ", f"{RT} ", 1) if command.startswith("rt ") else command
    return proc.run(["bash", "-c", line], env={"XDG_STATE_HOME": str(state), **env}, check=False)


def crash_logs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "state").rglob("*"))


def assert_clear_error(tmp_path: Path, done: proc.Completed, code: int, message: str) -> None:
    assert done.returncode == code != INTERNAL_ERROR_EXIT, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr and "crashed" not in done.stderr
    assert crash_logs(tmp_path) == []


def test_now_nonsense_is_a_usage_error(tmp_path: Path) -> None:
    done = run(tmp_path, f"rt status -C {tmp_path} --now nonsense")
    assert_clear_error(
        tmp_path,
        done,
        2,
        "argument --now: 'nonsense' is not a date or date-time; give one in ISO 8601, e.g. 2026-12-05",
    )
    impossible = run(tmp_path, f"rt tick -C {tmp_path} --now 2026-13-01")
    assert_clear_error(
        tmp_path, impossible, 2, "'2026-13-01' is not a date or date-time (month must be in 1..12)"
    )


def test_fail_after_that_is_no_number_is_a_usage_error(tmp_path: Path) -> None:
    init_repo(tmp_path / "repo")
    done = run(tmp_path, f"rt status -C {tmp_path / 'repo'}", RELEASE_TRAIN_FAIL_AFTER="abc")
    assert_clear_error(
        tmp_path,
        done,
        2,
        "error: RELEASE_TRAIN_FAIL_AFTER='abc': expected a whole number of steps (0 or more)",
    )
    assert "hint: unset RELEASE_TRAIN_FAIL_AFTER" in done.stderr


# --- a reader that goes away ------------------------------------------------------------------
# The output must not fit in the pipe (64 KiB) plus what `head` reads before it exits, so that
# the command writes after `head` has gone, every time.
WIDE = "a-crate-with-a-long-name-so-each-listed-line-is-wide"


def test_packages_into_head_ends_quietly_with_141(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    workspace = write_workspace(repo.path, 1500, depth=2, prefix=WIDE)
    (repo.path / "release-train.toml").write_text(f'[project]\nversion-from = "{workspace.top.name}"\n')
    listing = run(tmp_path, f"rt packages -C {repo.path} | wc -c")
    assert int(listing.stdout) > 128 * 1024

    done = run(tmp_path, f"rt packages -C {repo.path} | head -1; exit ${{PIPESTATUS[0]}}")

    assert done.stdout == "train version 0.1.0; 1500 of 1500 packages are published\n"
    assert_clear_error(tmp_path, done, 141, "")
    assert done.stderr == ""


def test_config_into_head_ends_quietly_with_141(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    files = "".join(
        f'[[version-file]]\npath = "include/{WIDE}-{n}.h"\npatterns = ["#define VERSION \\"{{version}}\\""]\n'
        for n in range(1000)
    )
    (repo.path / "release-train.toml").write_text(files)
    assert int(run(tmp_path, f"rt config -C {repo.path} | wc -c").stdout) > 128 * 1024

    done = run(tmp_path, f"rt config -C {repo.path} | head -1; exit ${{PIPESTATUS[0]}}")

    assert done.stdout == f"# configuration: {repo.path / 'release-train.toml'}\n"
    assert_clear_error(tmp_path, done, 141, "")
    assert done.stderr == ""


# --- a GitHub API that answers with a web page -----------------------------------------------
class _WebPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_page() -> Iterator[str]:
    """A tiny HTTP server that answers 200 with an HTML page to everything (what a wrong
    api-url, a proxy or a captive portal gives)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_non_json_200_from_github_is_a_forge_error_naming_the_url(tmp_path: Path, web_page: str) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo.path / "release-train.toml").write_text(
        f'[project]\nrepository = "octo/train"\n[forge]\nkind = "github"\napi-url = "{web_page}"\n'
    )
    done = run(tmp_path, f"rt releases -C {repo.path}", GITHUB_TOKEN="ghp_not-a-real-token-0123456789")
    assert_clear_error(
        tmp_path,
        done,
        ForgeError.exit_code,
        f"error: GitHub answered 200 to GET {web_page}/repos/octo/train/releases/latest with text/html, "
        "not JSON: '<!DOCTYPE html><html><head><title>Sign in</title>",
    )
    assert "hint: check [forge] api-url: it must be the REST API" in done.stderr
    assert "ghp_not-a-real-token" not in done.stderr


# --- a crash log holds no secret ---------------------------------------------------------------
CRASH = """
import sys
import release_train.cli.registry as command
from release_train.infra import proc

def crash(args):
    proc.run(["true"], secrets=["chokepoint-secret-value"])  # a secret the chokepoint was told
    raise RuntimeError(f"could not serve with {args.token} (env {sys.argv[1]}, chokepoint-secret-value)")

command.run = crash
from release_train.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(
    "form", [["--token", "SECRET-on-the-command-line"], ["--token=SECRET-on-the-command-line"]]
)
def test_a_crash_log_holds_no_secret(tmp_path: Path, form: list[str]) -> None:
    env_secret = "SECRET-in-the-environment-0123456789"
    argv = ["registry", "serve", "--dir", str(tmp_path / "registry"), *form]
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-c", CRASH, env_secret, *argv])
    done = run(tmp_path, command, CARGO_REGISTRY_TOKEN=env_secret)

    assert done.returncode == INTERNAL_ERROR_EXIT
    logs = crash_logs(tmp_path)
    assert [p.relative_to(tmp_path / "state").parent.as_posix() for p in logs] == [".", "release-train"]
    log = logs[1]
    assert f"details are in {log}." in done.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    text = log.read_text()
    assert "RuntimeError: could not serve with *** (env ***, ***)" in text
    assert "command: registry ['serve', '--dir'" in text
    assert "'--token', '***'" in text if form[0] == "--token" else "'--token=***'" in text
    for secret in ("SECRET-on-the-command-line", env_secret, "chokepoint-secret-value"):
        assert secret not in text
        assert secret not in done.stdout + done.stderr


def test_a_crash_log_goes_to_the_state_directory_under_home_by_default(tmp_path: Path) -> None:
    home = tmp_path / "home"
    command = " ".join(
        shlex.quote(a)
        for a in [sys.executable, "-c", CRASH, "x", "registry", "serve", "--dir", "r", "--token", "t"]
    )
    env = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"}
    done = proc.run(
        ["bash", "-c", f"unset XDG_STATE_HOME; {command}"], env={**env, "HOME": str(home)}, check=False
    )
    assert done.returncode == INTERNAL_ERROR_EXIT
    logs = list((home / ".local" / "state" / "release-train").glob("crash-*.log"))
    assert len(logs) == 1 and f"details are in {logs[0]}." in done.stderr


FORGE_CRASH = """
import os, sys
from release_train.forges import github

def crash(self):
    raise RuntimeError("the forge broke while holding " + os.environ["MY_GH_PAT"])

github.GitHubForge.list_releases = crash
from release_train.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_a_crash_log_masks_the_forge_token_whatever_its_variable_is_called(tmp_path: Path) -> None:
    """`[forge] token-env` may name any variable: the token is masked because the CLI read it."""
    repo = init_repo(tmp_path / "repo")
    (repo.path / "release-train.toml").write_text(
        '[project]\nrepository = "octo/train"\n'
        '[forge]\nkind = "github"\napi-url = "http://127.0.0.1:9"\ntoken-env = ["MY_GH_PAT"]\n'
    )
    token = "ghp_a-custom-variable-holds-it-0123456789"
    argv = [sys.executable, "-c", FORGE_CRASH, "releases", "-C", str(repo.path)]
    done = run(tmp_path, " ".join(shlex.quote(a) for a in argv), MY_GH_PAT=token)

    assert done.returncode == INTERNAL_ERROR_EXIT
    (log,) = (tmp_path / "state" / "release-train").glob("crash-*.log")
    text = log.read_text()
    assert "RuntimeError: the forge broke while holding ***" in text
    assert token not in text and token not in done.stderr
