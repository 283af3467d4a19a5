"""Reading a repository's workflows: which branch pushes a trigger runs for, and what counts as
running tests or releasing (tests/integration/test_init_workflows.py has whole repositories)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_train.flows.setup.workflow_scan import Workflow, covers, scan

MARKER = "[automatically-tag-and-release-this-commit]"


def _one(tmp_path: Path, text: str) -> Workflow:
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ci.yml").write_text(text)
    (directory / "release-train-tag.yml").write_text("name: ours\non: push\njobs: {}\n")  # never read
    found = scan(tmp_path, MARKER)
    assert [w.path for w in found] == [".github/workflows/ci.yml"]
    return found[0]


@pytest.mark.parametrize(
    ("on", "branches"),
    [
        ("on: push", None),
        ("on: [push, pull_request]", None),
        ("on:\n  push:\n", None),
        ("on:\n  push:\n    branches: [main]\n", ("main",)),
        ("on:\n  push:\n    branches: 'release-*'\n", ("release-*",)),
        ("on:\n  push:\n    branches-ignore: [wip]\n", None),
        ("on:\n  push:\n    tags: ['v*']\n", ()),
        ("on:\n  pull_request:\n", ()),
    ],
)
def test_push_branches_of_each_trigger_form(
    tmp_path: Path, on: str, branches: tuple[str, ...] | None
) -> None:
    workflow = _one(tmp_path, f"{on}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: cargo test\n")
    assert workflow.push_branches == branches


def test_branch_filters_match_like_github() -> None:
    assert covers(None, "main")
    assert not covers((), "main")
    assert covers(("release-*",), "release-1.0.0")
    assert not covers(("release-*",), "main")
    assert covers(("**",), "main")
    assert not covers(("*", "!main"), "main")
    assert covers(("*", "!main", "main"), "main")  # a later pattern wins


def test_a_workflow_without_a_name_is_named_by_its_path_and_comments_do_not_count(tmp_path: Path) -> None:
    workflow = _one(
        tmp_path,
        "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n"
        "      # - run: cargo publish\n      - run: cargo build  # then cargo test, one day\n",
    )
    assert workflow.name == ".github/workflows/ci.yml"
    assert workflow.releases == ()


@pytest.mark.parametrize(
    ("step", "what"),
    [
        ("run: cargo +stable publish -p foo", "cargo publish"),
        ("run: python -m twine upload dist/*", "twine upload"),
        ("run: uv publish", "a Python publish"),
        ("run: gh release upload v1 a.tgz", "gh release"),
        ("uses: softprops/action-gh-release@v2", "softprops/action-gh-release"),
        ("uses: pypa/gh-action-pypi-publish@release/v1", "pypa/gh-action-pypi-publish"),
        ("run: git push origin --tags", "pushes a tag"),
        (f"run: echo '{MARKER}'", "the release marker"),
    ],
)
def test_release_steps_are_named_with_their_line(tmp_path: Path, step: str, what: str) -> None:
    workflow = _one(tmp_path, f"on: push\njobs:\n  r:\n    runs-on: x\n    steps:\n      - {step}\n")
    assert len(workflow.releases) == 1
    assert workflow.releases[0].startswith(f".github/workflows/ci.yml:6: {what}")
