"""Long work shows progress on a terminal and stays quiet otherwise: `verify` draws a bar that
moves with its checks when stderr is a terminal (a pseudo-terminal here), and prints nothing of
it when stderr is a pipe (CI logs, `2>file`)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.fixtures.train import DEMO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_verify(stderr_on_a_terminal: bool) -> tuple[int, str, str]:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("CI", None)  # rich treats CI as "not interactive" whatever the terminal
    argv = [sys.executable, "-m", "release_train", "verify", "-C", str(DEMO)]
    if not stderr_on_a_terminal:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=120)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=follower, env=env)
        os.close(follower)
        assert process.stdout is not None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the terminal closed with the process (EIO)
                break
            if not chunk:
                break
            chunks.append(chunk)
        with process.stdout:
            out = process.stdout.read().decode()
        code = process.wait(timeout=120)
    finally:
        os.close(leader)
    return code, out, ANSI.sub("", b"".join(chunks).decode(errors="replace"))


def test_verify_draws_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    code, out, terminal = run_verify(stderr_on_a_terminal=True)
    assert code == 0, out + terminal
    assert "verifying" in terminal
    steps = re.findall(r"(\d+)/(\d+)", terminal)
    assert steps and steps[-1][0] == steps[-1][1] != "0"  # the bar reached the last of its steps
    assert "all checks passed" in out


def test_verify_is_quiet_off_a_terminal() -> None:
    code, out, err = run_verify(stderr_on_a_terminal=False)
    assert code == 0, out + err
    assert err == ""
    assert "all checks passed" in out
