"""`packages`, `verify` and `bump` on a Python workspace as a user runs them, and every refusal: a
message naming the file, the line and the fix, exit code 4, and no file changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.fixtures.python_workspace import build_pyrail

from release_train.cli import main
from release_train.flows.train.notes_files import new_file
from release_train.model.version import Version


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    data = path.read_bytes().decode()
    assert old in data, f"{old!r} not in {path}"
    path.write_bytes(data.replace(old, new, 1).encode())


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = build_pyrail(tmp_path / "ws")
    # verify also checks the notes file the train flows edit: the one `init` would write
    (root / "RELEASES.md").write_text(new_file("pyrail", Version.parse("1.4.2")))
    return root


def fails(work: Path, capsys: pytest.CaptureFixture[str], op: str = "major") -> str:
    before = snapshot(work)
    assert main(["bump", op, "-C", str(work)]) == 4
    assert snapshot(work) == before, "a failed bump changed files"
    return capsys.readouterr().err


def test_packages_lists_the_publish_order(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packages", "-C", str(work)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "train version 1.4.2; 6 of 8 packages are published"
    rows = [line.split() for line in lines[1:]]
    assert [r[1] for r in rows] == [
        "pyrail-proto",
        "pyrail-util",
        "pyrail-core",
        "pyrail-api",
        "pyrail-plugin-vcs",
        "pyrail-cli",
        "pyrail-bench",
        "pyrail-dev",
    ]
    assert rows[1] == ["2", "pyrail-util", "1.4.2", "internal", "published"]
    assert lines[4].endswith("(version in packages/api/src/pyrail_api/__about__.py)")
    assert lines[5].endswith("(version from the tag (hatch-vcs): not written by a bump)")
    assert rows[6] == ["-", "pyrail-bench", "0.3.0", "internal", "not", "published"]


def test_packages_json(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packages", "--json", "-C", str(work)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["train_version"] == "1.4.2"
    rows = {r["name"]: r for r in data["packages"]}
    assert rows["pyrail-cli"]["version_source"] == "packages/cli/src/pyrail_cli/__init__.py"
    assert rows["pyrail-plugin-vcs"]["version_source"] == "the tag (hatch-vcs)"
    assert "version_source" not in rows["pyrail-core"]
    assert rows["pyrail-core"]["directory"] == "packages/core"
    assert "pyrail-legacy" not in rows  # excluded from the uv workspace


def test_verify_passes(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "all checks passed" in out
    assert "ok    bump major would succeed (requirement values and styles)" in out


def test_verify_names_a_stale_pin(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "core" / "pyproject.toml"
    edit(manifest, "'pyrail_util == 1.4.2'", "'pyrail_util == 1.4.1'")
    assert main(["verify", "-C", str(work)]) == 4
    out = capsys.readouterr().out
    assert f"{manifest.relative_to(work)}:" in out  # paths relative to the repository
    assert "pyrail-core lists pyrail-util 'pyrail_util == 1.4.1' but pyrail-util is at 1.4.2" in out
    assert "verify failed" in out


def test_stale_pin(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "core" / "pyproject.toml"
    edit(manifest, "'pyrail_util == 1.4.2'", "'pyrail_util == 1.4.1'")
    err = fails(work, capsys)
    assert (
        f"{manifest}:11: pyrail-core lists pyrail-util 'pyrail_util == 1.4.1' but pyrail-util is at 1.4.2"
        in err
    )
    assert 'set it to "pyrail_util==1.4.2" in [project] dependencies' in err


def test_public_package_pinned(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "api" / "pyproject.toml"
    edit(manifest, "pyrail-core[fast] >= 1.4.2, < 2;", "pyrail-core[fast]==1.4.2;")
    err = fails(work, capsys)
    assert f"{manifest}:10: pyrail-api pins public package pyrail-core with" in err
    assert 'write a compatible range in [project] dependencies: "pyrail-core[fast]>=1.4.2,<2"' in err


def test_internal_package_with_a_range(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "api" / "pyproject.toml"
    edit(manifest, '"pyrail-util==1.4.2"', '"pyrail-util>=1.4"')
    err = fails(work, capsys)
    assert (
        f"{manifest}:11: pyrail-api uses a range requirement 'pyrail-util>=1.4' on internal package pyrail-util"
        in err
    )
    assert (
        'pin it in [project] dependencies: "pyrail-util==1.4.2", or list pyrail-util in [[workspace]] public'
        in err
    )


def test_first_party_requirement_without_a_version(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "api" / "pyproject.toml"
    edit(manifest, '"pyrail-util==1.4.2"', '"pyrail-util"')
    err = fails(work, capsys, "patch")
    assert f"{manifest}:11: pyrail-api requires pyrail-util without a version ('pyrail-util')" in err
    assert 'write a pin in [project] dependencies: "pyrail-util==1.4.2"' in err


def test_a_range_the_bump_leaves_behind(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "plugins" / "vcs" / "pyproject.toml"
    edit(manifest, '"pyrail-core >=1.4.2,<2"', '"pyrail-core >=1.0,<1.9"')
    assert main(["bump", "patch", "--dry-run", "-C", str(work)]) == 0  # 1.4.3 is still admitted
    capsys.readouterr()
    err = fails(work, capsys)
    assert (
        f"{manifest}:11: pyrail-plugin-vcs lists pyrail-core 'pyrail-core >=1.0,<1.9', which pyrail-core 2.0.0 "
        "(after the bump) does not satisfy" in err
    )
    assert 'write "pyrail-core>=2.0.0,<3" in [project] dependencies, or a range that admits it' in err


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("1!1.4.2", "has an epoch (1!)"),
        ("1.4.2.post1", "is a post release (.post1)"),
        ("1.4.2+local", "has a local version (+local)"),
        ("1.4.2.1", "has 4 release numbers"),
        ("one", "is not a PEP 440 version"),
    ],
)
def test_versions_the_train_cannot_carry(
    work: Path, capsys: pytest.CaptureFixture[str], written: str, why: str
) -> None:
    manifest = work / "packages" / "proto" / "pyproject.toml"
    edit(manifest, 'version = "0.7.3"', f'version = "{written}"')
    err = fails(work, capsys)
    assert f"{manifest}:7: '{written}' {why}" in err
    assert "hint: write the version as MAJOR.MINOR.PATCH" in err


def test_a_version_file_without_the_assignment(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    about = work / "packages" / "api" / "src" / "pyrail_api" / "__about__.py"
    edit(about, "__version__ = '1.4.2'", "__version__ = get_version()")
    err = fails(work, capsys)
    assert f"{about}: no version assignment found (hatch reads the version from here)" in err
    assert '__version__ = "X.Y.Z"' in err


def test_a_dynamic_version_from_an_unknown_source(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "api" / "pyproject.toml"
    edit(manifest, 'path = "src/pyrail_api/__about__.py"', 'source = "code"\npath = "version.py"')
    err = fails(work, capsys)
    assert f"{manifest}:7: the version is dynamic, but not read from anything release-train knows" in err


def test_a_member_directory_without_pyproject(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "plugins" / "notes").mkdir()
    (work / "plugins" / "notes" / "README.md").write_text("notes\n")
    err = fails(work, capsys)
    assert (
        f"{work / 'pyproject.toml'}:9: workspace member {work / 'plugins' / 'notes'} has no pyproject.toml"
        in err
    )
    assert "list the directory under [tool.uv.workspace] exclude" in err


def test_a_requirement_that_is_not_pep508(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "api" / "pyproject.toml"
    edit(manifest, '"pyrail-util==1.4.2"', '"pyrail-util==1.4.2;;"')
    err = fails(work, capsys)
    assert (
        f"{manifest}:11: pyrail-api lists 'pyrail-util==1.4.2;;', which is not a PEP 508 requirement" in err
    )


def test_two_members_with_one_normalised_name(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work / "packages" / "bench" / "pyproject.toml", 'name = "pyrail-bench"', 'name = "Pyrail.Core"')
    err = fails(work, capsys)
    assert "two members are named 'pyrail-core' (PEP 503)" in err


def test_several_versions_and_no_version_from(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work / "release-train.toml", 'version-from = "Pyrail_Core"  # any spelling of the name\n', "")
    err = fails(work, capsys)
    assert "the published distributions have different versions (" in err
    assert "(1.4.2: pyrail-api, pyrail-cli, pyrail-core and 1 more; 0.7.3: pyrail-proto)" in err
    assert 'hint: set [project] version-from = "<package>"' in err


def test_version_from_a_tag_driven_member(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work / "release-train.toml", 'version-from = "Pyrail_Core"', 'version-from = "pyrail-plugin-vcs"')
    err = fails(work, capsys)
    assert "whose version is not written in a file (the tag (hatch-vcs))" in err


def test_the_publish_allow_list(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = work / "release-train.toml"
    config.write_text(config.read_text() + 'publish = ["pyrail-*", "pyrail-bench"]\n')
    err = fails(work, capsys)
    assert (
        f"{work / 'packages' / 'bench' / 'pyproject.toml'}:9: pyrail-bench is in the publish allow-list but marked private"
        in err
    )
    assert "pyrail-dev" not in err  # a glob matching a private package is no contradiction
    config.write_text(
        config.read_text().replace(
            '"pyrail-*", "pyrail-bench"', '"pyrail-core", "pyrail_util", "pyrail-prot"'
        )
    )
    err = fails(work, capsys)
    assert "[[workspace]] publish names 'pyrail-prot', which matches no package" in err
    config.write_text(config.read_text().replace('"pyrail-prot"', '"pyrail-proto"'))
    assert main(["packages", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "train version 1.4.2; 3 of 8 packages are published"


def test_rules_move_python_packages(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = work / "release-train.toml"
    config.write_text(
        config.read_text() + '\n[[workspace.rule]]\npackages = ["Pyrail_Proto"]\nmajor = "minor"\n'
    )
    assert main(["packages", "-C", str(work)]) == 0
    assert "(rule: minor)" in capsys.readouterr().out.splitlines()[1]
    assert main(["bump", "major", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"pyrail-proto \(rule: minor\)\s+0\.7\.3 -> 0\.8\.0", out)
    config.write_text(config.read_text().replace('major = "minor"', 'major = "none"'))
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert 'version = "0.8.0"' in (work / "packages" / "proto" / "pyproject.toml").read_text()
    config.write_text(config.read_text().replace('"Pyrail_Proto"', '"pyrail-plugin-vcs"'))
    err = fails(work, capsys)
    assert (
        "pyrail-plugin-vcs takes its version from the tag (hatch-vcs), so a rule cannot move it by 'none'"
        in err
    )


def test_escapes_before_the_version(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "packages" / "api" / "pyproject.toml"
    edit(manifest, '"pyrail-util==1.4.2"', '"\\u0070yrail-util==1.4.2"')
    err = fails(work, capsys)
    assert (
        f"{manifest}:11: pyrail-api writes the requirement on pyrail-util with escapes before its version"
        in err
    )
    assert "write it without escapes in [project] dependencies: 'pyrail-util==1.4.2'" in err


def test_a_version_file_linked_out_of_the_repository(
    work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("__version__ = '1.4.2'\n")
    about = work / "packages" / "api" / "src" / "pyrail_api" / "__about__.py"
    about.unlink()
    about.symlink_to(outside)
    err = fails(work, capsys)
    assert str(about) in err
    assert "release-train reads and writes only inside the repository" in err
    assert outside.read_text() == "__version__ = '1.4.2'\n"
