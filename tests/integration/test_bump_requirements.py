"""The requirement rules of a bump, on small workspaces written out in each test.

A first-party requirement is rewritten when its member changes version, whatever either side's
`publish`. One naming an exact version (`1.2.3`, `=1.2.3`, `^1.2.3`, `~1.2.3`) must name the
member's version now and follows it, its operator kept. Any other (`*`, `>=1, <3`, `1.2`) stays
as written while the new version satisfies it, else an error naming file, line and fix. Styles
(caret for public, `=` for internal) are checked for publishable dependents only. Per-package
rules that do not fit the workspace are errors too. Every error: exit 4, nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from release_train.cli import main


def workspace(root: Path, members: dict[str, str], config: str = "", ws_version: str = "1.2.3") -> Path:
    """A workspace under `root`: each member `name` in `crates/name` with the given manifest
    body after its `[package]` name (version, publish, dependencies)."""
    (root / ".git").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        f'[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "{ws_version}"\n'
    )
    for name, body in members.items():
        (root / "crates" / name).mkdir(parents=True)
        (root / "crates" / name / "Cargo.toml").write_text(f'[package]\nname = "{name}"\n{body}')
    (root / "release-train.toml").write_text('[[workspace]]\npublic = ["a", "b"]\n' + config)
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def fails(work: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    before = snapshot(work)
    assert main(["bump", *(args or ("major",)), "-C", str(work)]) == 4
    assert snapshot(work) == before, "a failed bump changed files"
    return capsys.readouterr().err


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_exact_requirements_follow_with_their_operator(tmp_path: Path) -> None:
    work = workspace(
        tmp_path,
        {
            "a": "version.workspace = true\n",
            "b": "version.workspace = true\n",
            "user": (
                "version.workspace = true\npublish = false\n\n[dependencies]\n"
                'a = { path = "../a", version = "~1.2.3" }\n'
                'b = { path = "../b", version = "^1.2.3" }\n\n'
                "[dev-dependencies]\n"
                'a = { path = "../a", version = "= 1.2.3" }\n'
                'b = { path = "../b", version = " 1.2.3 " }\n'
            ),
        },
    )
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert (
        (work / "crates" / "user" / "Cargo.toml")
        .read_text()
        .endswith(
            "[dependencies]\n"
            'a = { path = "../a", version = "~2.0.0" }\n'
            'b = { path = "../b", version = "^2.0.0" }\n\n'
            "[dev-dependencies]\n"
            'a = { path = "../a", version = "= 2.0.0" }\n'
            'b = { path = "../b", version = " 2.0.0 " }\n'
        )
    )


def test_ranges_stay_as_written_while_they_admit_the_new_version(tmp_path: Path) -> None:
    user = (
        'version = "0.1.0"\npublish = false\n\n[dependencies]\n'
        'a = { path = "../a", version = "*" }\n'
        'b = { path = "../b", version = ">=1, <3" }\n'
    )
    work = workspace(
        tmp_path, {"a": "version.workspace = true\n", "b": "version.workspace = true\n", "user": user}
    )
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert (work / "crates" / "user" / "Cargo.toml").read_text() == f'[package]\nname = "user"\n{user}'
    assert 'version = "2.0.0"' in (work / "Cargo.toml").read_text()


def test_a_range_the_new_version_leaves_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = workspace(
        tmp_path,
        {
            "a": "version.workspace = true\n",
            "user": 'version = "0.1.0"\npublish = false\n\n[dependencies]\na = { path = "../a", version = ">=1, <2" }\n',
        },
    )
    manifest = work / "crates" / "user" / "Cargo.toml"
    err = fails(work, capsys)
    assert (
        f"{manifest}:{line_of(manifest, '>=1')}: user lists a '>=1, <2', which a 2.0.0 (after the bump) does not satisfy "
        '(fix: write "2.0.0" or a range that admits it in [dependencies] a, or drop `version` (a path '
        "dependency of a package that is never published needs none))"
    ) in err


def test_star_does_not_admit_a_dev_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As cargo: `*` takes no pre-release, so an rc train's `-dev` versions break it (Wasmtime
    dropped its `version = "*"` lines when it moved to -dev versions)."""
    work = workspace(
        tmp_path,
        {
            "a": "version.workspace = true\n",
            "islec": 'version = "0.0.0"\npublish = false\n\n[dependencies]\na = { version = "*", path = "../a" }\n',
        },
        config="[release]\nrc = true\n",
    )
    err = fails(work, capsys)
    assert "islec lists a '*', which a 2.0.0-dev (after the bump) does not satisfy" in err
    assert "or drop `version`" in err


def test_a_stale_exact_requirement_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = workspace(
        tmp_path,
        {
            "a": "version.workspace = true\n",
            "user": 'version = "0.1.0"\npublish = false\n\n[dependencies]\na = { path = "../a", version = "^1.2.2" }\n',
        },
    )
    err = fails(work, capsys)
    manifest = work / "crates" / "user" / "Cargo.toml"
    assert f"{manifest}:{line_of(manifest, '^1.2.2')}: user lists a ^1.2.2 but a is at 1.2.3" in err
    assert 'set the requirement to "^1.2.3" in [dependencies] a' in err


def test_what_is_not_a_requirement_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = workspace(
        tmp_path,
        {
            "a": "version.workspace = true\n",
            "b": 'version = "0.1.0"\n\n[dependencies]\na = { path = "../a", version = "1.2.3.4" }\n',
        },
    )
    err = fails(work, capsys)
    assert "b lists a '1.2.3.4', which is not a Cargo version requirement" in err
    assert 'write a requirement such as "2.0.0"' in err


def test_escapes_in_a_requirement_are_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = workspace(
        tmp_path,
        {
            "a": "version.workspace = true\n",
            "b": 'version = "0.1.0"\n\n[dependencies]\na = { path = "../a", version = "\\u0031.2.3" }\n',
        },
    )
    err = fails(work, capsys)
    assert "b writes the requirement on a with escapes" in err


def test_unpublished_members_with_their_own_version_keep_it(tmp_path: Path) -> None:
    """Wasmtime's history never moved them (test-programs stayed at 0.19.0 through 4.0.0);
    requirements on them stay too, an older compatible one included."""
    helper = 'version = "0.3.5"\npublish = false\n'
    user = (
        'version = "0.1.0"\npublish = false\n\n[dependencies]\n'
        'helper = { path = "../helper", version = "=0.3.5" }\n'
        'helper2 = { path = "../helper", version = "0.3.0", package = "helper" }\n'
    )
    work = workspace(tmp_path, {"a": "version.workspace = true\n", "helper": helper, "user": user})
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert (work / "crates" / "helper" / "Cargo.toml").read_text().endswith(helper)
    assert (work / "crates" / "user" / "Cargo.toml").read_text().endswith(user)


def test_styles_are_checked_for_publishable_dependents_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    internal = 'version = "0.1.0"\n'
    unpublished = (
        'version = "0.1.0"\npublish = false\n\n[dependencies]\n'
        'internal = { path = "../internal", version = "0.1.0" }\n'
        'a = { path = "../a", version = "=1.2.3" }\n'
    )
    work = workspace(
        tmp_path, {"a": "version.workspace = true\n", "internal": internal, "unpublished": unpublished}
    )
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert (
        'internal = { path = "../internal", version = "0.2.0" }'
        in (work / "crates" / "unpublished" / "Cargo.toml").read_text()
    )
    b = work / "crates" / "b"
    b.mkdir()
    (b / "Cargo.toml").write_text(
        '[package]\nname = "b"\nversion = "0.1.0"\n\n[dependencies]\n'
        'internal = { path = "../internal", version = ">=0.2, <0.3" }\n'
    )
    err = fails(work, capsys)
    assert (
        f"{b / 'Cargo.toml'}:6: b uses a range requirement '>=0.2, <0.3' on internal package internal" in err
    )
    assert 'pin it: "=0.2.0"' in err


def test_a_rule_name_that_matches_nothing_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = workspace(
        tmp_path,
        {"a": 'version = "1.0.0"\n'},
        config='\n[[workspace.rule]]\npackages = ["a", "wta"]\nmajor = "minor"\n',
    )
    err = fails(work, capsys)
    config = work / "release-train.toml"
    assert (
        f"{config}:{line_of(config, 'wta')}: [[workspace.rule]] 1 names 'wta', which matches no package"
        in err
    )
    assert "fix the name (`release-train packages` lists them) or remove it from packages" in err


def test_a_package_two_rules_move_differently_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = workspace(
        tmp_path,
        {"a": 'version = "1.0.0"\n'},
        config=(
            '\n[[workspace.rule]]\npackages = ["a"]\nmajor = "minor"\n'
            '\n[[workspace.rule]]\npackages = ["*"]\nmajor = "none"\n'
        ),
    )
    err = fails(work, capsys)
    assert (
        "a is in [[workspace.rule]] 1 (major = 'minor') and in [[workspace.rule]] 2 (major = 'none')" in err
    )


def test_a_rule_cannot_move_an_inheriting_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = workspace(
        tmp_path,
        {"a": "version.workspace = true\n", "b": 'version = "1.0.0"\n'},
        config='\n[[workspace.rule]]\npackages = ["a", "b"]\nmajor = "patch"\n',
    )
    err = fails(work, capsys)
    manifest = work / "crates" / "a" / "Cargo.toml"
    assert f"{manifest}: a inherits the workspace version, so a rule cannot move it by 'patch'" in err
    assert 'give a a version of its own (version = "1.2.3" under [package]) or take it out of the rule' in err


def test_rule_none_keeps_the_package_and_its_requirements(tmp_path: Path) -> None:
    work = workspace(
        tmp_path,
        {
            "a": 'version = "1.0.0"\n',
            "b": 'version = "3.1.0"\n\n[dependencies]\na = { path = "../a", version = "1.0.0" }\n',
        },
        config='\n[[workspace.rule]]\npackages = ["a"]\nmajor = "none"\n',
    )
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert (work / "crates" / "a" / "Cargo.toml").read_text().endswith('version = "1.0.0"\n')
    assert (
        (work / "crates" / "b" / "Cargo.toml")
        .read_text()
        .startswith(
            '[package]\nname = "b"\nversion = "4.0.0"\n\n[dependencies]\na = { path = "../a", version = "1.0.0" }'
        )
    )
