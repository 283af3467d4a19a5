"""`status`: the train at a glance, as one value the CLI renders (a rich table or JSON).

Everything is read from the forge (the origin's branches and tags, its PRs, releases and security
issues), from `main`'s tree on the origin, and from the registry's index (which releases are
unfinished, and where each recent tag stands: `publish/state.py`), never from whatever the local
checkout happens to hold. Nothing
is changed, except that the working repository's remote-tracking refs and tags are fetched and
what each examined tag publishes is cached under `[publish] journal-dir`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from release_train.errors import ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.gates import advisory_gate
from release_train.flows.lines.release_lines import Line, release_lines
from release_train.flows.publish import state
from release_train.flows.train.tick import Slot, schedule, upcoming_slots
from release_train.forges.interface import HOLD_LABEL, HOLD_PREFIX, PullRequest
from release_train.values import dataclass


@dataclass(frozen=True)
class Blocker:
    """Something that holds a release back until a person acts."""

    kind: str  # "security-issue" | "draft-pr" | "held-release" | "unfinished-release"
    text: str
    url: str = ""
    command: str = ""  # the command that clears it, when one does

    def to_json(self) -> dict[str, Any]:
        data = {"kind": self.kind, "text": self.text, "url": self.url}
        return data | ({"command": self.command} if self.command else {})


@dataclass(frozen=True)
class Status:
    now: datetime
    main: str
    main_version: str | None  # None when it could not be read; `problems` says why
    lines: tuple[Line, ...]
    bot_prs: tuple[PullRequest, ...]
    upcoming: tuple[Slot, ...]  # the next fire of each scheduled event
    blockers: tuple[Blocker, ...]
    problems: tuple[str, ...] = ()
    tags: tuple[state.TagFacts, ...] = ()  # the tags of the supported lines; recent ones checked
    branches: bool = True  # False: a train without release branches; `lines` are main's releases

    @property
    def lines_noun(self) -> str:
        """What `lines` are, for people: "release lines" or "releases on main"."""
        return "release lines" if self.branches else f"releases on {self.main}"

    def next_date(self, event: str) -> datetime:
        return next(slot.at for slot in self.upcoming if slot.event == event)

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "main": {"branch": self.main, "version": self.main_version},
            "shape": "branches" if self.branches else "main",
            ("release_branches" if self.branches else "releases_on_main"): [
                line.to_json() for line in self.lines
            ],
            "bot_prs": [_pr_json(pr) for pr in self.bot_prs],
            "next": {slot.event: slot.at.isoformat() for slot in self.upcoming},
            "blocking": [b.to_json() for b in self.blockers],
            "problems": list(self.problems),
            "tags": [t.to_json() for t in self.tags],
        }


def _pr_json(pr: PullRequest) -> dict[str, Any]:
    return {
        "number": pr.number,
        "title": pr.title,
        "head": pr.head,
        "base": pr.base,
        "draft": pr.draft,
        "url": pr.url,
    }


def gather(env: FlowEnv) -> Status:
    now = env.ctx.clock.now().astimezone(UTC)
    settings = env.settings
    lines = tuple(_lines(env, now))  # fetches the origin first
    version, problems = _main_version(env)
    prefix = settings.branches.bot_prefix
    bot_prs = tuple(
        sorted(
            (pr for pr in env.forge.list_prs(state="open") if pr.head.startswith(prefix)),
            key=lambda p: p.number,
        )
    )
    blockers = [
        Blocker("security-issue", f"open security issue {issue.id}: {issue.title}", issue.url)
        for issue in advisory_gate.open_issues(env)  # forge issues + configured advisory sources
    ]
    blockers += [
        Blocker("draft-pr", f"PR #{pr.number} ({pr.head} -> {pr.base}) is {_held(pr)}: {pr.title}", pr.url)
        for pr in bot_prs
        if pr.draft
    ]
    from release_train.flows.train import held

    try:
        blockers += [Blocker("held-release", f"{h.label} is held: {h.why}") for h in held.find(env)]
    except ReleaseTrainError as exc:
        problems.append(f"cannot look for held releases: {exc.message}")
    board = state.board(env, lines, now)
    blockers += [Blocker("unfinished-release", text, command=command) for text, command in board.blockers]
    problems += board.problems
    return Status(
        now=now,
        main=settings.branches.main,
        main_version=version,
        lines=lines,
        bot_prs=bot_prs,
        upcoming=tuple(upcoming_slots(schedule(env), now)),
        blockers=tuple(blockers),
        problems=tuple(problems),
        tags=board.tags,
        branches=settings.release.branches,
    )


def _lines(env: FlowEnv, now: datetime) -> list[Line]:
    """The release branches; a train without them: main's releases (`flows/lines/main_lines.py`)."""
    if env.settings.release.branches:
        return release_lines(env, env.settings, now)
    from release_train.flows.lines.main_lines import next_release_day, releases_on_main

    return releases_on_main(env, env.settings, next_release_day(env.settings, now))


def _held(pr: PullRequest) -> str:
    return f"held ({HOLD_PREFIX.strip()}, no drafts here)" if HOLD_LABEL in pr.labels else "a draft"


def _main_version(env: FlowEnv) -> tuple[str | None, list[str]]:
    from release_train.flows import branchwork

    main = env.settings.branches.main
    # `release_lines` fetched the origin; a repository without one is read as it is.
    sha = env.git.rev_parse(f"refs/remotes/{branchwork.REMOTE}/{main}") or env.git.rev_parse(main)
    if sha is None:
        return None, [f"there is no branch {main!r} on the origin"]
    try:
        return str(branchwork.train_version(env, sha)), []
    except ReleaseTrainError as exc:
        # A status page that fails on the first broken manifest hides everything else it knows.
        return None, [f"cannot read the version on {main}: {exc.message}"]
