"""What the workspace model refuses, as cargo does or because a bump would write outside the
repository: each refusal names the path (file and line where there is one) and the fix, exits
non-zero, and writes nothing anywhere, outside files included (bytes and mtime checked)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available, isolated_cargo_env
from tests.fixtures.train import build_train

from release_train.cli import main

MEMBER = '[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'


def repo(root: Path, members: str = '"crates/*"', version: str = "1.0.0") -> Path:
    """A repository holding a workspace with one member `crates/a`."""
    (root / ".git").mkdir(parents=True)
    (root / "Cargo.toml").write_text(f"[workspace]\nmembers = [{members}]\n")
    (root / "crates" / "a" / "src").mkdir(parents=True)
    (root / "crates" / "a" / "src" / "lib.rs").write_text("")
    (root / "crates" / "a" / "Cargo.toml").write_text(MEMBER.format(name="a", version=version))
    (root / "release-train.toml").write_text('[project]\nversion-from = "a"\n')
    return root


def outside_crate(root: Path, name: str = "evil") -> Path:
    crate = root / name
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("")
    (crate / "Cargo.toml").write_text(MEMBER.format(name=name, version="1.0.0"))
    return crate


def state(*roots: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under the roots, links not followed."""
    found = {}
    for root in roots:
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory, name)
                if not path.is_symlink():
                    found[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def refused(work: Path, outside: Path, capsys: pytest.CaptureFixture[str], command: str = "bump") -> str:
    before = state(work, outside)
    args = ["bump", "major"] if command == "bump" else [command]
    assert main([*args, "-C", str(work)]) == 4
    assert state(work, outside) == before, "a refused command changed files"
    return capsys.readouterr().err


def test_a_member_directory_linked_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "repo")
    evil = outside_crate(tmp_path / "elsewhere")
    (work / "crates" / "evil").symlink_to(evil)
    err = refused(work, evil, capsys)
    assert f"{work / 'crates' / 'evil'} leads to {evil}, outside the repository {work}" in err
    assert "nothing was read or written" in err
    assert "hint: release-train reads and writes only inside the repository" in err


@pytest.mark.parametrize("form", ["explicit member", "linked parent", "path dependency", "manifest file"])
def test_every_way_a_link_leads_out_is_refused(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = outside_crate(tmp_path / "elsewhere")
    if form == "explicit member":
        work = repo(tmp_path / "repo", members='"crates/a", "vendor/evil"')
        (work / "vendor").mkdir()
        (work / "vendor" / "evil").symlink_to(evil)
    elif form == "linked parent":
        work = repo(tmp_path / "repo", members='"crates/a", "plugins/*"')
        (work / "plugins").symlink_to(evil.parent)
    elif form == "path dependency":
        work = repo(tmp_path / "repo", members='"crates/a"')
        (work / "vendor").mkdir()
        (work / "vendor" / "evil").symlink_to(evil)
        manifest = work / "crates" / "a" / "Cargo.toml"
        manifest.write_text(
            manifest.read_text()
            + '\n[dependencies]\nevil = { path = "../../vendor/evil", version = "1.0.0" }\n'
        )
    else:
        work = repo(tmp_path / "repo")
        (work / "crates" / "evil").mkdir()
        (work / "crates" / "evil" / "Cargo.toml").symlink_to(evil / "Cargo.toml")
    err = refused(work, evil, capsys)
    assert "outside the repository" in err
    assert str(evil.parent) in err  # the link (or its linked parent) and where it leads


def test_a_version_file_outside_the_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "a" / "b" / "repo")
    header = tmp_path / "a" / "x.h"
    header.write_text('#define X_VERSION "1.0.0"\n')
    (work / "release-train.toml").write_text(
        '[project]\nversion-from = "a"\n\n[[version-file]]\npath = "../../x.h"\n'
        "patterns = ['#define X_VERSION \"{version}\"']\n"
    )
    err = refused(work, header.parent, capsys)
    assert f"[[version-file]] path '../../x.h' resolves to {header}, outside the repository {work}" in err
    assert "name a file inside the repository in [[version-file]] path" in err
    # verify says so too
    assert main(["verify", "-C", str(work)]) == 4
    assert "outside the repository" in capsys.readouterr().out


def test_a_version_file_linked_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "repo")
    header = tmp_path / "elsewhere" / "x.h"
    header.parent.mkdir()
    header.write_text('#define X_VERSION "1.0.0"\n')
    (work / "include").mkdir()
    (work / "include" / "x.h").symlink_to(header)
    (work / "release-train.toml").write_text(
        '[project]\nversion-from = "a"\n\n[[version-file]]\npath = "include/x.h"\n'
        "patterns = ['#define X_VERSION \"{version}\"']\n"
    )
    err = refused(work, header.parent, capsys)
    assert f"resolves to {header}, outside the repository" in err


def test_a_lock_file_linked_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "repo")
    lock = tmp_path / "elsewhere" / "Cargo.lock"
    lock.parent.mkdir()
    lock.write_text('version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n')
    (work / "Cargo.lock").symlink_to(lock)
    err = refused(work, lock.parent, capsys)
    assert f"{work / 'Cargo.lock'} leads to {lock}, outside the repository" in err


def test_a_workspace_path_outside_the_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "repo")
    other = repo(tmp_path / "other")
    (work / "release-train.toml").write_text(
        '[project]\nversion-from = "a"\n\n[[workspace]]\npath = "../other"\n'
    )
    err = refused(work, other, capsys)
    assert f"[[workspace]] path {work / '../other'} resolves to {other}, outside the repository {work}" in err


def test_links_inside_the_repository_are_followed_and_kept(tmp_path: Path) -> None:
    """A member linked to another directory of the same repository is a member; the bump writes
    its manifest where the link points, and the link stays a link."""
    work = repo(tmp_path / "repo")
    shared = work / "shared" / "b"
    (shared / "src").mkdir(parents=True)
    (shared / "src" / "lib.rs").write_text("")
    (shared / "Cargo.toml").write_text(MEMBER.format(name="b", version="1.0.0"))
    (work / "crates" / "b").symlink_to(shared)
    (work / "crates" / "a" / "Cargo.toml").unlink()
    (work / "crates" / "a" / "Cargo.toml").symlink_to(work / "shared" / "a.toml")
    (work / "shared" / "a.toml").write_text(MEMBER.format(name="a", version="1.0.0"))
    assert main(["bump", "major", "-C", str(work)]) == 0
    assert 'version = "2.0.0"' in (shared / "Cargo.toml").read_text()
    assert 'version = "2.0.0"' in (work / "shared" / "a.toml").read_text()
    assert (work / "crates" / "b").is_symlink()
    assert (work / "crates" / "a" / "Cargo.toml").is_symlink()


def test_a_member_glob_that_matches_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "repo", members='\n  "crates/*",\n  "plugins/*",\n')
    (work / "plugins").mkdir()  # empty: cargo refuses it as well
    err = refused(work, work, capsys)
    assert (
        f"{work / 'Cargo.toml'}:4: [workspace] members 'plugins/*' matches no directory "
        "(cargo refuses the workspace: it reads the pattern as a directory name)"
    ) in err
    assert (
        "hint: remove 'plugins/*' from members, or add a package (a directory with a Cargo.toml) under plugins/"
        in err
    )
    assert main(["verify", "-C", str(work)]) == 4
    assert "'plugins/*' matches no directory" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("version", "message", "fix"),
    [
        (" 1.0.0", "' 1.0.0' is not a semantic version", 'write it without spaces: "1.0.0"'),
        (
            "18446744073709551616.0.0",
            "'18446744073709551616.0.0' is not a version cargo accepts: a number exceeds 18446744073709551615",
            "keep MAJOR, MINOR and PATCH at or below 18446744073709551615, as cargo does",
        ),
        (
            "1.0.\u0663",
            "'1.0.\u0663' is not a semantic version",
            'write the version as MAJOR.MINOR.PATCH, e.g. "1.0.0"',
        ),
    ],
)
def test_versions_cargo_semver_refuses(
    version: str, message: str, fix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Strict semver: cargo refuses a number past u64; a leading space cargo itself trims, but
    the semver grammar (and scripts reading versions strictly, Wasmtime's among them) does not."""
    work = repo(tmp_path / "repo", version=version)
    err = refused(work, work, capsys)
    assert f"{work / 'crates' / 'a' / 'Cargo.toml'}:3: {message}" in err
    assert f"hint: {fix}" in err


@pytest.mark.parametrize(("opening", "inner", "closing"), [("[", "", "]"), ("{a = ", "1", "}")])
def test_toml_nested_past_cargos_limit(
    opening: str, inner: str, closing: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = repo(tmp_path / "repo")
    manifest = work / "crates" / "a" / "Cargo.toml"
    manifest.write_text(
        manifest.read_text() + "\n[package.metadata]\nx = " + opening * 600 + inner + closing * 600 + "\n"
    )
    err = refused(work, work, capsys)
    assert f"{manifest}:7: malformed TOML: values nested more than 80 levels deep" in err
    assert "hint: flatten the nested arrays or inline tables" in err


def test_a_configuration_nested_too_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "repo")
    config = work / "release-train.toml"
    config.write_text('[project]\nname = "x"\nextra = ' + "[" * 600 + "]" * 600 + "\n")
    assert main(["config", "-C", str(work)]) == 3
    assert f"{config}: malformed TOML: values nested too deep to read" in capsys.readouterr().err


@pytest.mark.cargo
@pytest.mark.skipif(not cargo_available(), reason="cargo is not installed")
@pytest.mark.parametrize("case", ["glob matching nothing", "version past u64", "nested past 80"])
def test_cargo_refuses_them_too(case: str, tmp_path: Path) -> None:
    work = repo(tmp_path / "repo")
    if case == "glob matching nothing":
        (work / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*", "plugins/*"]\n')
    elif case == "version past u64":
        shutil.rmtree(work)
        work = repo(tmp_path / "repo", version="18446744073709551616.0.0")
    else:
        manifest = work / "crates" / "a" / "Cargo.toml"
        manifest.write_text(manifest.read_text() + "\n[package.metadata]\nx = " + "[" * 81 + "]" * 81 + "\n")
    done = subprocess.run(
        ["cargo", "metadata", "--no-deps", "--offline", "--format-version", "1"],
        cwd=work,
        env=isolated_cargo_env(tmp_path / "cargo-home"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0, done.stdout


def test_cut_refuses_a_committed_link_out_of_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The flows read a commit in a temporary worktree: a member committed as a link to a
    directory outside is refused there too (once a crash, exit 70), and nothing is pushed."""
    train = build_train(tmp_path, now="2026-12-05")
    evil = outside_crate(tmp_path / "elsewhere")
    (train.work.path / "crates" / "evil").symlink_to(evil)
    train.work.run("add", "--all")
    train.work.run("commit", "--quiet", "-m", "vendor a crate")
    train.env().forge.push(train.work.path, ["main"])
    refs = train.forge.git.refs("refs/")
    before = state(evil)
    assert main(["cut", "--now", "2026-12-05", "-C", str(train.work.path)]) == 4
    err = capsys.readouterr().err
    assert f"leads to {evil}, outside the repository" in err
    assert train.forge.git.refs("refs/") == refs
    assert state(evil) == before


def test_a_member_manifest_that_cannot_be_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = repo(tmp_path / "work", members='"crates/*", "crates/b"')
    (tmp_path / "work" / "crates" / "b" / "Cargo.toml").mkdir(parents=True)  # a directory, not a file
    err = refused(work, tmp_path / "work", capsys)
    assert f"error: cannot read {work / 'crates' / 'b' / 'Cargo.toml'}: Is a directory" in err
    assert "hint: check the [workspace] members globs and the path dependencies" in err
