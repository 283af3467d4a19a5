"""The one subprocess chokepoint. Nothing else imports `subprocess`.

Every command is logged to the observer-independent debug log, its output captured, and a
failure raises `ProcessError` showing the command, the exit code and the output.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_train.errors import ProcessError

log = logging.getLogger("release_train.proc")


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child: inherited `GIT_*` variables are stripped so that a hook or a
    CI runner's `GIT_DIR` cannot redirect our git calls into another repository."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.setdefault("LC_ALL", "C")
    if extra:
        env.update(extra)
    return env


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
    timeout: float | None = None,
    secrets: Sequence[str] = (),
) -> Completed:
    """Run a command and capture its output. `secrets` are masked in logs and errors."""
    argv = tuple(os.fspath(a) for a in args)
    shown = _mask(" ".join(argv), secrets)
    log.debug("run: %s (cwd=%s)", shown, cwd)
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=clean_env(env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ProcessError(
            f"cannot run {argv[0]!r}: not found on PATH",
            hint=f"install {argv[0]} or put it on PATH",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ProcessError(f"{shown} timed out after {timeout} s") from exc
    done = Completed(argv, proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise failure(done, secrets)
    return done


def failure(done: Completed, secrets: Sequence[str] = ()) -> ProcessError:
    """The error a failed command raises: the command, its exit code and its output."""
    output = _mask((done.stderr or done.stdout).strip(), secrets)
    return ProcessError(
        f"command failed (exit {done.returncode}): {_mask(' '.join(done.args), secrets)}\n{output}"
    )


def _mask(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
