"""Runs one command: builds its parser, calls it, and turns errors into exit codes.

Only here do `ReleaseTrainError`s become exit codes; an unexpected exception becomes a short
message, exit code 70 and a crash log holding the versions and the traceback.

Every command starts here, so the modules only the crash path needs (tempfile, traceback,
platform) are imported there: together they cost more start-up time than a whole `bump` of a
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
    try:
        code: int = module.run(args)
    except ReleaseTrainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        _report_failures()
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        log = _crash_log(name, argv)
        print(
            f"release-train crashed unexpectedly; details are in {log}.\n"
            "Please report it with that file attached.",
            file=sys.stderr,
        )
        return INTERNAL_ERROR_EXIT
    return _report_failures() or code


def _report_failures() -> int:
    """What failed on the command's behalf (a reaction to its push) fails the command too: each
    failure with the command that resumes it; the exit code of the first (0 when none)."""
    common = sys.modules.get("release_train.cli.common")
    failures = common.take_failures() if common is not None else []
    for failure in failures:
        print(f"error: {failure.what} failed: {failure.error.message}", file=sys.stderr)
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


def _crash_log(name: str, argv: list[str]) -> Path:
    import os
    import platform
    import tempfile
    import traceback
    from pathlib import Path

    from release_train import __version__

    fd, path = tempfile.mkstemp(prefix="release-train-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(
            f"release-train {__version__}\npython {platform.python_version()} on {platform.platform()}\n"
        )
        fh.write(f"command: {name} {argv}\n\n")
        fh.write(traceback.format_exc())
    return Path(path)
