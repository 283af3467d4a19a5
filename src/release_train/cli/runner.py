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
        code, failure, hint = exc.exit_code, exc.message, exc.hint or ""
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code, failure, hint = 130, "interrupted", "run the same command again: it does only what is missing"
    except Exception:
        log = _crash_log(name, argv)
        print(
            f"release-train crashed unexpectedly; details are in {log}.\n"
            "Please report it with that file attached.",
            file=sys.stderr,
        )
        code, failure, hint = INTERNAL_ERROR_EXIT, "release-train crashed unexpectedly", ""
    else:
        failure = hint = ""
    if ending is not None:
        ending.exit_code, ending.failure, ending.hint = code, failure, hint
    return code


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
