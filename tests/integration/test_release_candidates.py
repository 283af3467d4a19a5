"""Which release tags `status`, `tick` and the push reaction examine for unfinished releases: the
newest tag of each release line still within its support window, and every tag of the last
RECENT_DAYS days; nothing else, however long the history (real git, a local forge)."""

from __future__ import annotations

from pathlib import Path

from release_train.config import load_settings
from release_train.context import Context
from release_train.flows.env import FlowEnv
from release_train.flows.publish import state
from release_train.forges.local import LocalForge
from release_train.infra.clock import FixedClock, parse_now
from release_train.infra.git import init_repo

# tag -> the date of its commit. Default support: 2 months, 24 for an LTS line (major % 12 == 0).
HISTORY = {
    "v1.0.0": "2025-01-10",  # line 1.0: expired long ago
    "v1.0.1": "2025-02-01",
    "v2.0.0": "2025-12-20",  # line 2.0: supported until 2026-02-20, expired on 2026-03-01 ...
    "v2.0.1": "2026-01-15",
    "v2.0.2": "2026-02-20",  # ... but this one is 9 days old
    "v3.0.0-rc.1": "2026-02-10",  # line 3.0: not released yet, so supported; its newest tag
    "v12.0.0": "2024-06-20",  # line 12.0: LTS, supported until 2026-06-20
    "v12.0.3": "2025-11-01",
    "v13.0.0": "2024-07-20",  # line 13.0: expired
    "not-a-release": "2026-02-28",  # not a release tag at all
}


def test_the_newest_tag_of_each_supported_line_and_the_recent_tags(tmp_path: Path) -> None:
    bare = tmp_path / "origin.git"
    LocalForge.init(bare)
    work = init_repo(tmp_path / "work")
    (work.path / "release-train.toml").write_text(f'[forge]\nkind = "local"\npath = "{bare.as_posix()}"\n')
    for tag, day in sorted(HISTORY.items(), key=lambda item: item[1]):
        stamp = f"{day}T12:00:00+00:00"
        work.run(
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            tag,
            env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )
        work.run("tag", tag)
    work.run("remote", "add", "origin", str(bare))
    work.run("push", "--quiet", "origin", "main", "--tags")
    forge = LocalForge(bare)
    env = FlowEnv(load_settings(work.path), work, forge, Context(clock=FixedClock(parse_now("2026-03-01"))))

    chosen = state.candidates(env, forge.tags(), parse_now("2026-03-01").date())

    assert [tag for tag, _ in chosen] == ["v2.0.2", "v3.0.0-rc.1", "v12.0.3"]
    assert all(sha == forge.tags()[tag] for tag, sha in chosen)
    # A month later: 2.0 is gone (not recent any more), 12.0 stays (LTS), 3.0 still unreleased.
    later = state.candidates(env, forge.tags(), parse_now("2026-04-01").date())
    assert [tag for tag, _ in later] == ["v3.0.0-rc.1", "v12.0.3"]
