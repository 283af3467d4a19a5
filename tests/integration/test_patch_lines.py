"""`release-patch --branch supported`: one patch PR per supported line, never one for an expired
line; every line is checked before any PR is opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.lines_scenario import EXPIRED, LIB, NOW, SUPPORTED, add_notes, lines_train, train_args
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.errors import RefusedError


@pytest.fixture
def train(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Train:
    return lines_train(tmp_path, tmp_path_factory)


def _patch_prs(train: Train) -> dict[str, tuple[str, str, bool]]:
    return {
        pr.base: (pr.head, pr.title, pr.draft)
        for pr in train.forge.list_prs(state=None)
        if pr.head.startswith("ci/bump-to-") and pr.base != "main"
    }


def _run(train: Train, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["release-patch", "--branch", "supported", *train_args(train), "--now", NOW, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_one_patch_pr_per_supported_line_after_every_line_is_checked(
    train: Train, capsys: pytest.CaptureFixture[str]
) -> None:
    add_notes(train, "release-12.0.0", "12.0.1", "Trim the coupling tag.")
    add_notes(train, "release-13.0.0", "13.0.1", "Trim the coupling tag.")
    # 14 got a change but nobody wrote its notes
    lib = train.file("release-14.0.0", LIB)
    train.land("release-14.0.0", {LIB: lib + "// fixed\n"}, "Trim the coupling tag")
    add_notes(train, EXPIRED, "11.0.1", "Never released: the line has expired.")

    code, _, err = _run(train, capsys)

    assert code == RefusedError.exit_code
    assert "1 of 3 lines cannot be released:" in err
    assert "release-14.0.0: RELEASES.md on release-14.0.0 has no notes for 14.0.1" in err
    assert _patch_prs(train) == {}  # nothing proposed on any line

    code, out, _ = _run(train, capsys, "--allow-empty-notes")

    assert code == 0
    assert _patch_prs(train) == {
        branch: (f"ci/bump-to-{v}", f"Release Railcar {v}", False)
        for branch, v in zip(SUPPORTED, ["12.0.1", "13.0.1", "14.0.1"], strict=True)
    }
    assert f"not for expired lines: {EXPIRED} (support ended 2026-03-20)" in out
    assert "Released 2026-04-25." in train.file("ci/bump-to-12.0.1")
    # a re-run proposes nothing twice
    code, out, _ = _run(train, capsys, "--allow-empty-notes")
    assert code == 0
    assert len(_patch_prs(train)) == 3
    assert out.count("is already open") == 3


def test_a_line_with_nothing_since_its_tag_is_skipped(
    train: Train, capsys: pytest.CaptureFixture[str]
) -> None:
    add_notes(train, "release-13.0.0", "13.0.1", "Trim the coupling tag.")
    code, out, _ = _run(train, capsys, "--dry-run")
    assert code == 0
    assert "release-12.0.0: nothing since v12.0.0; skipped" in out
    assert "release-14.0.0: nothing since v14.0.0; skipped" in out
    assert "open a PR ci/bump-to-13.0.1 -> release-13.0.0: 'Release Railcar 13.0.1'" in out
    assert _patch_prs(train) == {}
