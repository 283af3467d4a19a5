"""backport on real repositories: three supported lines (one LTS) and one expired; a fix merged on
main as a PR is carried to every supported line, one of which conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.lines_scenario import EXPIRED, LIB, NOW, SUPPORTED, lines_train, train_args
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.errors import InterruptedForTest
from release_train.flows.lines import backport
from release_train.forges.interface import PullRequest

FIXED = "pub fn util_tag() -> &'static str {\n    railcar_util::tag().trim()\n}\n"
LTS_ONLY = "pub fn util_tag() -> &'static str {\n    railcar_util::tag() // the LTS keeps the old tag\n}\n"


def _lib(train: Train, branch: str) -> str:
    return train.file(branch, LIB)


def _merged_fix(train: Train) -> tuple[int, str]:
    """Land on release-12.0.0 a change to the lines the fix touches, then merge the fix into main
    as a PR; returns the PR number and its merge commit."""
    old = _lib(train, "main")
    train.land(
        "release-12.0.0",
        {LIB: old.replace(FIXED.split("{", 1)[1].replace(".trim()", ""), LTS_ONLY.split("{", 1)[1])},
        "LTS: keep the old tag",
    )
    main_sha = train.sha("main")
    train.env().forge.push(train.work.path, [f"{main_sha}:refs/heads/fix-tag"])
    new = old.replace("railcar_util::tag()\n", "railcar_util::tag().trim()\n")
    assert new != old
    train.land("fix-tag", {LIB: new}, "Trim the coupling tag\n\nIt carried trailing spaces.\n")
    forge = train.env().forge
    pr = forge.open_pr("fix-tag", "main", "Trim the coupling tag", "Fixes the trailing spaces.")
    merged = forge.merge_pr(pr.number)
    train.work.run("fetch", "--quiet", "origin")
    return pr.number, merged


def _backport_prs(train: Train) -> dict[str, PullRequest]:
    return {pr.base: pr for pr in train.forge.list_prs(state=None) if pr.head.startswith("ci/backport-")}


def test_a_fix_goes_to_every_supported_line_and_a_conflict_is_loud(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    train = lines_train(tmp_path, tmp_path_factory)
    number, merged = _merged_fix(train)
    before = {b: train.sha(b) for b in [*SUPPORTED, EXPIRED, "main"]}
    tags = train.forge.tags()
    capsys.readouterr()

    code = main(["backport", f"#{number}", "--to", "supported", *train_args(train), "--now", NOW])

    out, err = capsys.readouterr()
    assert code == backport.BackportConflict.exit_code
    prs = _backport_prs(train)
    assert sorted(prs) == SUPPORTED  # none for the expired line
    assert f"not for expired lines: {EXPIRED} (support ended 2026-03-20)" in out
    for base, line in (("release-13.0.0", "13.0.x"), ("release-14.0.0", "14.0.x")):
        pr = prs[base]
        assert (pr.title, pr.draft, pr.state) == (f"[{line}] Trim the coupling tag", False, "open")
        assert pr.head == f"ci/backport-pr{number}-to-{base}"
        assert f"PR #{number}" in pr.body and merged in pr.body
        assert "tag().trim()" in _lib(train, pr.head)
        assert f"(cherry picked from commit {merged})" in train.message(pr.head)
    lts = prs["release-12.0.0"]
    assert (lts.title, lts.draft) == ("[CONFLICT] [12.0.x] Trim the coupling tag", True)
    assert f"- `{LIB}`" in lts.body and "git cherry-pick -x" in lts.body
    assert "<<<<<<<" in _lib(train, lts.head) and ">>>>>>>" in _lib(train, lts.head)
    # loud: the files and the way out, on stderr, with a non-zero exit
    assert f"release-12.0.0: {LIB} (draft PR #{lts.number} carries the markers)" in err
    assert f"git switch -C ci/backport-pr{number}-to-release-12.0.0 origin/release-12.0.0" in err
    assert f"git cherry-pick -x {merged}" in err
    # nothing else disturbed
    assert {b: train.sha(b) for b in before} == before
    assert train.forge.tags() == tags

    # a re-run changes nothing and still says so
    code = main(["backport", str(number), "--to", "supported", *train_args(train), "--now", NOW])
    assert code == backport.BackportConflict.exit_code
    assert _backport_prs(train) == prs

    # once merged, a line has the change: a later run skips it and says why
    train.merge(prs["release-13.0.0"].head, "release-13.0.0")
    code = main(["backport", str(number), "--to", "release-13.0.0", *train_args(train), "--now", NOW])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "release-13.0.0: already there (" in out and "cherry-picked from it); skipped" in out


def test_no_conflict_pr_pushes_nothing_for_the_conflicting_line(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    train = lines_train(tmp_path, tmp_path_factory)
    number, _ = _merged_fix(train)
    env = train.env()
    planned = backport.plan(env, str(number), ["release-12.0.0", EXPIRED], conflict_pr=False)
    report = backport.apply(env, planned)
    error = backport.conflict_error(planned, report)
    assert error is not None and f"release-12.0.0: {LIB} (no PR opened)" in error.message
    assert f"{EXPIRED} is no longer supported" in " ".join(planned.notes)
    assert train.sha(f"ci/backport-pr{number}-to-release-12.0.0") is None
    assert sorted(_backport_prs(train)) == [EXPIRED]  # named explicitly, so it is done


def test_a_commit_already_on_the_line_by_patch_id_is_skipped(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    train = lines_train(tmp_path, tmp_path_factory)
    old = _lib(train, "main")
    new = old.replace("railcar_util::tag()\n", "railcar_util::tag().trim()\n")
    fix = train.land("main", {LIB: new}, "Trim the tag")
    # the same change, made by hand on 14 (another message, another date)
    train.at("2026-04-26").land("release-14.0.0", {LIB: new}, "Trim the tag on 14 by hand")
    env = train.env()
    planned = backport.plan(env, fix, ["release-13.0.0", "release-14.0.0"])
    assert [t.branch for t in planned.targets] == ["release-13.0.0"]
    assert any(
        n.startswith("release-14.0.0: already there (") and "same patch id" in n for n in planned.notes
    )
    assert planned.targets[0].head == f"ci/backport-{fix[:10]}-to-release-13.0.0"


def _state(train: Train) -> list[tuple[str, str, str, bool, str]]:
    return sorted((p.head, p.base, p.title, p.draft, p.state) for p in _backport_prs(train).values())


def test_interrupted_at_every_step_then_rerun_ends_like_one_run(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    train = lines_train(tmp_path, tmp_path_factory)
    number, _ = _merged_fix(train)
    steps = len(backport.plan(train.env(), str(number), ["supported"]).steps)
    assert steps == 6
    for fail_after in range(1, steps + 1):
        env = train.env(fail_after=fail_after)
        with pytest.raises(InterruptedForTest):
            backport.apply(env, backport.plan(env, str(number), ["supported"]))
    env = train.env()
    final = backport.plan(env, str(number), ["supported"])
    report = backport.apply(env, final)
    assert {o.status for o in report.outcomes} == {"skipped", "held"}  # all done before
    heads = [p.head for p in train.forge.list_prs(state=None)]
    assert len(heads) == len(set(heads))  # no PR twice
    assert _state(train) == [
        (f"ci/backport-pr{number}-to-{b}", b, t, d, "open")
        for b, t, d in [
            ("release-12.0.0", "[CONFLICT] [12.0.x] Trim the coupling tag", True),
            ("release-13.0.0", "[13.0.x] Trim the coupling tag", False),
            ("release-14.0.0", "[14.0.x] Trim the coupling tag", False),
        ]
    ]
