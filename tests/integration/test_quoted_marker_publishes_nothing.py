"""Issue 10, item 1: a commit body that only SHOWS the marker (in a fenced code block, indented
four spaces, in a block quote) pushed to `release-1.0.0` on the local forge is not tagged and
publishes nothing; the release PR's marker commit, merged next, still is tagged, published to
the real local registry by real `cargo`, and released on the forge."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.publishing import use_isolated_cargo
from tests.fixtures.train import MARKER, Train, build_train

from release_train.config import Pacing
from release_train.flows.train import release, tag
from release_train.registries.local_cargo import RegistryServer
from release_train.workspaces import load_workspace

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]

QUOTING = {
    "fenced": f"Docs: how the release commit looks\n\nThe bot writes:\n\n```\nRelease Railcar 1.0.0\n\n{MARKER}\n```\n",
    "indented": f"Docs: the marker line\n\nA release commit ends with\n\n    {MARKER}\n\nnothing else.\n",
    "quoted": f"Revert the release attempt\n\nThe bot had written:\n\n> Release Railcar 1.0.0\n>\n> {MARKER}\n",
}


@pytest.fixture
def train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Train, RegistryServer]]:
    """release-1.0.0 cut from main (version 1.0.0, never tagged), with CI's reactions on: a push
    to the branch runs `tag`, a new tag runs `publish` against the local registry server."""
    train = build_train(tmp_path, cuts=1)
    use_isolated_cargo(monkeypatch, tmp_path)
    with RegistryServer(tmp_path / "registry") as server:
        fast = Pacing(100, 0.01)
        publish = replace(
            train.settings.publish,
            registry="local",
            index=server.index_url,
            new_crate=fast,
            new_version=fast,
            index_timeout=60,
        )
        train.settings = replace(train.settings, publish=publish)
        train.publish = True
        yield train, server


def test_a_quoted_marker_tags_and_publishes_nothing_the_real_one_still_does(
    train: tuple[Train, RegistryServer],
) -> None:
    site, server = train
    for name, message in QUOTING.items():
        before = site.sha("release-1.0.0")
        assert before is not None
        sha = site.land("release-1.0.0", {"NOTE.md": f"{name}\n"}, message)  # CI's reactions ran
        assert MARKER in site.message(sha)  # it is there, only quoted
        assert site.forge.tags() == {}, name
        assert server.upload_log == [], name
        assert site.forge.list_releases() == [], name
        again = tag.plan(site.env(), before=before, after=sha, ref="refs/heads/release-1.0.0")
        assert again.steps == ()
        assert again.notes == (
            "not tagging: no commit in the range carries the release marker on a line of its own "
            f"({sha[:10]} only quotes it)",
        )

    env = site.env()
    release.apply(env, release.plan(env))
    merged = site.merge("ci/release-1.0.0", "release-1.0.0")

    assert site.forge.tags() == {"v1.0.0": merged}
    publishable = sorted(p.name for p in load_workspace(site.settings).publishable())
    assert sorted(a.crate for a in server.upload_log if a.status == 200) == publishable
    assert [r.tag for r in site.forge.list_releases()] == ["v1.0.0"]
