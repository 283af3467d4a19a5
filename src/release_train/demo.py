"""The main job: a full release month of the bundled example, on one machine, no credentials.

It builds a working repository from `examples/demo` (the Railcar workspace), an embedded local
forge as its `origin`, and a local Cargo registry server, then plays the month with the same
commands a maintainer and CI would run, printing each one as a timeline:

    Dec 05  tick          cut release-1.0.0, bump PR to 2.0.0 on main   -> merged
    Dec 08  a fix lands on main, `backport` carries it to release-1.0.0    -> merged
    Dec 20  tick          release PRs on release-1.0.0 and main         -> merged
            the marker commit is tagged v1.0.0, published, released
    Dec 22  a second fix, backported; notes for 1.0.1; `release-patch`     -> merged
            tagged v1.0.1, published, released
            a consumer crate resolves railcar 1.0.1 from the registry

Everything happens for real (git merges, cargo publish); only the dates are simulated (`--now`).

With `forge="github"` the same month (`play`, one piece of code) runs against the GitHub stand-in
started in-process on 127.0.0.1 (`[forge] kind = "github"`, a throwaway token it requires); only
the setup differs. `run` returns what the month left behind (`Month`), read through the Forge
Protocol and the registry, so the two forges can be compared.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from release_train.errors import ReleaseTrainError
from release_train.forges.interface import Forge, PullRequest, Release
from release_train.infra import proc
from release_train.infra.clock import parse_now
from release_train.infra.git import Git, init_repo

if TYPE_CHECKING:
    from release_train.forges.github_standin import GitHubStandIn
    from release_train.registries.local_cargo import RegistryServer

ForgeKind = Literal["local", "github"]
FORGE_KINDS: tuple[ForgeKind, ...] = ("local", "github")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo"
TOKEN_ENV = "CARGO_REGISTRY_TOKEN"  # noqa: S105 (the variable's name, not a secret)
DEMO_TOKEN = "demo-registry-token"  # noqa: S105 (a throwaway token for the throwaway local registry)
FORGE_TOKEN_ENV = "RELEASE_TRAIN_TOKEN"  # noqa: S105 (the variable's name, not a secret)
# A throwaway token the stand-in requires, so the GitHub forge's token path is exercised.
FORGE_TOKEN = "ghs_demoThrowawayToken"  # noqa: S105
REPOSITORY = "railcar/railcar"
INITIAL_IMPORT = "2026-12-01T09:00:00+00:00"


class DemoFailed(ReleaseTrainError):
    exit_code = 1


class MonthClock:
    """The month's simulated date: the `--now` of the latest command that gave one. The GitHub
    stand-in dates its merge commits by it (as the local forge does by `--now`), so release dates
    read from commits agree between the two forges. Waits are real."""

    def __init__(self, at: str) -> None:
        self.at = parse_now(at)

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class Demo:
    root: Path
    say: Callable[[str], None]
    work: Path = field(init=False)
    origin: Path = field(init=False)
    clock: MonthClock = field(init=False)

    def __post_init__(self) -> None:
        self.work = self.root / "work"
        self.origin = self.root / "origin.git"
        self.clock = MonthClock(INITIAL_IMPORT)

    # --- running commands like a maintainer --------------------------------------------------
    def rt(self, *argv: str, expect: int = 0) -> int:
        """Run `release-train ARGV` in-process against the demo repository, echoing it."""
        from release_train.cli import main

        shown = " ".join(a if " " not in a else repr(a) for a in argv)
        self.say(f"\n$ release-train {shown}")
        if "--now" in argv:
            self.clock.at = parse_now(argv[argv.index("--now") + 1])
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

        forge = forge_from(load_settings(self.work))
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def registry(root: Path) -> Iterator[tuple[str, RegistryServer]]:
    """The local Cargo registry for the month; yields its index URL and the server."""
    from release_train.registries.local_cargo import RegistryServer

    with RegistryServer(root / "registry", port=free_port(), token=DEMO_TOKEN) as server:
        yield server.index_url, server


def setup(demo: Demo, index_url: str, standin: GitHubStandIn | None = None) -> None:
    """The working repository from the example; its origin is the local forge, or the GitHub
    stand-in's git remote when `standin` is given (the only forge-specific part of the month)."""
    demo.say(f"Setting up in {demo.root}")
    shutil.copytree(EXAMPLE, demo.work, ignore=shutil.ignore_patterns("target"))
    config = demo.work / "release-train.toml"
    text = config.read_text()
    if standin is None:
        text = text.replace("[forge]\n", '[forge]\npath = "../origin.git"\n', 1)
    else:
        text = text.replace("[project]\n", f'[project]\nrepository = "{REPOSITORY}"\n', 1)
        text = text.replace(
            '[forge]\nkind = "local"\n', f'[forge]\nkind = "github"\napi-url = "{standin.api_url}"\n', 1
        )
    text = text.replace(
        '[publish]\nregistry = "local"\n', f'[publish]\nregistry = "local"\nindex = "{index_url}"\n', 1
    )
    config.write_text(text)
    (demo.work / ".gitignore").write_text("target/\n")
    git = init_repo(demo.work)
    git.run("config", "user.name", "Demo Maintainer")
    git.run("config", "user.email", "maintainer@railcar.invalid")
    stamp = INITIAL_IMPORT
    git.run("add", "--all")
    git.run(
        "commit",
        "--quiet",
        "--file=-",
        input="Railcar: initial import",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )
    if standin is None:
        demo.rt("forge", "init", str(demo.origin), "--from", str(demo.work))
        return
    # `forge init` is for the local forge; on GitHub the repository exists and main is pushed.
    demo.say(f"\n$ git remote add origin {standin.git_dir} && git push origin main")
    git.run("remote", "add", "origin", str(standin.git_dir))
    git.run("push", "--quiet", "--set-upstream", "origin", "main")


def play(demo: Demo) -> None:
    say = demo.say
    say("\n== Dec 05: the schedule cuts the release branch ==")
    demo.rt("tick", "--now", "2026-12-05T00:00:00Z")
    demo.rt("pr", "list")
    demo.merge("ci/bump-to-2.0.0", "main", "2026-12-05T09:00:00Z")
    demo.sync_main()

    say("\n== Dec 08: a fix lands on main and is backported ==")
    lib = "crates/railcar-core/src/lib.rs"
    original = (demo.work / lib).read_text()
    demo.propose(
        "fix-coupling",
        "main",
        {lib: original + "\n// Fix: couplings no longer slip on grades.\n"},
        "Fix slipping couplings on grades",
        "2026-12-08",
    )
    demo.merge("fix-coupling", "main", "2026-12-08T10:00:00Z")
    demo.sync_main()
    fix = demo.head_of("main")
    demo.rt("backport", fix, "--to", "release-1.0.0")
    demo.merge_backport("release-1.0.0", "2026-12-08T11:00:00Z")

    say("\n== Dec 20: the schedule opens the release PRs ==")
    demo.rt("tick", "--now", "2026-12-20T00:00:00Z")
    demo.rt("pr", "list")
    say("\nMerging the release PR: the marker commit gets tagged, then published and released.")
    demo.merge("ci/release-1.0.0", "release-1.0.0", "2026-12-20T09:00:00Z")
    # main gets the same date change only when its notes still carry a 1.0.0 section
    demo.merge_if_open("ci/release-1.0.0", "main", "2026-12-20T09:05:00Z")
    demo.sync_main()

    say("\n== Dec 22: a patch release on release-1.0.0 ==")
    original = (demo.work / lib).read_text()
    demo.propose(
        "fix-brakes",
        "main",
        {lib: original + "// Fix: brakes release evenly.\n"},
        "Fix uneven brake release",
        "2026-12-22",
    )
    demo.merge("fix-brakes", "main", "2026-12-22T08:00:00Z")
    demo.sync_main()
    fix = demo.head_of("main")
    demo.rt("backport", fix, "--to", "release-1.0.0")
    demo.merge_backport("release-1.0.0", "2026-12-22T08:30:00Z")
    notes = demo.work / "RELEASES.md"
    demo.git("fetch", "--quiet", "origin")
    released = Git(demo.work).run("show", "origin/release-1.0.0:RELEASES.md")
    patch_notes = (
        "## 1.0.1\n\nUnreleased.\n\n### Fixed\n\n* Brakes release evenly.\n\n" + "-" * 80 + "\n\n" + released
    )
    demo.git("checkout", "--quiet", "-B", "notes-1.0.1", "origin/release-1.0.0")
    notes.write_text(patch_notes)
    demo.git("commit", "--quiet", "-am", "Release notes for 1.0.1")
    demo.git("push", "--quiet", "origin", "notes-1.0.1:refs/heads/notes-1.0.1")
    demo.git("checkout", "--quiet", "main")
    demo.rt(
        "pr", "open", "--head", "notes-1.0.1", "--base", "release-1.0.0", "--title", "Release notes for 1.0.1"
    )
    demo.merge("notes-1.0.1", "release-1.0.0", "2026-12-22T09:00:00Z")
    demo.rt("release-patch", "--branch", "release-1.0.0", "--now", "2026-12-22T10:00:00Z")
    demo.merge("ci/bump-to-1.0.1", "release-1.0.0", "2026-12-22T10:30:00Z")


def consume(demo: Demo, index_url: str) -> str:
    """A separate crate resolves the released version from the local registry."""
    from release_train.registries.local_cargo import cargo_config_toml

    consumer = demo.root / "consumer"
    (consumer / "src").mkdir(parents=True, exist_ok=True)
    (consumer / "Cargo.toml").write_text(
        '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
        '[dependencies]\nrailcar-core = "1.0"\n'
    )
    (consumer / "src" / "main.rs").write_text("fn main() {}\n")
    (consumer / ".cargo").mkdir(exist_ok=True)
    (consumer / ".cargo" / "config.toml").write_text(cargo_config_toml(index_url, replace_crates_io=True))
    env = {"CARGO_TARGET_DIR": str(demo.root / "target")}
    proc.run(["cargo", "generate-lockfile"], cwd=consumer, env=env)
    proc.run(["cargo", "fetch"], cwd=consumer, env=env)
    lock = (consumer / "Cargo.lock").read_text()
    marker = 'name = "railcar-core"\nversion = "'
    start = lock.index(marker) + len(marker)
    return lock[start : lock.index('"', start)]


@dataclass(frozen=True)
class Month:
    """What the month left behind, read through the Forge Protocol and the registry."""

    prs: tuple[PullRequest, ...]  # every PR, oldest first
    tags: dict[str, str]  # name -> commit
    releases: tuple[Release, ...]  # sorted by tag
    published: dict[str, list[str]]  # crate -> versions on the registry
    resolved: str  # the version the consumer crate resolved


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set variables for the month (the CLI reads its tokens and cargo its home from them) and
    put back what was there, so a demo run in-process leaves the caller's environment alone."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def github_standin(demo: Demo) -> Iterator[GitHubStandIn]:
    """The GitHub stand-in on 127.0.0.1, its git remote where the local forge's would be."""
    from release_train.forges.github_standin import GitHubStandIn

    with GitHubStandIn(
        demo.root / "github", REPOSITORY, token=FORGE_TOKEN, clock=demo.clock, git_dir=demo.origin
    ) as server:
        yield server


def run(root: Path, say: Callable[[str], None], forge: ForgeKind = "local") -> Month:
    demo = Demo(root, say)
    env = {
        TOKEN_ENV: DEMO_TOKEN,  # the CLI layer reads the registry token from here
        # cargo (package, publish, fetch) keeps its caches in the demo directory, not in ~/.cargo
        "CARGO_HOME": str(root / "cargo-home"),
    }
    if forge == "github":
        env[FORGE_TOKEN_ENV] = FORGE_TOKEN
    with environment(**env), registry(root) as (index_url, server):
        if forge == "github":
            with github_standin(demo) as standin:
                month = _month(demo, index_url, server.published, standin)
        else:
            month = _month(demo, index_url, server.published, None)
    tags = sorted(month.tags)
    version = month.resolved
    say(f'\nA consumer crate resolved railcar-core = "1.0" to {version} from the local registry.')
    say(f"Tags on the forge: {', '.join(tags)}")
    say(_where_to_look(demo, forge))
    if "v1.0.0" not in tags or "v1.0.1" not in tags or version != "1.0.1":
        raise DemoFailed(f"the month did not end as expected: tags {tags}, consumer resolved {version}")
    return month


def _month(
    demo: Demo,
    index_url: str,
    published: Callable[[], dict[str, list[str]]],
    standin: GitHubStandIn | None,
) -> Month:
    """Set up, play the month, show where things stand and read it back (while the forge runs)."""
    setup(demo, index_url, standin)
    play(demo)
    demo.say("\n== Where things stand ==")
    demo.rt("status", "--now", "2026-12-22T12:00:00Z")
    demo.rt("pr", "list", "--state", "all")
    demo.rt("releases")
    resolved = consume(demo, index_url)
    with demo.forge() as forge:
        prs = tuple(sorted(forge.list_prs(state=None), key=lambda pr: pr.number))
        releases = tuple(sorted(forge.list_releases(), key=lambda r: r.tag))
        tags = forge.tags()
    return Month(prs, tags, releases, published(), resolved)


def _where_to_look(demo: Demo, forge: ForgeKind) -> str:
    if forge == "github":
        origin = "the GitHub stand-in's git remote (its PRs and releases lived in memory: listed above)"
        commands = ""
    else:
        origin = "the local forge (bare repository; PRs and releases in its .forge.sqlite3)"
        commands = (
            f"\n  release-train status -C {demo.work}\n  release-train pr list --state all -C {demo.work}"
        )
    return (
        "\nWhere to look:\n"
        f"  {demo.work}      the working repository (git log --all --graph --oneline)\n"
        f"  {demo.origin}    {origin}\n"
        f"  {demo.root / 'registry'}    the local Cargo registry (index/ and crates/)"
        f"{commands}"
    )
