"""The configuration reference lives in the project: generated from config.py's declarations,
printed by `release-train config --reference`, kept equal to the README's section, and its
example loads. No `--help` points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from release_train.cli import COMMANDS, main
from release_train.config import ARRAYS, TABLES, load_settings
from release_train.config_reference import example_file, reference
from release_train.values import specs_of

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- CONFIG_REFERENCE_START -->", "<!-- CONFIG_REFERENCE_END -->"


def test_every_key_is_in_the_reference_with_its_default() -> None:
    text = reference()
    for name, cls in {**TABLES, **ARRAYS}.items():
        assert f"### `[{name}]`" in text or f"### `[[{name}]]`" in text
        for spec in specs_of(cls):
            assert f"| `{spec.name.replace('_', '-')}` |" in text, f"{name}.{spec.name} is not documented"


def test_the_example_loads_and_sets_every_key(tmp_path: Path) -> None:
    (tmp_path / "release-train.toml").write_text(example_file())
    settings = load_settings(tmp_path)
    from_file = {key for key, source in settings.sources.items() if source == "release-train.toml"}
    for name, cls in TABLES.items():
        for spec in specs_of(cls):
            assert f"{name}.{spec.name.replace('_', '-')}" in from_file
    assert settings.project.name == "Wasmtime"
    assert settings.workspaces[0].public == ["wasmtime", "wasmtime-cli", "cranelift-*"]


def test_readme_section_is_the_generated_reference() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README.md lacks the {START} ... {END} block"
    block = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert block == reference(), (
        "README.md's configuration reference is out of date: replace the block between the markers "
        "with the output of `./dev rt config --reference`"
    )


def test_config_reference_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--reference"]) == 0
    assert capsys.readouterr().out == reference()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_stands_on_its_own(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert not re.search(r"\bSPEC\b|DESIGN\.md|STYLE\.md|\.\./shared|section \d", text), text
