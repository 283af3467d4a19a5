"""Every command in the table exists and explains itself; the top-level help needs no imports."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from release_train.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_module_with_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    module, summary = COMMANDS[name]
    assert importlib.util.find_spec(f"release_train.cli.{module}") is not None, f"{name}: no module"
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"release-train {name}" in out
    assert summary


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"  {name} " in out


def test_unknown_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["relase-patch"]) == 2
    assert "Did you mean 'release-patch'?" in capsys.readouterr().err


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from release_train.cli import main; main(['--help']); "
        "heavy = [m for m in ('argparse', 'rich', 'httpx', 'sqlite3', 'tree_sitter', 'tomllib') if m in sys.modules]; "
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_a_reader_that_goes_away_is_not_a_crash() -> None:
    # `release-train --help | head -1`: the pipe is closed before the help is written (the child
    # waits a second first, so the order holds on a loaded machine too)
    code = (
        "import time; time.sleep(1); from release_train.cli import main; raise SystemExit(main(['--help']))"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    stderr = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=30) == 141
    assert "Traceback" not in stderr
