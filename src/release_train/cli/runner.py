"""Runs one command: builds its parser, calls it, and turns errors into exit codes.

Only here do `ReleaseTrainError`s become exit codes; an unexpected exception becomes a short
message, exit code 70 and a crash log holding the versions, the command line and the traceback,
with every secret masked (users are asked to attach it to reports), in the tool's own state
directory. A reader that goes away (`| head`) is no crash: cli.main() ends with 141.

Every command starts here, so the modules only the crash path needs (tempfile, traceback,
platform, select) are imported there: together they cost more start-up time than a whole `bump` of a
small workspace spends working (bench/bump.py).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

from release_train.errors import INTERNAL_ERROR_EXIT, ReleaseTrainError

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

    from release_train.cli.summary import Ending


def run_command(name: str, entry: tuple[str, str], argv: list[str]) -> int:
    module_name, summary = entry
    qualified = f"release_train.cli.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise  # the command exists but something it imports is missing: a real crash
        print(f"release-train: the {name!r} command is not available in this build", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(
        prog=f"release-train {name}",
        description=(module.__doc__ or summary).strip(),
        formatter_class=_HelpFormatter,
    )
    module.configure(parser)
    args = parser.parse_args(argv)
    args.command = name
    if name not in _NO_CLEANUP:
        _exit_cleanly_on_sigterm()
    if not hasattr(args, "summary"):  # only flow commands write a CI summary
        return _call(module, name, argv, args, None)
    from release_train.cli.summary import recording

    with recording(name, argv, args) as ending:
        return _call(module, name, argv, args, ending)


def _call(
    module: ModuleType, name: str, argv: list[str], args: argparse.Namespace, ending: Ending | None
) -> int:
    """Run the command; its errors become exit codes (and, when recorded, the summary's end)."""
    try:
        code: int = module.run(args)
    except ReleaseTrainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        _report_failures()
        code, failure, hint = exc.exit_code, exc.message, exc.hint or ""
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code, failure, hint = 130, "interrupted", "run the same command again: it does only what is missing"
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _reader_gone():
            raise  # `release-train ... | head`: cli.main() ends quietly with 141
        _report_crash(name, argv)
        code, failure, hint = INTERNAL_ERROR_EXIT, "release-train crashed unexpectedly", ""
    else:
        failure = hint = ""
        code = _report_failures() or code
    if ending is not None:
        ending.exit_code, ending.failure, ending.hint = code, failure, hint
    return code


def _report_failures() -> int:
    """What failed on the command's behalf (a reaction to its push) fails the command too: each
    failure with the command that resumes it; the exit code of the first (0 when none)."""
    common = sys.modules.get("release_train.cli.common")
    failures = common.take_failures() if common is not None else []
    for failure in failures:
        print(f"error: {failure.what} failed: {failure.error.message}", file=sys.stderr)
        if failure.error.hint:
            print(f"hint: {failure.error.hint}", file=sys.stderr)
        print(f"hint: resume with: {failure.resume}", file=sys.stderr)
    return failures[0].error.exit_code if failures else 0


# Commands that hold nothing to clean up (no temporary worktree, no lock) and whose start-up is
# measured (bench/bump.py): they skip importing `signal`.
_NO_CLEANUP = frozenset({"bump", "packages", "config"})


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI job cancelled, `kill`) becomes an exit that unwinds the stack, so temporary
    worktrees and locks are released as on Ctrl-C; only kill -9 skips that (the next run prunes)."""
    import signal
    from contextlib import suppress

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    with suppress(ValueError):  # not the main thread (a command run in-process by a test's thread)
        signal.signal(signal.SIGTERM, terminate)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse creates a formatter for every `add_argument` and, given no width, asks `shutil`
    for the terminal's; importing shutil (bz2, lzma) is a measurable part of `bump`'s start-up.
    The width computed here is the one `shutil.get_terminal_size()` gives."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2  # as argparse does
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):  # no stdout (None), closed, or not a terminal
            columns = 0
    return columns or 80


def _reader_gone() -> bool:
    """True when stdout is a pipe whose reader has closed it (a BrokenPipeError from anywhere
    else, a socket say, is a crash like any other)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, ValueError, OSError):  # no poll(), no stdout, or a closed one
        return True


SECRET_NAMES = ("token", "password", "secret")  # an option or variable named so holds a secret


def _report_crash(name: str, argv: list[str]) -> None:
    """Write what happened to a crash log with every secret masked, and say where it is."""
    import os

    from release_train.infra.proc import mask

    shown, secrets = _mask_argv(argv)
    secrets += [
        value
        for key, value in os.environ.items()
        if any(s in key.lower() for s in SECRET_NAMES) and len(value.strip()) >= 8  # shorter: a flag
    ]
    text = mask(_crash_report(name, shown), secrets)
    try:
        log = _crash_log(text)
    except (OSError, RuntimeError) as exc:  # no writable state directory (or no home): show it here
        print(text, file=sys.stderr)
        print(f"release-train crashed unexpectedly and could not write a crash log ({exc}).", file=sys.stderr)
        print("Please report it with the text above.", file=sys.stderr)
        return
    print(
        f"release-train crashed unexpectedly; details are in {log}.\n"
        "Please report it with that file attached.",
        file=sys.stderr,
    )


def _crash_report(name: str, argv: list[str]) -> str:
    import platform
    import traceback

    from release_train import __version__

    return (
        f"release-train {__version__}\npython {platform.python_version()} on {platform.platform()}\n"
        f"command: {name} {argv}\n\n{traceback.format_exc()}"
    )


def _mask_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """`argv` with the value of every option named like a secret (`--token X`, `--token=X`,
    `--registry-password X`) shown as ***, and those values."""
    shown: list[str] = []
    secrets: list[str] = []
    for n, word in enumerate(argv):
        option, eq, value = word.partition("=")
        if eq and _is_secret_option(option):
            shown.append(f"{option}=***")
            secrets.append(value)
        elif n > 0 and "=" not in argv[n - 1] and _is_secret_option(argv[n - 1]):
            shown.append("***")
            secrets.append(word)
        else:
            shown.append(word)
    return shown, secrets


def _is_secret_option(word: str) -> bool:
    return word.startswith("-") and any(s in word.lower() for s in SECRET_NAMES)


def _crash_log(text: str) -> Path:
    """Write `text` to a new crash log, mode 0600, in the tool's own state directory:
    $XDG_STATE_HOME/release-train/ or ~/.local/state/release-train/."""
    import os
    import tempfile
    from pathlib import Path

    state = Path(os.environ.get("XDG_STATE_HOME", ""))
    base = state if state.is_absolute() else Path.home() / ".local" / "state"  # as XDG says
    directory = base / "release-train"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="crash-", suffix=".log", dir=directory)  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(path)
