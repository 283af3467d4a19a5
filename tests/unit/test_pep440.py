"""PEP 440 at the Python workspace's boundary: text <-> the train's one `Version`, and the
requirement shapes a bump moves (located by position, read by `packaging`)."""

from __future__ import annotations

import re

import pytest

from release_train.model.pep440 import same, to_pep440, to_train
from release_train.model.version import Operation, Version, VersionError
from release_train.workspaces.python_reqs import (
    RequirementProblem,
    admits,
    clauses,
    compatible_range,
    follow,
    is_pin,
)


@pytest.mark.parametrize(
    ("text", "train", "normalised"),
    [
        ("1.2.3", "1.2.3", "1.2.3"),
        ("1.2", "1.2.0", "1.2.0"),
        ("v1.2.3", "1.2.3", "1.2.3"),
        ("1.2.3rc1", "1.2.3-rc.1", "1.2.3rc1"),
        ("1.2.3-rc.1", "1.2.3-rc.1", "1.2.3rc1"),
        ("1.2.3.RC1", "1.2.3-rc.1", "1.2.3rc1"),
        ("1.2.3a2", "1.2.3-alpha.2", "1.2.3a2"),
        ("1.2.3beta2", "1.2.3-beta.2", "1.2.3b2"),
        ("1.2.3.dev0", "1.2.3-dev", "1.2.3.dev0"),
        ("1.2.3-dev", "1.2.3-dev", "1.2.3.dev0"),
        ("1.2.3.dev4", "1.2.3-dev.4", "1.2.3.dev4"),
    ],
)
def test_text_to_the_train_and_back(text: str, train: str, normalised: str) -> None:
    version = to_train(text)
    assert str(version) == train
    assert to_pep440(version) == normalised
    assert same(text, version)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1!1.0.0", "has an epoch (1!)"),
        ("1.0.0.post2", "is a post release (.post2)"),
        ("1.0.0+ubuntu1", "has a local version (+ubuntu1)"),
        ("1.0.0.0", "has 4 release numbers"),
        ("1.0.0rc1.dev2", "is both a pre-release and a dev release"),
        ("1.0-final-final", "is not a PEP 440 version"),
    ],
)
def test_versions_the_train_cannot_carry_are_refused(text: str, why: str) -> None:
    with pytest.raises(VersionError, match=re.escape(f"{text!r} {why}")):
        to_train(text)


def test_train_versions_pep440_cannot_spell() -> None:
    with pytest.raises(VersionError, match="build metadata"):
        to_pep440(Version.parse("1.0.0+abc"))
    with pytest.raises(VersionError, match="no PEP 440 spelling"):
        to_pep440(Version.parse("1.0.0-nightly.3"))


def test_the_rc_train_in_pep440() -> None:
    v = to_train("1.4.2")
    steps = [
        v := v.bump(op, rc_train=True)
        for op in (Operation.MAJOR, Operation.RC, Operation.RC, Operation.DROP_RC)
    ]
    assert [to_pep440(s) for s in steps] == ["2.0.0.dev0", "2.0.0rc1", "2.0.0rc2", "2.0.0"]
    assert to_pep440(to_train("0.7.3").bump(Operation.MAJOR)) == "0.8.0"  # Cargo's rule for 0.x
    assert to_pep440(to_train("0.0.3").bump(Operation.MAJOR)) == "0.0.4"


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("pkg==1.2.3", [("==", "1.2.3", 5)]),
        ("pkg[a, b] >= 1.2.3 , < 2 ; python_version >= '3.11'", [(">=", "1.2.3", 13), ("<", "2", 23)]),
        ("pkg (>=1.0,<2)", [(">=", "1.0", 7), ("<", "2", 12)]),
        ("pkg~=1.2", [("~=", "1.2", 5)]),
        ('pkg; python_version >= "3.11"', []),
        ("pkg @ https://example.org/pkg-1.0.tar.gz", []),
        ("Pkg_Name.X>=0.4.2,<0.5", [(">=", "0.4.2", 12), ("<", "0.5", 19)]),
    ],
)
def test_clauses_are_located_in_the_text(text: str, spans: list[tuple[str, str, int]]) -> None:
    found = clauses(text)
    assert [(c.op, c.version, c.start) for c in found] == spans
    assert all(text[c.start : c.end] == c.version for c in found)


def test_a_requirement_that_is_not_pep508() -> None:
    with pytest.raises(RequirementProblem, match="is not a PEP 508 requirement"):
        clauses("pkg==1.0;;")


def moved(text: str, old: str, new: str) -> str | None:
    edits = follow(clauses(text), to_train(old), to_train(new))
    if edits is None:
        return None
    for start, end, spelled in sorted(edits, reverse=True):
        text = text[:start] + spelled + text[end:]
    return text


@pytest.mark.parametrize(
    ("text", "old", "new", "after"),
    [
        ("pkg==1.4.2", "1.4.2", "2.0.0", "pkg==2.0.0"),
        ("pkg==1.4", "1.4.0", "1.5.0", "pkg==1.5.0"),
        ("pkg>=1.4.2,<2", "1.4.2", "2.0.0", "pkg>=2.0.0,<3"),
        ("pkg >= 1.4.2, < 2.0.0", "1.4.2", "2.0.0", "pkg >= 2.0.0, < 3.0.0"),
        ("pkg<2,>=1.4.2", "1.4.2", "1.4.3", "pkg<2,>=1.4.3"),
        ("pkg>=0.4.2,<0.5", "0.4.2", "0.5.0", "pkg>=0.5.0,<0.6"),
        ("pkg>=0.4.2,<0.5.0", "0.4.2", "0.5.0", "pkg>=0.5.0,<0.6.0"),
        ("pkg>=0.0.3,<0.0.4", "0.0.3", "0.0.4", "pkg>=0.0.4,<0.0.5"),
        ("pkg>=1.1.0,<1.2.0", "1.1.0", "2.0.0", "pkg>=2.0.0,<2.1.0"),  # a minor-level bound keeps its level
        ("pkg>=0.4.2,<1", "0.4.2", "0.5.0", "pkg>=0.5.0,<1"),
        ("pkg>=1.4.2,<2", "1.4.2", "2.0.0.dev0", "pkg>=2.0.0.dev0,<3"),
        ("pkg~=1.4.2", "1.4.2", "2.0.0", "pkg~=2.0.0"),
        ("pkg~=1.4", "1.4.2", "2.0.0", "pkg~=2.0"),
        ("pkg~=1.4", "1.4.2", "1.4.2rc1", None),  # a pre-release: `~=X.Y` is a range then
        ("pkg>=1.4.2", "1.4.2", "2.0.0", "pkg>=2.0.0"),
        ("pkg>=1.0", "1.4.2", "2.0.0", None),
        ("pkg>=1.4.1,<2", "1.4.2", "1.4.3", None),  # a lower bound below the member's version stays
        ("pkg>=4.1.0,<5.0.0", "4.2.0", "5.0.0", "pkg>=5.0.0,<6.0.0"),  # until the bump outgrows the range
        ("pkg>=1.4.1,<2", "1.4.2", "2.0.0.dev0", "pkg>=2.0.0.dev0,<3"),
        ("pkg>=1.4.2,<3", "1.4.2", "2.0.0", None),  # not a next bound
        ("pkg==1.4.*", "1.4.2", "1.4.3", None),
        ("pkg", "1.4.2", "2.0.0", None),
    ],
)
def test_what_follows_the_member(text: str, old: str, new: str, after: str | None) -> None:
    assert moved(text, old, new) == after


def test_ranges_admit_and_pins() -> None:
    assert admits(clauses("pkg>=1.0"), to_train("2.0.0"))
    assert not admits(clauses("pkg>=1.0,<2"), to_train("2.0.0"))
    assert admits(clauses("pkg>=2.0.0rc1,<3"), to_train("2.0.0rc1"))
    assert is_pin(clauses("pkg==1.0")) and not is_pin(clauses("pkg==1.*")) and not is_pin(clauses("pkg>=1"))
    assert compatible_range(to_train("1.4.2")) == ">=1.4.2,<2"
    assert compatible_range(to_train("0.4.2")) == ">=0.4.2,<0.5"
    assert compatible_range(to_train("0.0.3")) == ">=0.0.3,<0.0.4"
