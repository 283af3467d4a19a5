"""A train without release branches (`[release] branches = false`), on a workspace in the shape of
bytecodealliance/wasm-tools: `release` proposes one PR to main with exactly the bytes of the next
release (every manifest, the lock file, the notes), merging it tags `v1.(N+1).0` on main, a
`release patch` follows; the branch train's flows refuse and name `release`; the tag rule holds
on main; `--dry-run`, `--json` and `--now`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.mainline import DASHES, TEMPLATE_BODY, expected_tree, section, wasm_tools_train
from tests.fixtures.train import MARKER, Train

from release_train.cli import main
from release_train.errors import RefusedError
from release_train.flows.train import mainline, tag
from release_train.model.notes import NotesError

N = 257


def tree(train: Train, rev: str) -> dict[str, bytes]:
    """Every file of `rev` on the forge but the configuration (it names this machine's forge)."""
    git = train.forge.git
    paths = git.run("ls-tree", "-r", "--name-only", rev).split()
    found = {}
    for path in paths:
        data = git.show_file(rev, path)
        assert data is not None
        if path != "release-train.toml":
            found[path] = data
    return found


def release(train: Train, operation: str, **gates: bool) -> mainline.MainReleasePlan:
    env = train.env()
    planned = mainline.plan(env, operation, gates=mainline.Gates(**gates))
    mainline.apply(env, planned)
    return planned


def run(train: Train, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "-C", str(train.work.path)])
    out, err = capsys.readouterr()
    return code, out, err


RELEASED_NOTES = (
    section(f"1.{N + 2}.0", "Unreleased.", TEMPLATE_BODY)
    + "\n"
    + section(f"1.{N + 1}.0", "Released 2026-09-01.", "### Added\n\n* `wat` reads custom annotations.\n\n")
    + "\n"
    + section(f"1.{N}.1", "Released 2026-08-19.", "### Fixed\n\n* `validate` reports the right offset.\n\n")
)


def test_release_proposes_exactly_the_next_release_and_its_merge_is_tagged(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    main_before = train.sha("main")
    assert main_before is not None

    planned = release(train, "major")

    head = train.sha(f"ci/release-1.{N + 1}.0")
    assert head is not None
    assert train.forge.git.rev_parse(f"{head}^1") == main_before
    assert train.message(head).strip() == f"Release wasm-tools 1.{N + 1}.0\n\n{MARKER}"
    # every file of the proposed commit, byte for byte: the workspace at the next release (0.N+1,
    # 1.N+1 by the rule, N+1.0.0; every requirement and the lock file moved with them) and the
    # notes: the pending section released under its version, a fresh one above it
    expected = {
        **expected_tree(tmp_path, N + 1),
        "RELEASES.md": RELEASED_NOTES.encode(),
        ".gitignore": b"target/\n",
    }
    assert tree(train, head) == expected
    changed = train.forge.git.run("diff", "--name-only", main_before, head).split()
    assert changed == [
        "Cargo.lock",
        "Cargo.toml",
        "RELEASES.md",
        "crates/fuzz-stats/Cargo.toml",
        "crates/wast/Cargo.toml",
        "crates/wat/Cargo.toml",
        "crates/wit-parser/Cargo.toml",
    ]
    pr = train.pr(f"ci/release-1.{N + 1}.0", "main")
    assert pr.title == f"Release wasm-tools 1.{N + 1}.0"
    assert f"merging it into `main` tags the merge commit `v1.{N + 1}.0`" in pr.body
    assert f"- wat, wasm-tools (rule: minor): 1.{N}.1 -> 1.{N + 1}.0" in pr.body
    assert f"- wast: {N}.0.1 -> {N + 1}.0.0" in pr.body
    assert f"8. wasm-tools 1.{N + 1}.0" in pr.body
    assert pr.body.rstrip().splitlines()[-1] == MARKER
    assert planned.proposal is not None
    assert planned.proposal.versions == (
        ("workspace", f"0.{N}.1", f"0.{N + 1}.0"),
        ("wast", f"{N}.0.1", f"{N + 1}.0.0"),
        ("wat, wasm-tools (rule: minor)", f"1.{N}.1", f"1.{N + 1}.0"),
    )

    merged = train.merge(f"ci/release-1.{N + 1}.0", "main")

    assert train.forge.tags() == {f"v1.{N + 1}.0": merged}
    assert train.branches() == ["main"]  # no release branch, the bot branch deleted by the merge
    # nothing landed since: a release now has nothing to release
    again = mainline.plan(train.env(), "major")
    assert (again.steps, again.proposal) == ((), None)
    assert again.notes == (
        f"nothing to release: main is where v1.{N + 1}.0 was tagged ({merged[:10]}); nothing to do",
    )


def test_a_patch_release_on_main_renames_the_pending_heading(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    release(train, "major")
    train.merge(f"ci/release-1.{N + 1}.0", "main")
    fixed = RELEASED_NOTES.replace(
        TEMPLATE_BODY, "### Added\n\n### Changed\n\n### Fixed\n\n* `wast` no longer panics.\n\n", 1
    )
    train.at("2026-09-03").land("main", {"RELEASES.md": fixed}, "Fix a panic in wast")
    before = train.sha("main")
    assert before is not None

    release(train.at("2026-09-04"), "patch")

    head = train.sha(f"ci/release-1.{N + 1}.1")
    assert head is not None
    assert train.message(head).strip() == f"Release wasm-tools 1.{N + 1}.1\n\n{MARKER}"
    expected_notes = (
        section(f"1.{N + 2}.0", "Unreleased.", TEMPLATE_BODY)
        + "\n"
        + section(f"1.{N + 1}.1", "Released 2026-09-04.", "### Fixed\n\n* `wast` no longer panics.\n\n")
        + "\n"
        + RELEASED_NOTES.split(f"{DASHES}\n\n", 1)[1]
    )
    assert tree(train, head) == {
        **expected_tree(tmp_path, N + 1, 1),
        "RELEASES.md": expected_notes.encode(),
        ".gitignore": b"target/\n",
    }
    merged = train.merge(f"ci/release-1.{N + 1}.1", "main")
    assert train.forge.tags()[f"v1.{N + 1}.1"] == merged


def test_a_patch_release_needs_an_entry_in_the_pending_section(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    release(train, "major")
    train.merge(f"ci/release-1.{N + 1}.0", "main")
    train.land("main", {"crates/wast/src/lib.rs": "// fixed\n"}, "A fix without its note")
    with pytest.raises(NotesError, match=r"RELEASES\.md on main has no notes for 1\.258\.1"):
        mainline.plan(train.env(), "patch")
    planned = mainline.plan(train.env(), "patch", gates=mainline.Gates(allow_empty_notes=True))
    assert planned.version.__str__() == f"1.{N + 1}.1"
    assert train.branches() == ["main"]  # nothing was proposed


def test_keep_a_changelog_on_main(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1, notes="CHANGELOG.md")
    planned = release(train, "major")
    head = train.sha(f"ci/release-1.{N + 1}.0")
    assert head is not None
    assert tree(train, head)["CHANGELOG.md"].decode() == (
        "# Changelog\n\n"
        "<!-- Entries go under Unreleased; the release dates them. -->\n\n"
        "## [Unreleased]\n\n"
        f"## [1.{N + 1}.0] - 2026-09-01\n\n### Added\n\n- `wat` reads custom annotations.\n\n"
        f"## [1.{N}.1] - 2026-08-19\n\n### Fixed\n\n- `validate` reports the right offset.\n\n"
        f"[unreleased]: https://example.invalid/wasm-tools/compare/v1.{N + 1}.0...HEAD\n"
        f"[1.{N + 1}.0]: https://example.invalid/wasm-tools/compare/v1.{N}.1...v1.{N + 1}.0\n"
        f"[1.{N}.1]: https://example.invalid/wasm-tools/compare/v1.{N}.0...v1.{N}.1\n"
    )
    assert planned.proposal is not None
    assert planned.proposal.diffs[0][0] == "CHANGELOG.md"
    train.merge(f"ci/release-1.{N + 1}.0", "main")
    train.land("main", {"crates/wast/src/lib.rs": "// fixed\n"}, "A fix without its note")
    # a patch needs an entry under Unreleased, which is empty now
    with pytest.raises(NotesError, match=r"no notes for 1\.258\.1 \(an entry under `## \[Unreleased\]`\)"):
        mainline.plan(train.env(), "patch")


def test_the_branch_trains_flows_refuse_and_name_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    refs = train.forge.git.refs("refs/")
    for argv in (
        ["cut"],
        ["release-latest"],
        ["release-rc"],
        ["release-patch", "--branch", "release-1.257.0"],
        ["release-patch", "--branch", "supported"],
        ["backport", "main", "--to", "supported"],
    ):
        code, out, err = run(train, capsys, *argv)
        assert code == RefusedError.exit_code, (argv, out, err)
        assert "this train has none (`[release] branches = false`)" in err, err
        assert "release-train release [major|minor|patch]" in err
    assert train.forge.git.refs("refs/") == refs  # nothing was pushed
    assert train.forge.list_prs(state=None) == []


def test_release_refuses_on_a_train_with_release_branches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.fixtures.train import build_train

    train = build_train(tmp_path)
    code, _, err = run(train, capsys, "release", "major")
    assert code == RefusedError.exit_code
    assert "this train cuts them" in err
    assert "`release-train cut`" in err


def test_one_release_at_a_time(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    release(train, "major")
    # the same release again: nothing new (the PR is there)
    again = mainline.plan(train.env(), "major")
    report = mainline.apply(train.env(), again)
    assert [o.status for o in report.outcomes] == ["skipped", "skipped"]
    # another release while it is open: refused
    with pytest.raises(RefusedError, match=r"PR #1 \(Release wasm-tools 1\.258\.0\) is still open"):
        mainline.plan(train.env(), "patch")


def test_the_tag_rule_holds_on_main(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    release(train, "major")
    merged = train.merge(f"ci/release-1.{N + 1}.0", "main")
    # a later commit on main that carries the marker but does not move the version is no release
    copied = train.land("main", {"NOTES.txt": "copied\n"}, f"Copy the release commit\n\n{MARKER}\n")
    assert train.forge.tags() == {f"v1.{N + 1}.0": merged}
    planned = tag.plan(train.env(), before=merged, after=copied, ref="refs/heads/main")
    assert planned.steps == ()
    assert planned.notes == (
        f"not tagging {copied[:10]}: its version 1.{N + 1}.0 did not change against the release history "
        f"of its first parent (v1.{N + 1}.0 is already there), so it is not a new release",
    )


def test_dry_run_json_and_now(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    refs = train.forge.git.refs("refs/")

    code, out, err = run(train, capsys, "release", "--dry-run", "--now", "2026-09-02T08:00:00Z")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == [
        "dry run: nothing will be changed",
        f"major release wasm-tools 1.{N + 1}.0 on main (from 1.{N}.1), dated 2026-09-02",
    ]
    assert f"     version wat, wasm-tools (rule: minor): 1.{N}.1 -> 1.{N + 1}.0" in lines
    assert "       +Released 2026-09-02." in lines
    assert f"       +## 1.{N + 2}.0" in lines

    code, out, err = run(train, capsys, "release", "minor", "--dry-run", "--json", "--now", "2026-09-02")
    assert code == 0, err
    plan = json.loads(out)["plan"]
    assert plan["flow"] == "release"
    commit, pr = plan["steps"]
    assert commit["versions"] == [
        {"line": "workspace", "old": f"0.{N}.1", "new": f"0.{N + 1}.0"},
        {"line": "wast", "old": f"{N}.0.1", "new": f"{N}.1.0"},
        {"line": "wat, wasm-tools", "old": f"1.{N}.1", "new": f"1.{N + 1}.0"},
    ]
    assert commit["diffs"][0]["path"] == "RELEASES.md"
    assert "+Released 2026-09-02." in commit["diffs"][0]["diff"]
    assert pr["publishes"][-1] == {"package": "wasm-tools", "version": f"1.{N + 1}.0"}
    assert train.forge.git.refs("refs/") == refs  # nothing changed
    assert train.forge.list_prs(state=None) == []

    code, out, err = run(train, capsys, "release", "--json", "--now", "2026-09-02")
    assert code == 0, err
    report = json.loads(out)["report"]
    assert [o["status"] for o in report["outcomes"]] == ["done", "done"]
    assert train.pr(f"ci/release-1.{N + 1}.0", "main").state == "open"
    head = train.sha(f"ci/release-1.{N + 1}.0")
    assert head is not None
    assert train.forge.git.run("log", "-1", "--format=%cI", head).strip() == "2026-09-02T00:00:00+00:00"


def test_verify_checks_the_notes_for_a_release_on_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    undated = train.file("main").replace("Unreleased.", "Coming soon.", 1)
    train.land("main", {"RELEASES.md": undated}, "Say when")
    code, out, _ = run(train, capsys, "verify")
    assert code != 0
    assert (
        "RELEASES.md:1: the notes file has no pending section on top: `## 1.258.0` has no `Unreleased.` line "
        "(fix: add a section above it: `## 1.259.0`, `Unreleased.`" in out
    )
    assert "(a release on main)" in out
    with pytest.raises(RefusedError, match="release is refused: `release-train verify` finds 1 problem"):
        mainline.plan(train.env(), "major")


def test_doctor_says_no_release_branches_are_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    _, out, _ = run(train, capsys, "doctor")
    assert "release branches: none used: [release] branches = false, every release is a PR to main" in out


def test_the_security_gate_and_the_overrides_as_for_the_branch_train(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from release_train.forges.interface import SecurityIssue

    train = wasm_tools_train(tmp_path, N, 1)
    train.forge.add_security_issue(
        SecurityIssue("RUSTSEC-2026-0001", "overflow in wast", "https://example.invalid/1")
    )
    code, _, err = run(train, capsys, "release")
    assert code == RefusedError.exit_code
    assert "RUSTSEC-2026-0001" in err and "--allow-open-advisories" in err
    assert train.forge.list_prs(state=None) == []

    manifest = train.file("main", "crates/wast/Cargo.toml")
    undescribed = "".join(
        line for line in manifest.splitlines(keepends=True) if not line.startswith("description")
    )
    train.land("main", {"crates/wast/Cargo.toml": undescribed}, "Drop a description")
    code, _, err = run(train, capsys, "release", "--allow-open-advisories")
    assert code == RefusedError.exit_code
    assert "release is refused: `release-train verify` finds 1 problem" in err
    assert "wast has no `description`" in err

    code, _, err = run(train, capsys, "release", "--allow-open-advisories", "--allow-verify-failures")
    assert code == 0, err
    body = train.pr(f"ci/release-1.{N + 1}.0", "main").body
    assert "RUSTSEC-2026-0001" in body
    assert "**The gate was overridden** with `--allow-verify-failures`" in body
    assert body.rstrip().splitlines()[-1] == MARKER


def test_a_version_already_tagged_is_refused(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path, N, 1)
    sha = train.sha("main")
    assert sha is not None
    train.forge.create_tag(f"v1.{N + 1}.0", sha)
    with pytest.raises(
        RefusedError, match=r"the tag v1\.258\.0 exists already, but main is not at that version yet"
    ):
        mainline.plan(train.env(), "major")
