"""Version arithmetic of SPEC section 2, by example and by property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_train.model.version import Operation, Version, VersionError

numbers = st.integers(min_value=0, max_value=10**6)
pres = st.sampled_from(["", "dev", "rc.1", "rc.7", "rc.12"])
versions = st.builds(Version, numbers, numbers, numbers, pres)


@pytest.mark.parametrize(
    ("old", "op", "rc_train", "new"),
    [
        ("27.0.0", "major", False, "28.0.0"),
        ("27.0.3", "major", False, "28.0.0"),
        ("0.114.0", "major", False, "0.115.0"),
        ("0.114.2", "major", False, "0.115.0"),
        # Cargo: every 0.0.x is incompatible with the others (Wasmtime's wasi-http 0.0.1 -> 0.0.2)
        ("0.0.1", "major", False, "0.0.2"),
        ("0.0.0", "major", False, "0.0.1"),
        ("0.0.1", "major", True, "0.0.2-dev"),
        ("1.257.1", "minor", False, "1.258.0"),
        ("0.257.1", "minor", False, "0.258.0"),
        ("0.0.3", "minor", False, "0.1.0"),
        ("1.2.3-rc.1", "minor", False, "1.3.0"),
        ("1.2.3", "minor", True, "1.3.0-dev"),
        ("27.0.0", "patch", False, "27.0.1"),
        ("0.114.0", "patch", False, "0.114.1"),
        ("27.0.0-rc.2", "patch", False, "27.0.1-rc.2"),
        ("27.0.0", "major", True, "28.0.0-dev"),
        ("28.0.0-dev", "rc", True, "28.0.0-rc.1"),
        ("28.0.0", "rc", True, "28.0.0-rc.1"),
        ("28.0.0-rc.1", "rc", True, "28.0.0-rc.2"),
        ("28.0.0-rc.9", "rc", True, "28.0.0-rc.10"),
        ("28.0.0-rc.2", "drop-rc", True, "28.0.0"),
        ("28.0.0", "drop-rc", True, "28.0.0"),
    ],
)
def test_operations(old: str, op: str, rc_train: bool, new: str) -> None:
    assert str(Version.parse(old).bump(op, rc_train=rc_train)) == new


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "1.0",
        "01.0.0",
        "1.0.0-",
        "v1.0.0",
        "1.0.0.0",
        "",
        " 1.0.0",
        "1.0.0 ",
        "1.2.1\u0663",
        "1.0.0-rc.\u0661",
    ],
)
def test_rejects_what_is_not_semver(text: str) -> None:
    assert not Version.is_valid(text)
    with pytest.raises(VersionError, match="not a semantic version"):
        Version.parse(text)


def test_numbers_past_u64_are_refused_as_cargo_refuses_them() -> None:
    biggest = "18446744073709551615"
    assert Version.parse(f"{biggest}.0.0").major == 2**64 - 1
    for text in (f"1{biggest}.0.0", f"0.{int(biggest) + 1}.0", f"0.0.{int(biggest) + 1}-rc.1"):
        assert not Version.is_valid(text)
        with pytest.raises(VersionError, match="exceeds 18446744073709551615"):
            Version.parse(text)
    with pytest.raises(VersionError, match="past what cargo accepts"):
        Version.parse(f"{biggest}.0.0").bump("major")
    with pytest.raises(VersionError, match="past what cargo accepts"):
        Version.parse(f"0.0.{biggest}").bump("patch")


def test_rc_of_an_unrelated_prerelease_is_an_error() -> None:
    with pytest.raises(VersionError, match=r"expected -dev, -rc\.N"):
        Version.parse("1.0.0-beta").bump("rc")


def test_ordering_follows_semver() -> None:
    ordered = ["1.0.0-dev", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0", "1.0.1", "2.0.0", "10.0.0"]
    parsed = [Version.parse(v) for v in ordered]
    shuffled = [parsed[i] for i in (3, 7, 0, 5, 1, 6, 2, 4)]
    assert sorted(shuffled) == parsed


@given(versions)
def test_text_round_trips(v: Version) -> None:
    assert Version.parse(str(v)) == v
    assert str(Version.parse(str(v))) == str(v)


@given(versions)
def test_major_moves_to_the_next_breaking_version(v: Version) -> None:
    new = v.bump(Operation.MAJOR)
    assert new > v
    assert new.pre == ""
    if v.major:
        assert (new.major, new.minor, new.patch) == (v.major + 1, 0, 0)
    elif v.minor:
        assert (new.major, new.minor, new.patch) == (0, v.minor + 1, 0)
    else:
        assert (new.major, new.minor, new.patch) == (0, 0, v.patch + 1)
    dev = v.bump(Operation.MAJOR, rc_train=True)
    assert dev.core() == new
    assert dev.pre == "dev"


@given(versions)
def test_minor_keeps_the_major_and_resets_the_patch(v: Version) -> None:
    new = v.bump(Operation.MINOR)
    assert (new.major, new.minor, new.patch, new.pre) == (v.major, v.minor + 1, 0, "")
    assert new > v
    assert v.bump(Operation.MINOR, rc_train=True) == Version(v.major, v.minor + 1, 0, "dev")


@given(versions)
def test_patch_is_compatible_and_keeps_the_suffix(v: Version) -> None:
    new = v.bump(Operation.PATCH)
    assert (new.major, new.minor, new.patch, new.pre) == (v.major, v.minor, v.patch + 1, v.pre)
    assert new > v


@given(versions)
def test_rc_then_drop_rc_gives_the_core(v: Version) -> None:
    rc = v.bump(Operation.RC)
    assert rc.rc_number is not None
    assert rc.core() == v.core()
    if v.pre.startswith("rc."):
        assert rc > v
    assert rc.bump(Operation.DROP_RC) == v.core()
    assert v.core().bump(Operation.DROP_RC) == v.core()
