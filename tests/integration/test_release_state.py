"""A release is a durable state, finished by whoever comes next: a tag whose crates are not all in
the registry, or whose forge release is missing, is seen from the registry and the forge alone.
`pr merge` whose publish reaction failed exits non-zero with the command that resumes; `status`
lists the release as blocking with that command; `tick`, a re-run of `pr merge`, the reaction to
the next push and `publish --tag` each finish it. Real git, real cargo, the real local registry
(its fault injection makes the publish fail), `release-train` run in a process of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.live_train import LiveTrain, live_train

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]

RESUME = "release-train publish --tag v0.2.0"


def _failed_release(live: LiveTrain, *, then_accept: bool = True) -> str:
    """Merge the 0.2.0 release PR while the registry refuses one crate: the merge and the tag
    happen, the publish reaction fails. Returns the crate refused; the registry accepts it from
    then on unless `then_accept` is false."""
    number = live.release_pr("0.2.0")
    refused = live.workspace.crates[-1].name  # the top crate: the others get in first
    live.server.reject(refused, "crate name is reserved", status=403)
    merged = live.cli.run("pr", "merge", str(number))
    assert merged.code == 8, merged.err  # a registry error, the reaction's own exit code
    assert f"merged #{number} into main" in merged.out
    assert "error: publish reaction to refs/tags/v0.2.0 failed" in merged.err
    assert f"hint: resume with: {RESUME}" in merged.err
    assert "v0.2.0" in live.forge.tags()
    assert live.accepted("0.2.0")[refused] == 0
    if then_accept:
        live.server.clear_faults()
    return refused


def test_status_blocks_on_an_unfinished_release_and_tick_finishes_it(
    tmp_path: Path,
) -> None:
    with live_train(tmp_path, count=2) as live:
        refused = _failed_release(live, then_accept=False)

        status = live.cli.run("status", "--json", "--now", "2026-03-10")
        assert status.code == 0, status.err
        (blocker,) = [b for b in json.loads(status.out)["blocking"] if b["kind"] == "unfinished-release"]
        assert blocker["command"] == RESUME
        assert f"({refused} 0.2.0)" in blocker["text"]
        assert "its forge release is missing" in blocker["text"]
        text = live.cli.run("status", "--now", "2026-03-10")
        assert "nothing blocking" not in text.out
        assert f"finish it with: {RESUME}" in text.out

        # While the registry still refuses it, tick tries, says so, and fails after what was due.
        refused_again = live.cli.run("tick", "--now", "2026-03-10")
        assert refused_again.code == 8
        assert "! v0.2.0 is still unfinished: publish of v0.2.0 stopped" in refused_again.out
        assert "nothing due until" in refused_again.out
        assert f"hint: resume with: {RESUME}" in refused_again.err

        live.server.clear_faults()
        tick = live.cli.run("tick", "--now", "2026-03-10")  # nothing is scheduled that day
        assert tick.code == 0, tick.err
        assert "+ finished v0.2.0: 1 package(s) published, 1 already there" in tick.out
        live.assert_released("0.2.0")
        after = json.loads(live.cli.run("status", "--json", "--now", "2026-03-10").out)
        assert [b for b in after["blocking"] if b["kind"] == "unfinished-release"] == []


def test_rerunning_pr_merge_finishes_what_its_publish_reaction_left(
    tmp_path: Path,
) -> None:
    with live_train(tmp_path, count=2) as live:
        _failed_release(live)
        number = live.forge.list_prs(state="merged")[0].number

        again = live.cli.run("pr", "merge", str(number))
        assert again.code == 0, again.err
        assert "was already merged" in again.out
        live.assert_released("0.2.0")


def test_the_next_push_finishes_an_unfinished_release(
    tmp_path: Path,
) -> None:
    with live_train(tmp_path, count=2) as live:
        _failed_release(live)
        live.work.run("checkout", "--quiet", "-B", "fix", "origin/main")
        (live.work.path / "FIX.md").write_text("a fix\n")
        live.work.commit_all("A fix")
        live.work.run("push", "--quiet", "origin", "fix:refs/heads/fix")
        live.work.checkout("main")
        number = live.forge.open_pr("fix", "main", "A fix", "").number

        merged = live.cli.run("pr", "merge", str(number))  # its push to main runs the reactions
        assert merged.code == 0, merged.err
        assert "ci: + finished v0.2.0" in merged.err
        live.assert_released("0.2.0")


def test_publish_tag_creates_the_forge_release_too(tmp_path: Path) -> None:
    with live_train(tmp_path, count=2) as live:
        _failed_release(live)

        published = live.cli.run("publish", "--tag", "v0.2.0")
        assert published.code == 0, published.err
        assert "forge release Synth 0.2.0" in published.out
        live.assert_released("0.2.0")
        assert live.cli.run("publish", "--tag", "v0.2.0").code == 0  # again: nothing new
        live.assert_released("0.2.0")
