"""The publish planner on values: one tag is the one-element case of several, the daily cap is
counted over uploads (not packages), and a crate new to the registry is a new crate only once."""

from __future__ import annotations

from dataclasses import replace

from release_train.config import Pacing, PublishSettings
from release_train.flows.publish.execute import RESUME, Tuning
from release_train.flows.publish.plan import DAY, schedule
from release_train.flows.publish.survey import Part
from release_train.model.pacing import Estimates, Job
from release_train.registries.interface import PublishedVersion

ESTIMATES = Estimates(upload=1.0, index_delay=1.0)
TUNING = Tuning(rate_lag=0.0)


def part(tag: str, version: str, jobs: dict[str, str], present: tuple[str, ...] = ()) -> Part:
    """A tag publishing `util` then `core` (core needs util); `jobs`: crate -> action."""
    packages = (("util", version), ("core", version))
    deps = {"util": frozenset(), "core": frozenset({"util"})}
    return Part(
        tag,
        version,
        "0" * 40,
        "the registry",
        packages,
        tuple(PublishedVersion(name, version, "") for name in present),
        tuple(Job(name, version, action, deps[name]) for name, action in jobs.items()),
    )


def test_one_tag_is_the_one_element_case() -> None:
    one = part("v1.0.0", "1.0.0", {"util": "new-version", "core": "new-version"})
    planned = schedule([one], PublishSettings(), ESTIMATES, TUNING)
    assert [job.name for job in planned.jobs] == ["util", "core"]  # named by crate alone
    assert planned.jobs[1].deps == {"util"}
    assert planned.describe()[0] == one.header()
    assert planned.held == () and len(planned.days) == 1


def test_several_tags_share_one_schedule_and_name_their_jobs_apart() -> None:
    tags = [part(f"v{n}.0.1", f"{n}.0.1", {"util": "new-version", "core": "new-version"}) for n in (1, 2)]
    planned = schedule(tags, PublishSettings(), ESTIMATES, TUNING)
    assert sorted(job.name for job in planned.jobs) == [
        "core@1.0.1",
        "core@2.0.1",
        "util@1.0.1",
        "util@2.0.1",
    ]
    assert {job.name: job.deps for job in planned.jobs}["core@2.0.1"] == {"util@2.0.1"}
    assert planned.describe()[0].startswith("one publish schedule for v1.0.1, v2.0.1: 4 to upload")


def test_a_crate_new_to_the_registry_is_a_new_crate_once_its_other_versions_wait_for_it() -> None:
    tags = [part(f"v{n}.0.0", f"{n}.0.0", {"util": "new-crate", "core": "new-crate"}) for n in (1, 2)]
    planned = schedule(tags, PublishSettings(), ESTIMATES, TUNING)
    jobs = {job.name: job for job in planned.jobs}
    assert jobs["util@1.0.0"].action == "new-crate" and jobs["util@2.0.0"].action == "new-version"
    assert jobs["util@2.0.0"].deps == {"util@1.0.0"}


def test_the_daily_cap_counts_uploads_not_packages() -> None:
    cap_one = replace(PublishSettings(), daily_cap=1)
    both = {"util": "new-version", "core": "new-version"}
    tags = [
        part("v1.0.1", "1.0.1", both),
        part("v1.0.2", "1.0.2", {}, present=("util", "core")),  # all there: no upload counts
        part("v1.0.3", "1.0.3", {"util": RESUME, "core": RESUME}),  # uploaded before: only waits
        part("v1.0.4", "1.0.4", both),
    ]
    planned = schedule(tags, cap_one, ESTIMATES, TUNING)
    assert [[p.tag for p in day.parts] for day in planned.days] == [
        ["v1.0.1", "v1.0.2", "v1.0.3"],
        ["v1.0.4"],
    ]
    assert planned.held == ("v1.0.4",)
    assert [line for line in planned.describe() if "held" in line] == [
        "held by the daily cap of new versions per crate, for a later run: v1.0.4"
    ]
    assert min(u.start for u in planned.uploads if u.tag == "v1.0.4") >= DAY
    assert "; spread over 2 days by the daily cap" in planned.summary()


def test_the_schedule_waits_as_the_executor_does() -> None:
    """The same buckets and the same lag as the run: 2 at once, then one per 10 s after the lag."""
    tight = replace(PublishSettings(), new_version=Pacing(2, 10.0))
    tags = [part(f"v{n}.0.1", f"{n}.0.1", {"util": "new-version"}) for n in (1, 2, 3, 4)]
    planned = schedule(tags, tight, ESTIMATES, Tuning(rate_lag=2.0))
    assert sorted(u.start for u in planned.uploads) == [0.0, 0.0, 12.0, 22.0]
    assert planned.rates["new-version"].every == 10.0
