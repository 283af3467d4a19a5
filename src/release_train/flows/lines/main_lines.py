"""Main's releases, for a train without release branches (`[release] branches = false`): what
`status`, `branches` and the dashboard show where the branch train shows its release lines.

Every release tag (the tag pattern) belongs to a series, its major.minor (`v1.257.0` and
`v1.257.1` are the series `1.257.x`), and each series is shown as a line: released on the
committer date of its first final tag, superseded by the next series' release. The newest
series is the supported one (its patch releases are made on main) until the next scheduled
release; older ones are not supported (nothing can be released for them without a branch). A
pre-release tag alone does not release a series. No line is LTS: support windows need branches.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from release_train.config import Settings
from release_train.flows.env import FlowEnv
from release_train.flows.lines.release_lines import Line, commit_dates
from release_train.infra.git import Git
from release_train.model.branches import parse_name
from release_train.model.notes import archive_label
from release_train.model.version import Version


def releases_on_main(source: FlowEnv | Git, settings: Settings, next_release: date | None) -> list[Line]:
    """One line per released series, oldest first; `next_release` ends the newest one's support
    (None: open-ended)."""
    git = source.git if isinstance(source, FlowEnv) else source
    if git.ok("remote", "get-url", "origin"):
        git.fetch("origin")
    series: dict[tuple[int, int], list[tuple[Version, str, str]]] = {}
    for name, sha in git.tags(settings.release.tag.replace("{version}", "*")).items():
        version = parse_name(settings.release.tag, name)
        if version is not None:
            series.setdefault((version.major, version.minor), []).append((version, name, sha))
    dates = commit_dates(git, [sha for tags in series.values() for _, _, sha in tags])
    released: list[tuple[Version, date, list[tuple[Version, str, str]]]] = []
    for (major, minor), tags in series.items():
        finals = sorted(t for t in tags if not t[0].is_prerelease)
        day = dates.get(finals[0][2]) if finals else None
        if day is not None:
            released.append((Version(major, minor, 0), day, tags))
    released.sort(key=lambda item: item[0])
    lines = []
    for n, (version, day, tags) in enumerate(released):
        newest = n == len(released) - 1
        until = next_release if newest else released[n + 1][1]
        lines.append(
            Line(
                branch=archive_label(str(version)),
                version=version,
                release_date=day,
                lts=False,
                supported_until=(until - timedelta(days=1)) if until is not None else None,
                supported=newest,
                latest_tag=max(tags)[1],
                head=max(tags)[2],
            )
        )
    return lines


def next_release_day(settings: Settings, now: datetime) -> date:
    from release_train.model.calendar import next_fire, parse_cron

    return next_fire(parse_cron(settings.schedule.release), now.astimezone(UTC)).date()
