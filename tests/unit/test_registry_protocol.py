"""Cargo's registry protocol as pure functions: paths, names, versions, bodies, index lines."""

from __future__ import annotations

import pytest
from tests.fixtures.crates import dep, publish_metadata

from release_train.registries.local_cargo.index import (
    ApiError,
    canonical_name,
    check_name,
    check_version,
    encode_publish_body,
    index_entry,
    index_path,
    name_from_index_path,
    parse_publish_body,
    version_key,
)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a", "1/a"),
        ("ab", "2/ab"),
        ("abc", "3/a/abc"),
        ("serde", "se/rd/serde"),
        ("Cargo-Deny", "ca/rg/cargo-deny"),
        ("abcd", "ab/cd/abcd"),
    ],
)
def test_index_path_by_name_length(name: str, path: str) -> None:
    assert index_path(name) == path
    assert name_from_index_path(path) == name.lower()


def test_malformed_index_path_names_no_crate() -> None:
    assert name_from_index_path("xx/rd/serde") is None
    assert name_from_index_path("serde") is None


def test_names_that_differ_by_case_or_separator_are_one_crate() -> None:
    assert canonical_name("Foo-Bar") == canonical_name("foo_bar") == "foo_bar"


@pytest.mark.parametrize(
    "name", ["", "1abc", "a b", "caf\u00e9", "x" * 65, "-lead", "\uff41bc", "nul", "Com1", "lpt9"]
)
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(ApiError) as caught:
        check_name(name)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "version",
    [
        "1.0",
        "01.0.0",
        "1.0.0-",
        "v1.0.0",
        "1.0.0+",
        "1\u0660.0.0",  # an Arabic-Indic zero after an ASCII 1
        "1.0.0-rc.1\u0662",
        "1.0.0-\u0663a",
        "1.0.0+b\u0969",
        "\uff11.0.0",
        "18446744073709551616.0.0",  # one past u64
        " 1.0.0",
        "1.0.0\n",
    ],
)
def test_invalid_versions_are_refused(version: str) -> None:
    with pytest.raises(ApiError):
        check_version(version)


def test_valid_versions_and_build_metadata_clash() -> None:
    for version in ("0.1.0", "48.0.0-rc.1", "1.0.7+build.5", "1.0.0-alpha-1.x", "18446744073709551615.0.0"):
        check_version(version)
    assert version_key("1.0.7+x") == version_key("1.0.7")


def test_publish_body_round_trip_and_truncation() -> None:
    meta = publish_metadata("alpha", "0.1.0")
    body = encode_publish_body(meta, b"CRATE")
    upload = parse_publish_body(body)
    assert (upload.name, upload.version, upload.crate) == ("alpha", "0.1.0", b"CRATE")
    with pytest.raises(ApiError, match="truncated"):
        parse_publish_body(body[:-1])
    with pytest.raises(ApiError, match="truncated"):
        parse_publish_body(b"\x01")


def test_metadata_deps_become_index_deps() -> None:
    meta = publish_metadata(
        "beta",
        "1.2.3",
        deps=[
            dep("alpha", "^0.1.0"),
            # renamed: metadata names the real package, the index names the alias
            dep("gamma", "=2.0.0", explicit_name_in_toml="g", kind="dev", optional=True),
            {"name": "delta", "version_req": "*"},  # cargo omits unset fields
            dep("serde", "^1", registry="https://github.com/rust-lang/crates.io-index", target="cfg(unix)"),
        ],
    )
    meta["features"] = {"fancy": ["dep:g", "g?/extra"]}
    entry = index_entry(meta, "ab" * 32, "2026-11-23T00:00:00Z")
    assert entry["name"] == "beta"
    assert entry["vers"] == "1.2.3"
    assert entry["cksum"] == "ab" * 32
    assert entry["yanked"] is False
    assert entry["v"] == 2
    assert entry["features"] == {"fancy": ["dep:g", "g?/extra"]}
    alpha, gamma, delta, serde = entry["deps"]
    assert alpha == {
        "name": "alpha",
        "req": "^0.1.0",
        "features": [],
        "optional": False,
        "default_features": True,
        "target": None,
        "kind": "normal",
        "registry": None,
        "package": None,
    }
    assert (gamma["name"], gamma["package"], gamma["kind"], gamma["optional"]) == ("g", "gamma", "dev", True)
    assert (delta["kind"], delta["default_features"], delta["registry"]) == ("normal", True, None)
    assert serde["registry"] == "https://github.com/rust-lang/crates.io-index"
    assert serde["target"] == "cfg(unix)"
