"""Real history: each case under the shared corpus's `wasmtime/` is one commit of Wasmtime's own
release automation ("Bump Wasmtime to N", "Release Wasmtime X.Y.Z"). `release-train bump` on the
commit's parent (`before/`) must give the files the commit left (`after/`) byte for byte,
`Cargo.lock` included, and leave every other file of `before/` as it was, minding each case's
`notes` (where the old script differs from a correct tool for a known reason). New case
directories are picked up as they are added."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from release_train.cli import main

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "wasmtime"
CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.toml"))

# "<file>: the file has no final newline; the reference script rewrote every line with one, so
# history added it. [...] compare this file without its final newline."
NO_FINAL_NEWLINE = re.compile(r"^(\S+): the file has no final newline\b.*without its final newline", re.S)
# "<file>: the reference script only visited [...] so history never bumped the publishable
# <package> (<old>). Bumping it to <new> is the correct behaviour; its expected content is
# therefore not in after/."
NEVER_VISITED = re.compile(
    r"^(\S+): the reference script only visited .* never bumped the publishable (\S+) \((\S+)\)\. "
    r"Bumping it to (\S+) is the correct behaviour",
    re.S,
)
# Notes that explain why history is right where an older tool was wrong: after/ is the target.
EXPLAINS_HISTORY = re.compile(
    r"^(wasmtime-wasi-http was at 0\.0\.1: a breaking bump of a 0\.0\.x version is 0\.0\.\(x\+1\)"
    r"|\S+ and \S+ \(publish = false\) depend on first-party crates with version = \"\*\")"
)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def expected_files(case: Path) -> dict[str, bytes]:
    """Every file of the case after a correct bump: `before/` overlaid with `after/`, then each
    note applied."""
    before, after = files(case / "before"), files(case / "after")
    expected = {**before, **after}
    for note in tomllib.loads((case / "case.toml").read_text()).get("notes", []):
        if match := NO_FINAL_NEWLINE.match(note):
            name = match.group(1)
            assert after[name].endswith(b"\n") and not before[name].endswith(b"\n"), note
            expected[name] = after[name][:-1]
        elif match := NEVER_VISITED.match(note):
            name, package, old, new = match.groups()
            assert name not in after, note
            expected[name] = _replace_once(before[name], f'version = "{old}"', f'version = "{new}"')
            expected["Cargo.lock"] = _replace_once(
                expected["Cargo.lock"],
                f'name = "{package}"\nversion = "{old}"\n',
                f'name = "{package}"\nversion = "{new}"\n',
            )
        else:
            assert EXPLAINS_HISTORY.match(note), (
                f"{case.name}: a note this test does not know how to apply: {note}"
            )
    return expected


def _replace_once(data: bytes, old: str, new: str) -> bytes:
    assert data.count(old.encode()) == 1, old
    return data.replace(old.encode(), new.encode())


def test_the_corpus_is_there() -> None:
    assert len(CASES) >= 9, f"expected the Wasmtime cases under {CORPUS}"


@pytest.mark.parametrize("name", CASES)
def test_bump_reproduces_the_historical_commit(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CORPUS / name
    operation = tomllib.loads((case / "case.toml").read_text())["operation"]
    work = tmp_path / "repo"
    shutil.copytree(case / "before", work)
    (work / ".git").mkdir()  # the repository's top: configuration is not looked for above it

    assert main(["bump", operation, "-C", str(work)]) == 0, capsys.readouterr().err
    expected = expected_files(case)
    got = files(work)
    got.pop(".git", None)
    assert sorted(got) == sorted(expected)
    differing = [name for name in expected if got[name] != expected[name]]
    assert differing == []
