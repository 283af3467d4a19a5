"""The security gate on real repositories: an open advisory blocks cut, release-latest and
release-patch before anything changes; `allow_open_advisories` proposes anyway and the PR body
records it; advisory-db / OSV findings against Cargo.lock block the same way."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.train import Train, build_train

from release_train.config import GateSettings
from release_train.flows.env import FlowEnv
from release_train.flows.gates import advisory_gate
from release_train.flows.gates.advisory_gate import SecurityGateBlocked
from release_train.flows.lines import patch
from release_train.flows.train import cut, release
from release_train.forges.interface import SecurityIssue

ISSUE = SecurityIssue(
    "GHSA-aaaa-bbbb-cccc",
    "Use-after-free in railcar-core",
    "https://example.invalid/adv/1",
    "advisory",
    ("railcar-core",),
)

PATCH_NOTES = "## 1.0.1\n\nUnreleased.\n\n### Fixed\n\n* A backported fix.\n\n" + "-" * 80 + "\n\n"


def _prepare(train: Train, flow: str) -> Callable[[FlowEnv, bool], object]:
    """Put the train where `flow` can run and return a function that plans and applies it."""
    if flow == "cut":
        return lambda env, allow: cut.apply(env, cut.plan(env, allow_open_advisories=allow))
    if flow == "release-latest":
        return lambda env, allow: release.apply(env, release.plan(env, allow_open_advisories=allow))
    notes = PATCH_NOTES + train.file("release-1.0.0")
    train.land("release-1.0.0", {"RELEASES.md": notes}, "Notes for 1.0.1")
    return lambda env, allow: patch.apply(
        env, patch.plan(env, branch="release-1.0.0", requested_by="alice", allow_open_advisories=allow)
    )


FLOWS = {
    "cut": ("ci/bump-to-2.0.0", "main"),
    "release-latest": ("ci/release-1.0.0", "release-1.0.0"),
    "release-patch": ("ci/bump-to-1.0.1", "release-1.0.0"),
}


def _world(train: Train) -> tuple[dict[str, str], list[str], list[int]]:
    refs = train.forge.git.run("for-each-ref", "--format=%(refname) %(objectname)").splitlines()
    return (
        dict(line.split() for line in refs),
        sorted(train.forge.tags()),
        [pr.number for pr in train.forge.list_prs(state=None)],
    )


@pytest.mark.parametrize("flow", list(FLOWS))
def test_open_advisory_blocks_then_override_is_recorded(tmp_path: Path, flow: str) -> None:
    train = build_train(tmp_path, cuts=0 if flow == "cut" else 1).at("2026-02-05")
    run = _prepare(train, flow)
    train.forge.add_security_issue(ISSUE)
    before = _world(train)

    with pytest.raises(SecurityGateBlocked) as blocked:
        run(train.env(), False)

    text = str(blocked.value)
    assert f"{flow} is blocked by 1 open security issue/advisory:" in text
    assert "GHSA-aaaa-bbbb-cccc: Use-after-free in railcar-core (advisory, railcar-core)" in text
    assert "--allow-open-advisories" in text
    assert "nothing was changed" in text
    assert blocked.value.exit_code == 6
    assert _world(train) == before  # no branch, tag or PR

    run(train.env(), True)

    head, base = FLOWS[flow]
    body = train.pr(head, base).body
    assert "### Security gate" in body
    assert "[GHSA-aaaa-bbbb-cccc](https://example.invalid/adv/1): Use-after-free in railcar-core" in body
    assert "**The gate was overridden** with `--allow-open-advisories`" in body
    assert any("--allow-open-advisories was given" in m for m in train.events.messages("warn"))


def test_clean_gate_says_so_in_the_pr_body(tmp_path: Path) -> None:
    train = build_train(tmp_path).at("2026-02-05")
    cut.apply(train.env(), cut.plan(train.env()))
    body = train.pr("ci/bump-to-2.0.0", "main").body
    assert "### Security gate\n\nNo open security issues or advisories were found" in body
    assert "overridden" not in body


def test_closed_advisory_no_longer_blocks(tmp_path: Path) -> None:
    train = build_train(tmp_path).at("2026-02-05")
    train.forge.add_security_issue(ISSUE)
    with pytest.raises(SecurityGateBlocked):
        cut.plan(train.env())
    train.forge.close_security_issue(ISSUE.id)
    assert cut.plan(train.env()).release_branch == "release-1.0.0"


VULNERABLE_LOCK = (
    '\n[[package]]\nname = "smallvec"\nversion = "1.6.0"\n'
    'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
)


def _with_dependency_advisories(train: Train, tmp_path: Path) -> Train:
    """A locked registry dependency with a RustSec advisory and an OSV record against it."""
    lock = (train.work.path / "Cargo.lock").read_text() + VULNERABLE_LOCK
    train.land("main", {"Cargo.lock": lock}, "Depend on smallvec")
    db = tmp_path / "advisory-db" / "crates" / "smallvec"
    db.mkdir(parents=True)
    (db / "RUSTSEC-2021-0003.md").write_text(
        '```toml\n[advisory]\nid = "RUSTSEC-2021-0003"\npackage = "smallvec"\ndate = "2021-01-08"\n'
        '[versions]\npatched = [">= 1.6.1"]\n```\n\n# Buffer overflow in SmallVec::insert_many\n'
    )
    osv = tmp_path / "osv"
    osv.mkdir()
    (osv / "GHSA-43w2.json").write_text(
        json.dumps(
            {
                "id": "GHSA-43w2-9j62-hq99",
                "summary": "smallvec overflow (OSV)",
                "affected": [
                    {
                        "package": {"ecosystem": "crates.io", "name": "smallvec"},
                        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.6.1"}]}],
                    }
                ],
            }
        )
    )
    gates = GateSettings(advisory_db=str(tmp_path / "advisory-db"), osv_dir=str(osv))
    train.settings = replace(train.settings, gates=gates)
    return train


def test_advisory_db_and_osv_findings_block_the_cut(tmp_path: Path) -> None:
    train = _with_dependency_advisories(build_train(tmp_path).at("2026-02-05"), tmp_path)

    with pytest.raises(SecurityGateBlocked) as blocked:
        cut.plan(train.env())

    assert [i.id for i in blocked.value.found] == ["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"]
    text = str(blocked.value)
    assert "cut is blocked by 2 open security issues/advisories:" in text
    assert (
        "RUSTSEC-2021-0003: Buffer overflow in SmallVec::insert_many (advisory-db, smallvec@1.6.0) "
        "https://rustsec.org/advisories/RUSTSEC-2021-0003.html" in text
    )
    assert "GHSA-43w2-9j62-hq99: smallvec overflow (OSV) (osv, smallvec@1.6.0)" in text

    # the direct API: the lock file on disk, with the override
    result = advisory_gate.check(train.env(), train.work.path / "Cargo.lock", allow=True)
    assert not result.blocked and result.allowed
    assert len(result.found) == 2
    assert "smallvec@1.6.0" in result.summary_markdown


def test_a_patched_lock_passes(tmp_path: Path) -> None:
    train = _with_dependency_advisories(build_train(tmp_path).at("2026-02-05"), tmp_path)
    fixed = (train.work.path / "Cargo.lock").read_text().replace('version = "1.6.0"', 'version = "1.6.1"')
    train.land("main", {"Cargo.lock": fixed}, "Update smallvec")
    result = advisory_gate.check_at(train.env(), train.sha("main") or "", allow=False)
    assert result.found == () and not result.blocked


def test_cli_blocks_with_a_listing_and_the_flag_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from release_train.cli import main

    train = build_train(tmp_path)
    train.forge.add_security_issue(ISSUE)
    repo = ["-C", str(train.work.path), "--now", "2026-02-05"]

    assert main(["cut", *repo]) == 6
    err = capsys.readouterr().err
    assert "error: cut is blocked by 1 open security issue/advisory:" in err
    assert "  - GHSA-aaaa-bbbb-cccc: Use-after-free in railcar-core" in err
    assert "hint: fix and close them first, or re-run with --allow-open-advisories" in err
    assert train.branches() == ["main"]

    assert main(["cut", *repo, "--allow-open-advisories"]) == 0
    assert "**The gate was overridden**" in train.pr("ci/bump-to-2.0.0", "main").body


def test_status_lists_forge_and_dependency_advisories(tmp_path: Path) -> None:
    from release_train.flows.train import status

    train = _with_dependency_advisories(build_train(tmp_path).at("2026-02-05"), tmp_path)
    train.forge.add_security_issue(ISSUE)

    blockers = [b.text for b in status.gather(train.env()).blockers if b.kind == "security-issue"]

    assert blockers == [
        "open security issue GHSA-aaaa-bbbb-cccc: Use-after-free in railcar-core",
        "open security issue GHSA-43w2-9j62-hq99: smallvec overflow (OSV)",
        "open security issue RUSTSEC-2021-0003: Buffer overflow in SmallVec::insert_many",
    ]
