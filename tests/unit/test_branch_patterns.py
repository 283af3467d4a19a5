"""Release branch and tag names match their pattern exactly (issue 10, item 9)."""

from __future__ import annotations

import pytest

from release_train.model.branches import latest_release_branch, parse_name, release_branch_version
from release_train.model.version import Version


@pytest.mark.parametrize(
    "name",
    [
        "release-1.0.0-alt",  # a pre-release suffix: cut never makes one
        "release-1.0.0-rc.1",
        "release-1.0.0+build",
        "release-01.0.0",  # leading zero
        "release-1.0",
        "release- 1.0.0",
        "release-1.0.0 ",
        "release-1.0.0/x",
        "release-",
        "xrelease-1.0.0",
        "release-1.0.0.0",
        "release-\u0661.0.0",  # a non-ASCII digit one
    ],
)
def test_only_the_exact_pattern_is_a_release_branch(name: str) -> None:
    assert release_branch_version("release-{version}", name) is None


def test_release_branches_and_their_versions() -> None:
    assert release_branch_version("release-{version}", "release-27.0.0") == Version(27, 0, 0)
    assert release_branch_version("rel/v{version}/branch", "rel/v1.2.3/branch") == Version(1, 2, 3)
    assert release_branch_version("rel/v{version}/branch", "rel/v1.2.3/branch-x") is None
    names = ["release-9.0.0", "release-10.0.0", "release-10.0.0-alt", "release-11.0.0+x", "main"]
    assert latest_release_branch("release-{version}", names) == ("release-10.0.0", Version(10, 0, 0))


def test_tags_keep_their_pre_releases_but_match_exactly() -> None:
    assert parse_name("v{version}", "v1.0.0-rc.1") == Version.parse("1.0.0-rc.1")
    assert parse_name("v{version}", "v1.0.0") == Version(1, 0, 0)
    assert parse_name("v{version}", "v 1.0.0") is None
    assert parse_name("v{version}", "v01.0.0") is None
    assert parse_name("v{version}", "1.0.0") is None
