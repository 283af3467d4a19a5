"""Cargo's requirement matcher (semver crate rules): what a dependency requirement admits."""

from __future__ import annotations

import pytest

from release_train.model.cargo_req import Requirement, RequirementError
from release_train.model.version import Version


@pytest.mark.parametrize(
    ("req", "version", "expected"),
    [
        # a bare version is a caret requirement
        ("1.2.3", "1.2.3", True),
        ("1.2.3", "1.9.0", True),
        ("1.2.3", "2.0.0", False),
        ("1.2.3", "1.2.2", False),
        ("0.3.1", "0.3.9", True),
        ("0.3.1", "0.4.0", False),
        ("^0.0.3", "0.0.4", False),
        ("^0.0.3", "0.0.3", True),
        ("^1", "1.99.0", True),
        ("^0", "0.9.0", True),
        ("^0.2", "0.3.0", False),
        # tilde
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("~1", "1.9.9", True),
        # comparisons, partial versions filled by the operator's rule
        (">= 1.2.3", "1.2.3", True),
        (">= 1.2.3", "1.2.2", False),
        (">1.2", "1.2.9", False),
        (">1.2", "1.3.0", True),
        ("<1.2", "1.1.99", True),
        ("<1.2", "1.2.0", False),
        ("<=1.2", "1.2.7", True),
        ("<=1.2", "1.3.0", False),
        ("=1.2.3", "1.2.4", False),
        ("=1.2", "1.2.4", True),
        # comma means AND
        (">= 1.2.3, < 1.3", "1.2.9", True),
        (">= 1.2.3, < 1.3", "1.3.0", False),
        (">= 0.9.5, < 0.10.0", "0.10.0", False),
        # wildcards
        ("*", "7.0.0", True),
        ("1.*", "1.5.0", True),
        ("1.*", "2.0.0", False),
        ("1.2.x", "1.2.8", True),
        # pre-releases match only when a comparator opts into that exact release
        (">= 1.0.0", "2.0.0-rc.1", False),
        (">= 2.0.0-rc.1", "2.0.0-rc.2", True),
        (">= 2.0.0-rc.2", "2.0.0-rc.1", False),
        (">= 2.0.0-rc.1", "2.0.0", True),
        ("< 2.0.0", "2.0.0-alpha", False),
        # as cargo: `*` takes no pre-release (a path dependency on 0.2.0-dev with version = "*"
        # does not resolve), an exact pre-release requirement does
        ("*", "0.2.0-dev", False),
        ("0.2.0-dev", "0.2.0-dev", True),
        # the requirement styles of real manifests
        (">=1, <3", "2.5.0", True),
        (">=1, <3", "3.0.0", False),
        ("1", "1.9.0", True),
        ("1.2", "1.9.0", True),
        ("1.2", "1.1.0", False),
        ("=0.0.1", "0.0.2", False),
    ],
)
def test_cargo_requirements(req: str, version: str, expected: bool) -> None:
    assert Requirement.parse(req).matches(Version.parse(version)) is expected


@pytest.mark.parametrize("bad", ["abc", ">= 1.x.3", "1.2.3.4", ">= 1-rc.1", "1.\u0663"])
def test_bad_requirement_is_an_error(bad: str) -> None:
    with pytest.raises(RequirementError, match=r"Cargo version requirement|wildcard|pre-release"):
        Requirement.parse(bad)
