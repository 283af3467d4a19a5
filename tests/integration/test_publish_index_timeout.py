"""The upload loop against an in-memory registry (a fake implementing the real Protocol): a
version that never shows in the index fails only the crates waiting on it."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

from release_train.context import Context
from release_train.events import Recorder
from release_train.flows.publish.execute import Batch, Target, Tuning, execute
from release_train.flows.publish.journal import Journal
from release_train.model.pacing import Job, Rate
from release_train.registries.interface import Artefact, PublishedVersion, RegistryCapability, UploadRequest
from release_train.workspaces.interface import Package


class SlowIndexRegistry:
    """Accepts every upload; the index never shows the crates named in `stuck`."""

    label = "memory"
    capabilities = frozenset(RegistryCapability)

    def __init__(self, stuck: set[str]) -> None:
        self.stuck = stuck
        self.uploaded: list[str] = []
        self._lock = threading.Lock()

    def versions(self, name: str) -> dict[str, PublishedVersion]:
        with self._lock:
            there = name in self.uploaded and name not in self.stuck
        return {"1.0.0": PublishedVersion(name, "1.0.0", "")} if there else {}

    def publish(self, request: UploadRequest) -> None:
        with self._lock:
            self.uploaded.append(request.name)

    def is_visible(self, name: str, version: str) -> bool:
        return version in self.versions(name)

    def for_package(self, name: str) -> SlowIndexRegistry:
        return self

    def yank(self, name: str, version: str) -> None:
        raise AssertionError("not used")

    def package(
        self, workspace: Path, target_dir: Path, packages: Sequence[Package]
    ) -> dict[str, tuple[Artefact, ...]]:
        raise AssertionError("not used")


def job(name: str, *deps: str) -> Job:
    return Job(name, "1.0.0", "new-version", frozenset(deps))


def test_an_index_timeout_fails_only_the_dependents_waiting_on_it(tmp_path: Path) -> None:
    jobs = [
        job("base"),
        job("slow"),
        job("mid", "base"),
        job("top", "mid", "slow"),
        job("after-slow", "slow"),
    ]
    registry = SlowIndexRegistry(stuck={"slow"})
    journal = Journal.open(tmp_path, "v1.0.0", "1.0.0", "abc")
    recorder = Recorder()
    tuning = Tuning(index_timeout=0.3, poll_first=0.01, poll_cap=0.05, rate_lag=0.0)
    targets = {j.name: Target(j.name, tmp_path, journal) for j in jobs}
    batch = Batch(jobs, targets, {"new-version": Rate(10, 0.01)}, total=5)
    outcome = execute(batch, registry, Context(observer=recorder), tuning)
    assert sorted(outcome.visible) == ["base", "mid"]
    assert list(outcome.failed) == ["slow"]
    assert "not visible in the index" in outcome.failed["slow"]
    assert outcome.blocked == ["after-slow", "top"]
    assert sorted(registry.uploaded) == ["base", "mid", "slow"]  # nothing waiting on slow was sent
    saved = json.loads(journal.path.read_text())
    assert saved["crates"] == {"base": "visible", "mid": "visible", "slow": "failed"}
