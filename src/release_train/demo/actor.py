"""The demo's maintainer: runs `release-train` in-process against the working repository, git in
it, and looks things up on its forge through the Forge Protocol (whichever forge it is)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from release_train.errors import ReleaseTrainError
from release_train.forges.interface import Forge
from release_train.infra.clock import PinnedClock, parse_now
from release_train.infra.git import Git
from release_train.values import dataclass, field

ForgeKind = Literal["local", "github"]
FORGE_KINDS: tuple[ForgeKind, ...] = ("local", "github")

# The Railcar workspace ships inside the package (package data), so the demo runs from an install.
EXAMPLE = Path(__file__).resolve().parent / "example"
TOKEN_ENV = "CARGO_REGISTRY_TOKEN"  # noqa: S105 (the variable's name, not a secret)
DEMO_TOKEN = "demo-registry-token"  # noqa: S105 (a throwaway token for the throwaway local registry)
FORGE_TOKEN_ENV = "RELEASE_TRAIN_TOKEN"  # noqa: S105 (the variable's name, not a secret)
# A throwaway token the stand-in requires, so the GitHub forge's token path is exercised.
FORGE_TOKEN = "ghs_demoThrowawayToken"  # noqa: S105
REPOSITORY = "railcar/railcar"
INITIAL_IMPORT = "2026-12-01T09:00:00+00:00"


class DemoFailed(ReleaseTrainError):
    exit_code = 1


class MonthClock(PinnedClock):
    """The month's simulated date: the `--now` of the latest command that gave one. The GitHub
    stand-in dates its merge commits by it (as the local forge does by `--now`), so release dates
    read from commits agree between the two forges. Waits are real (`PinnedClock`)."""

    def move_to(self, when: str) -> None:
        self._at = parse_now(when)


@dataclass
class Demo:
    root: Path
    say: Callable[[str], None]
    work: Path = field(init=False)
    origin: Path = field(init=False)
    clock: MonthClock = field(init=False)
    # the source file the month's fixes change, and how a comment starts in it
    lib: str = "crates/railcar-core/src/lib.rs"
    comment: str = "//"

    def __post_init__(self) -> None:
        self.work = self.root / "work"
        self.origin = self.root / "origin.git"
        self.clock = MonthClock(parse_now(INITIAL_IMPORT))

    # --- running commands like a maintainer --------------------------------------------------
    def rt(self, *argv: str, expect: int = 0) -> int:
        """Run `release-train ARGV` in-process against the demo repository, echoing it."""
        from release_train.cli import main

        shown = " ".join(a if " " not in a else repr(a) for a in argv)
        self.say(f"\n$ release-train {shown}")
        if "--now" in argv:
            self.clock.move_to(argv[argv.index("--now") + 1])
        sys.stdout.flush()
        code = main([*argv, "-C", str(self.work)] if argv[0] not in ("forge",) else list(argv))
        sys.stdout.flush()
        if code != expect:
            raise DemoFailed(f"`release-train {shown}` exited {code} (expected {expect})")
        return code

    def git(self, *args: str) -> str:
        return Git(self.work).run(*args)

    @contextmanager
    def forge(self) -> Iterator[Forge]:
        """The demo's forge, opened from its settings (and closed: the GitHub one holds a client)."""
        from release_train.cli.common import forge_from
        from release_train.config import load_settings
        from release_train.context import Context

        forge = forge_from(load_settings(self.work), Context())
        try:
            yield forge
        finally:
            close = getattr(forge, "close", None)
            if close is not None:
                close()

    def pr_number(self, head: str, base: str) -> int:
        with self.forge() as forge:
            pr = forge.find_pr(head, base, state=None)
        if pr is None:
            raise DemoFailed(f"expected a PR {head} -> {base}, found none")
        return pr.number

    def merge(self, head: str, base: str, when: str) -> None:
        self.rt("pr", "merge", str(self.pr_number(head, base)), "--now", when)

    def merge_if_open(self, head: str, base: str, when: str) -> None:
        with self.forge() as forge:
            found = forge.find_pr(head, base)
        if found is not None:
            self.merge(head, base, when)

    def merge_backport(self, base: str, when: str) -> None:
        """Merge the open backport PR into `base` (its branch name carries the short sha)."""
        from release_train.config import load_settings

        prefix = f"{load_settings(self.work).branches.bot_prefix}backport-"
        with self.forge() as forge:
            heads = [pr.head for pr in forge.list_prs() if pr.base == base]
        head = next((h for h in heads if h.startswith(prefix)), None)
        if head is None:
            raise DemoFailed(f"expected an open backport PR into {base}, found none")
        self.merge(head, base, when)

    def propose(self, branch: str, base: str, files: dict[str, str], title: str, when: str) -> None:
        """A contributor's PR: commit `files` on `branch` from `base`, push, open the PR."""
        self.git("fetch", "--quiet", "origin")
        self.git("checkout", "--quiet", "-B", branch, f"origin/{base}")
        for name, text in files.items():
            (self.work / name).write_text(text)
        stamp = f"{when}T12:00:00+00:00"
        Git(self.work).run(
            "commit",
            "--quiet",
            "-a",
            "--file=-",
            input=title,
            env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )
        self.git("push", "--quiet", "origin", f"{branch}:refs/heads/{branch}")
        self.git("checkout", "--quiet", "main")
        self.rt("pr", "open", "--head", branch, "--base", base, "--title", title)

    def sync_main(self) -> None:
        self.git("fetch", "--quiet", "origin")
        self.git("checkout", "--quiet", "main")
        self.git("reset", "--quiet", "--hard", "origin/main")

    def head_of(self, branch: str) -> str:
        self.git("fetch", "--quiet", "origin")
        return self.git("rev-parse", f"origin/{branch}").strip()
