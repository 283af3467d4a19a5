"""Settings: SPEC section 5 keys, unknown keys with "did you mean", --set overrides,
`[tool.release-train]` in pyproject.toml, and `release-train config --json` sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from release_train.cli import main
from release_train.config import Pacing, load_settings
from release_train.errors import ConfigError

FULL = """
[project]
name = "Wasmtime"
repository = "bytecodealliance/wasmtime"
version-from = "wasmtime-cli"

[branches]
main = "main"
release = "release-{version}"
bot-prefix = "ci/"

[release]
marker = "[automatically-tag-and-release-this-commit]"
tag = "v{version}"
notes = "RELEASES.md"
rc = false

[schedule]
cut = "0 0 5 * *"
release = "0 0 20 * *"

[[workspace]]
kind = "cargo"
path = "."
public = ["wasmtime", "wasmtime-cli", "cranelift-*"]
publish = []

[forge]
kind = "local"
path = "../origin.git"
require-checks = false

[publish]
registry = "crates-io"
index = "sparse+https://index.crates.io/"
token-env = "CARGO_REGISTRY_TOKEN"
assets = ["dist/*"]
new-crate = { burst = 5, every = 600 }
new-version = { burst = 30, every = 60 }
index-timeout = 600

[[version-file]]
path = "crates/c-api/include/wasmtime.h"
patterns = [
  '#define WASMTIME_VERSION "{version}"',
  '#define WASMTIME_VERSION_MAJOR {major}',
]
"""


def repo(tmp_path: Path, text: str, name: str = "release-train.toml") -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text(text)
    return tmp_path


def test_every_spec_key_is_read(tmp_path: Path) -> None:
    s = load_settings(repo(tmp_path, FULL))
    assert s.project.name == "Wasmtime"
    assert s.project.version_from == "wasmtime-cli"
    assert s.branches.bot_prefix == "ci/"
    assert s.release.marker == "[automatically-tag-and-release-this-commit]"
    assert s.schedule.cut == "0 0 5 * *"
    assert s.workspaces[0].public == ["wasmtime", "wasmtime-cli", "cranelift-*"]
    assert s.workspaces[0].publish == []
    assert s.forge.path == "../origin.git"
    assert s.publish.new_crate == Pacing(5, 600.0)
    assert s.publish.new_version == Pacing(30, 60.0)
    assert s.publish.index_timeout == 600.0
    assert s.version_files[0].path == "crates/c-api/include/wasmtime.h"
    assert len(s.version_files[0].patterns) == 2
    assert s.sources["project.name"] == "release-train.toml"
    assert s.sources["branches.main"] == "release-train.toml"


def test_defaults_without_a_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    s = load_settings(tmp_path)
    assert s.config_file is None
    assert s.release.tag == "v{version}"
    assert s.workspaces[0].kind == "cargo"
    assert s.workspaces[0].publish is None
    assert s.sources["release.tag"] == "default"


@pytest.mark.parametrize(
    ("text", "unknown", "suggestion"),
    [
        ('[project]\nversion-frm = "x"\n', "[project] 'version-frm'", "did you mean 'version-from'?"),
        ("[relase]\nrc = true\n", "'relase'", "did you mean 'release'?"),
        ('[[workspace]]\npubic = ["a"]\n', "[workspace[0]] 'pubic'", "did you mean 'public'?"),
        ("[forge]\nrequire_checks = true\n", "[forge] 'require_checks'", "did you mean 'require-checks'?"),
    ],
)
def test_unknown_keys_say_what_was_meant(tmp_path: Path, text: str, unknown: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(repo(tmp_path, text))
    assert f"unknown key {unknown}" in info.value.message
    assert info.value.hint == suggestion
    assert info.value.exit_code == 3


def test_wrong_types_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"release\.rc must be true or false"):
        load_settings(repo(tmp_path, '[release]\nrc = "yes"\n'))


def test_malformed_config_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"malformed TOML: .*line 2"):
        load_settings(repo(tmp_path, "[project]\nname = \n"))


def test_set_overrides_the_file_and_is_recorded(tmp_path: Path) -> None:
    s = load_settings(
        repo(tmp_path, FULL), ["release.rc=true", "forge.path=../other.git", 'project.name="Other"']
    )
    assert s.release.rc is True
    assert s.forge.path == "../other.git"
    assert s.project.name == "Other"
    assert s.sources["release.rc"] == "flag --set"
    assert s.sources["project.repository"] == "release-train.toml"


def test_set_rejects_unknown_sections_and_keys(tmp_path: Path) -> None:
    root = repo(tmp_path, FULL)
    with pytest.raises(ConfigError, match=r"expected SECTION\.KEY=VALUE"):
        load_settings(root, ["nonsense=1"])
    with pytest.raises(ConfigError) as info:
        load_settings(root, ["release.rcc=true"])
    assert info.value.message == "--set release.rcc: unknown key 'rcc' in [release] (did you mean 'rc'?)"


@pytest.mark.parametrize("config", [FULL, None])
@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("releese.marker=x", "--set releese.marker: unknown section 'releese' (did you mean 'release'?)"),
        ("release.markr=x", "--set release.markr: unknown key 'markr' in [release] (did you mean 'marker'?)"),
        ("release.rc=maybe", "--set release.rc must be true or false, not 'maybe'"),
        (
            "workspace.path=x",
            "--set workspace.path: [[workspace]] is a list of tables, which --set cannot change",
        ),
    ],
)
def test_a_set_typo_is_blamed_on_the_flag_not_the_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str | None, flag: str, message: str
) -> None:
    root = repo(tmp_path, config) if config else tmp_path
    (root / ".git").mkdir(exist_ok=True)  # with or without a configuration file
    assert main(["config", "-C", str(root), "--set", flag]) == 3
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"error: {message}"
    assert str(root / "release-train.toml") not in err  # the old message blamed this file


def test_tool_table_in_pyproject(tmp_path: Path) -> None:
    text = '[project]\nname = "pkg"\n\n[tool.release-train.project]\nname = "Railcar"\n\n[tool.release-train.release]\nrc = true\n'
    s = load_settings(repo(tmp_path, text, "pyproject.toml"))
    assert s.config_file == tmp_path / "pyproject.toml"
    assert s.project.name == "Railcar"
    assert s.release.rc is True
    assert s.sources["release.rc"] == "pyproject.toml"


def test_config_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    root = repo(tmp_path, FULL)
    sub = root / "crates" / "deep"
    sub.mkdir(parents=True)
    assert load_settings(sub).root == root


def test_config_command_json_lists_values_and_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, FULL)
    assert main(["config", "--json", "-C", str(root), "--set", "release.rc=true"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {row["key"]: row for row in data["settings"]}
    assert rows["project.name"] == {
        "key": "project.name",
        "value": "Wasmtime",
        "source": "release-train.toml",
    }
    assert rows["release.rc"]["value"] is True
    assert rows["release.rc"]["source"] == "flag --set"
    assert rows["support.lts-every"]["source"] == "default"
    assert rows["workspace[0].public"]["value"] == ["wasmtime", "wasmtime-cli", "cranelift-*"]
    assert data["config_file"] == str(root / "release-train.toml")


def test_config_command_reports_unknown_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(tmp_path, '[schedule]\ncutt = "0 0 5 * *"\n')
    assert main(["config", "-C", str(root)]) == 3
    err = capsys.readouterr().err
    assert "unknown key [schedule] 'cutt'" in err
    assert "hint: did you mean 'cut'?" in err


RULES = """
[[workspace]]
public = ["*"]

[[workspace.rule]]
packages = ["wasm-tools", "wat"]
major = "minor"

[[workspace.rule]]
packages = ["frozen-*"]
major = "none"
"""


def test_workspace_rules_are_read_with_their_sources(tmp_path: Path) -> None:
    settings = load_settings(repo(tmp_path, RULES))
    (ws,) = settings.workspaces
    assert [(r.packages, r.major) for r in ws.rule] == [
        (["wasm-tools", "wat"], "minor"),
        (["frozen-*"], "none"),
    ]
    assert settings.sources["workspace[0].rule[1].major"] == "release-train.toml"
    (tmp_path / "none").mkdir()
    assert load_settings(repo(tmp_path / "none", "[[workspace]]\n")).workspaces[0].rule == ()


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ('[[workspace]]\n[[workspace.rule]]\npackages = ["a"]\nmajr = "minor"\n', "unknown key [workspace[0].rule[0]] 'majr'", "did you mean 'major'?"),
        ('[[workspace]]\n[[workspace.rule]]\npackages = ["a"]\nmajor = "minr"\n', "workspace[0].rule[0].major must be one of major, minor, patch, none, not 'minr'", "did you mean 'minor'?"),
        ('[[workspace]]\n[[workspace.rule]]\nmajor = "minor"\n', "[workspace[0].rule[0]] names no packages", 'add packages = ["name", "glob-*"]'),
        ("[[workspace]]\nrule = 3\n", "workspace[0].rule must be an array of tables, written [[workspace.rule]]", "[[workspace.rule]]"),
    ],
)  # fmt: skip
def test_bad_rules_say_what_to_write(tmp_path: Path, text: str, message: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(repo(tmp_path, text))
    assert message in caught.value.message
    assert caught.value.hint is not None and hint in caught.value.hint


def test_config_command_shows_each_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "-C", str(repo(tmp_path, RULES))]) == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "workspace[0].rule[0].packages = ['wasm-tools', 'wat'] # release-train.toml" in lines
    assert "workspace[0].rule[1].major = 'none' # release-train.toml" in lines


def test_a_pacing_table_with_a_non_number_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"publish\.new-crate must be a table \{ burst = N, every = SECONDS \}"
    ):
        load_settings(repo(tmp_path, '[publish]\nnew-crate = { burst = "five", every = 600 }\n'))
