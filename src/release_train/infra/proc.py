"""The one subprocess chokepoint. Nothing else imports `subprocess`.

Every command is logged at debug level (`_debug`), its output captured, and a
failure raises `ProcessError` showing the command, the exit code and the output. Secrets a caller
names are masked there, and remembered: `mask` hides them in anything else written later (the
crash log), so one filter decides what a secret is. `run_bytes` is `run` for binary input and
output; `Pipe` is a long-lived child spoken to over its stdin and stdout (`git cat-file
--batch-command`), for many small questions without a process each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from release_train.errors import ProcessError
from release_train.values import dataclass

_SECRETS: set[str] = set()  # every secret a caller named, for `mask`


def _debug(message: str, *args: object) -> None:
    """Log each command at debug level, for whoever configured logging (a test, a program that
    embeds the tool). Nobody did unless `logging` is loaded, and then a record would go nowhere:
    the CLI does not import it for this (about 10 ms of start-up with what it pulls in)."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger("release_train.proc").debug(message, *args)


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
    remember_secrets(*secrets)
    shown = mask(" ".join(argv), secrets)
    _debug("run: %s (cwd=%s)", shown, cwd)
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


def run_bytes(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes = b"",
) -> bytes:
    """Run a command with binary input; its binary output. A failure raises `ProcessError`."""
    argv = tuple(os.fspath(a) for a in args)
    _debug("run: %s (cwd=%s)", mask(" ".join(argv)), cwd)
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=clean_env(env), input=input, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise ProcessError(f"cannot run {argv[0]!r}: not found on PATH", hint=f"install {argv[0]}") from exc
    if proc.returncode != 0:
        done = Completed(argv, proc.returncode, "", proc.stderr.decode(errors="replace"))
        raise failure(done)
    return proc.stdout


class Pipe:
    """A child that answers on its stdout what it is asked on its stdin, for as long as it is
    open. It dies with us: a kill of our process group kills it, and our exit closes its stdin."""

    def __init__(self, args: Sequence[str], *, cwd: Path | None = None) -> None:
        self.args = tuple(args)
        _debug("open: %s (cwd=%s)", " ".join(self.args), cwd)
        try:
            self._proc = subprocess.Popen(
                self.args,
                cwd=cwd,
                env=clean_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise ProcessError(f"cannot run {self.args[0]!r}: not found on PATH") from exc
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in, self._out = self._proc.stdin, self._proc.stdout

    def ask(self, question: bytes) -> None:
        try:
            self._in.write(question)
            self._in.flush()
        except BrokenPipeError:
            raise self._died() from None

    def readline(self) -> bytes:
        line = self._out.readline()
        if not line.endswith(b"\n"):
            raise self._died()
        return line

    def read(self, size: int) -> bytes:
        data = self._out.read(size)
        if len(data) != size:
            raise self._died()
        return data

    def close(self) -> None:
        if self._proc.poll() is None:
            self._in.close()
            self._proc.wait()
        self._out.close()
        if self._proc.stderr is not None:
            self._proc.stderr.close()

    def _died(self) -> ProcessError:
        self._in.close()
        code = self._proc.wait()
        stderr = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
        return failure(Completed(self.args, code, "", stderr or "(the process ended without a word)"))


def failure(done: Completed, secrets: Sequence[str] = ()) -> ProcessError:
    """The error a failed command raises: the command, its exit code and its output."""
    output = mask((done.stderr or done.stdout).strip(), secrets)
    return ProcessError(
        f"command failed (exit {done.returncode}): {mask(' '.join(done.args), secrets)}\n{output}"
    )


def remember_secrets(*secrets: str) -> None:
    """Name secrets to the filter without running anything (the CLI, as it reads a token).
    Values under 8 characters are no real tokens, and hiding them everywhere would garble every
    later message; they are masked only where they are given."""
    _SECRETS.update(secret for secret in secrets if len(secret) >= 8)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each secret shown as ***: those given, and every one named to `run` so far
    (longest first, so a secret that holds another is hidden whole)."""
    for secret in sorted(_SECRETS.union(s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
