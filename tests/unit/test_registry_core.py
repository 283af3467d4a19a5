"""The registry's behaviour without HTTP, on a simulated clock: uploads, the index, limits, the
index delay, faults, auth, yank, and a restart from the data directory."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.crates import dep, fake_crate, publish_metadata

from release_train.config import Pacing
from release_train.infra.clock import FixedClock
from release_train.registries.local_cargo import Limits, Registry
from release_train.registries.local_cargo.index import ApiError, encode_publish_body

TOKEN = "s3cret"


def make(tmp_path: Path, **options: Any) -> tuple[Registry, FixedClock]:
    clock = FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    return Registry(tmp_path / "data", token=TOKEN, clock=clock, **options), clock


def upload(
    registry: Registry, name: str, version: str, token: str | None = TOKEN, **kw: Any
) -> dict[str, Any]:
    body = encode_publish_body(publish_metadata(name, version, **kw), fake_crate(name, version))
    return registry.publish(token, body)


def index_lines(registry: Registry, name: str) -> list[dict[str, Any]]:
    data = registry.index_file(name.lower())
    return [json.loads(line) for line in data.splitlines()] if data else []


def refused(registry: Registry, name: str, version: str, token: str | None = TOKEN) -> ApiError:
    with pytest.raises(ApiError) as caught:
        upload(registry, name, version, token)
    return caught.value


def test_upload_appends_an_index_line_with_the_checksum(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    answer = upload(registry, "alpha", "0.1.0")
    upload(registry, "beta", "0.1.0", deps=[dep("alpha", "^0.1.0")])
    upload(registry, "alpha", "0.2.0")
    assert answer["warnings"] == {"invalid_categories": [], "invalid_badges": [], "other": []}
    lines = index_lines(registry, "alpha")
    assert [line["vers"] for line in lines] == ["0.1.0", "0.2.0"]
    assert lines[0]["cksum"] == hashlib.sha256(fake_crate("alpha", "0.1.0")).hexdigest()
    assert lines[0]["pubtime"] == "2026-11-23T12:00:00Z"
    assert index_lines(registry, "beta")[0]["deps"][0]["name"] == "alpha"
    assert registry.download("alpha", "0.2.0") == fake_crate("alpha", "0.2.0")
    assert registry.published() == {"alpha": ["0.1.0", "0.2.0"], "beta": ["0.1.0"]}
    assert [(a.crate, a.version, a.status) for a in registry.upload_log] == [
        ("alpha", "0.1.0", 200),
        ("beta", "0.1.0", 200),
        ("alpha", "0.2.0", 200),
    ]


def test_unknown_crate_has_no_index_file(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    assert registry.index_file("nothing") is None
    with pytest.raises(ApiError) as caught:
        registry.crate_info("nothing")
    assert caught.value.status == 404


def test_bad_or_missing_token_is_403_and_nothing_is_stored(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    assert refused(registry, "alpha", "0.1.0", token="wrong").status == 403
    assert refused(registry, "alpha", "0.1.0", token=None).status == 403
    assert refused(registry, "alpha", "0.1.0", token=f"Bearer {TOKEN}").status == 403
    assert registry.published() == {}


def test_duplicate_version_is_409_even_with_other_build_metadata(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    upload(registry, "alpha", "1.0.7")
    error = refused(registry, "alpha", "1.0.7+build")
    assert error.status == 409
    assert "already uploaded" in error.detail
    assert registry.published() == {"alpha": ["1.0.7"]}


def test_names_clashing_by_case_or_separator_are_refused(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    upload(registry, "foo-bar", "0.1.0")
    for clash in ("foo_bar", "Foo-Bar"):
        error = refused(registry, clash, "0.2.0")
        assert error.status == 400
        assert "`foo-bar`" in error.detail
    assert registry.index_file("foo_bar") is None  # cargo asks by the exact lower-cased name


def test_new_crate_burst_then_429_with_retry_time_then_refill(tmp_path: Path) -> None:
    limits = Limits(new_crate=Pacing(2, 600.0), new_version=Pacing(30, 60.0))
    registry, clock = make(tmp_path, limits=limits, time_scale=60.0)
    upload(registry, "a1", "0.1.0")
    upload(registry, "a2", "0.1.0")
    error = refused(registry, "a3", "0.1.0")
    assert error.status == 429
    assert error.headers["Retry-After"] == "10"  # 600 simulated s / 60 = 10 real s
    assert error.headers["X-Retry-After-Seconds"] == "10.000"
    assert "too many new crates" in error.detail
    assert "Please try again after Mon, 23 Nov 2026 12:00:10 GMT" in error.detail
    upload(registry, "a1", "0.2.0")  # new versions have their own bucket
    clock.sleep(9.0)
    assert refused(registry, "a3", "0.1.0").headers["X-Retry-After-Seconds"] == "1.000"
    clock.sleep(1.0)
    upload(registry, "a3", "0.1.0")
    assert [a.status for a in registry.upload_log] == [200, 200, 429, 200, 429, 200]


def test_new_version_limit_rounds_retry_after_up_to_whole_seconds(tmp_path: Path) -> None:
    limits = Limits(new_crate=None, new_version=Pacing(1, 60.0))
    registry, clock = make(tmp_path, limits=limits, time_scale=240.0)
    upload(registry, "a", "0.1.0")  # a new crate: unlimited here
    upload(registry, "a", "0.2.0")
    error = refused(registry, "a", "0.3.0")
    assert (error.status, error.headers["Retry-After"]) == (429, "1")
    assert error.headers["X-Retry-After-Seconds"] == "0.250"
    assert "too many updates to existing crates" in error.detail
    clock.sleep(0.25)
    upload(registry, "a", "0.3.0")


def test_index_delay_hides_a_new_version_for_the_scaled_delay(tmp_path: Path) -> None:
    registry, clock = make(tmp_path, index_delay=30.0, time_scale=10.0)
    upload(registry, "alpha", "0.1.0")
    assert registry.index_file("alpha") is None
    assert not registry.is_visible("alpha", "0.1.0")
    assert registry.crate_info("alpha")["versions"][0]["num"] == "0.1.0"  # the API knows at once
    clock.sleep(2.9)
    assert not registry.is_visible("alpha", "0.1.0")
    clock.sleep(0.1)
    assert [line["vers"] for line in index_lines(registry, "alpha")] == ["0.1.0"]
    upload(registry, "alpha", "0.2.0")
    assert [line["vers"] for line in index_lines(registry, "alpha")] == ["0.1.0"]
    clock.sleep(3.0)
    assert [line["vers"] for line in index_lines(registry, "alpha")] == ["0.1.0", "0.2.0"]


def test_injected_failures_then_success(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    registry.faults.fail("alpha", status=500, times=2)
    assert refused(registry, "alpha", "0.1.0").status == 500
    assert refused(registry, "alpha", "0.1.0").status == 500
    upload(registry, "beta", "0.1.0")  # other crates are unaffected
    upload(registry, "alpha", "0.1.0")
    assert registry.published() == {"beta": ["0.1.0"], "alpha": ["0.1.0"]}


def test_permanent_rejection_until_cleared(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    registry.faults.reject("alpha", "the name `alpha` is reserved")
    for _ in range(3):
        error = refused(registry, "alpha", "0.1.0")
        assert (error.status, error.detail) == (400, "the name `alpha` is reserved")
    registry.faults.clear("alpha")
    upload(registry, "alpha", "0.1.0")


def test_a_refused_upload_spends_no_rate_token(tmp_path: Path) -> None:
    registry, _ = make(tmp_path, limits=Limits(new_crate=Pacing(1, 600.0)))
    registry.faults.fail("*", status=503, times=1)
    assert refused(registry, "alpha", "0.1.0").status == 503
    upload(registry, "alpha", "0.1.0")


def test_yank_and_unyank_flip_the_index_line(tmp_path: Path) -> None:
    registry, _ = make(tmp_path)
    upload(registry, "alpha", "0.1.0")
    upload(registry, "alpha", "0.2.0")
    assert registry.yank(TOKEN, "alpha", "0.1.0", yanked=True) == {"ok": True}
    assert [line["yanked"] for line in index_lines(registry, "alpha")] == [True, False]
    registry.yank(TOKEN, "alpha", "0.1.0", yanked=False)
    assert [line["yanked"] for line in index_lines(registry, "alpha")] == [False, False]
    with pytest.raises(ApiError) as caught:
        registry.yank(TOKEN, "alpha", "9.9.9", yanked=True)
    assert caught.value.status == 404
    with pytest.raises(ApiError) as caught:
        registry.yank("wrong", "alpha", "0.1.0", yanked=True)
    assert caught.value.status == 403


def test_a_restart_serves_the_same_registry(tmp_path: Path) -> None:
    registry, _ = make(tmp_path, index_delay=1000.0)
    upload(registry, "alpha", "0.1.0")
    upload(registry, "alpha", "0.2.0")
    registry.yank(TOKEN, "alpha", "0.2.0", yanked=True)
    before = registry.storage.index_file("alpha", float("inf"))
    again, _ = make(tmp_path)
    assert again.published() == {"alpha": ["0.1.0", "0.2.0"]}
    assert again.index_file("alpha") == before  # after a restart, everything stored is visible
    assert [line["yanked"] for line in index_lines(again, "alpha")] == [False, True]
    assert again.download("alpha", "0.1.0") == fake_crate("alpha", "0.1.0")
    assert refused(again, "alpha", "0.1.0").status == 409
