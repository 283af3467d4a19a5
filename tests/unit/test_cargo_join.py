"""`cargo_manifest.join` joins the usual path dependencies by hand; whatever it is given, it gives
what `os.path.normpath(os.path.join(...))` gives (Cargo's lexical normalisation, no links)."""

from __future__ import annotations

import itertools
import os

import pytest

from release_train.workspaces.cargo_manifest import join

BASES = ["/", "/a", "/a/b", "/a/b/c", "/w-s/crates.d/x", "//a/b", "a/b", "."]
PARTS = ["", ".", "..", "x", "x.y", "c0300", "x-1"]


def relatives() -> list[str]:
    found = set()
    for n in range(1, 4):
        for combo in itertools.product(PARTS, repeat=n):
            text = "/".join(combo)
            found |= {text, f"{text}/", f"/{text}"}
    return sorted(found)


@pytest.mark.parametrize("base", BASES)
def test_join_is_normpath_of_the_joined_path(base: str) -> None:
    for relative in relatives():
        assert join(base, relative) == os.path.normpath(os.path.join(base, relative)), relative  # noqa: PTH118


def test_usual_path_dependencies() -> None:
    assert join("/ws/crates/a", "../b") == "/ws/crates/b"
    assert join("/ws", "crates/b") == "/ws/crates/b"
    assert join("/ws/crates/a", "../../../../x") == "/x"
