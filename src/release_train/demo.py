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
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from release_train.errors import ReleaseTrainError
from release_train.forges.interface import Forge
from release_train.infra import proc
from release_train.infra.git import Git, init_repo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo"
TOKEN_ENV = "CARGO_REGISTRY_TOKEN"  # noqa: S105 (the variable's name, not a secret)
DEMO_TOKEN = "demo-registry-token"  # noqa: S105 (a throwaway token for the throwaway local registry)


class DemoFailed(ReleaseTrainError):
    exit_code = 1


@dataclass
class Demo:
    root: Path
    say: Callable[[str], None]
    work: Path = field(init=False)
    origin: Path = field(init=False)

    def __post_init__(self) -> None:
        self.work = self.root / "work"
        self.origin = self.root / "origin.git"

    # --- running commands like a maintainer --------------------------------------------------
    def rt(self, *argv: str, expect: int = 0) -> int:
        """Run `release-train ARGV` in-process against the demo repository, echoing it."""
        from release_train.cli import main

        shown = " ".join(a if " " not in a else repr(a) for a in argv)
        self.say(f"\n$ release-train {shown}")
        sys.stdout.flush()
        code = main([*argv, "-C", str(self.work)] if argv[0] not in ("forge",) else list(argv))
        sys.stdout.flush()
        if code != expect:
            raise DemoFailed(f"`release-train {shown}` exited {code} (expected {expect})")
        return code

    def git(self, *args: str) -> str:
        return Git(self.work).run(*args)

    def pr_number(self, head: str, base: str) -> int:
        pr = self.forge().find_pr(head, base, state=None)
        if pr is None:
            raise DemoFailed(f"expected a PR {head} -> {base}, found none")
        return pr.number

    def merge(self, head: str, base: str, when: str) -> None:
        self.rt("pr", "merge", str(self.pr_number(head, base)), "--now", when)

    def forge(self) -> Forge:
        from release_train.cli.common import forge_from
        from release_train.config import load_settings

        return forge_from(load_settings(self.work))

    def merge_if_open(self, head: str, base: str, when: str) -> None:
        if self.forge().find_pr(head, base) is not None:
            self.merge(head, base, when)

    def merge_backport(self, base: str, when: str) -> None:
        """Merge the open backport PR into `base` (its branch name carries the short sha)."""
        from release_train.config import load_settings

        prefix = f"{load_settings(self.work).branches.bot_prefix}backport-"
        heads = [pr.head for pr in self.forge().list_prs() if pr.base == base]
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
def registry(root: Path) -> Iterator[str]:
    """The local Cargo registry for the month; yields its index URL."""
    from release_train.registries.local_cargo import RegistryServer

    with RegistryServer(root / "registry", port=free_port(), token=DEMO_TOKEN) as server:
        yield server.index_url


def setup(demo: Demo, index_url: str) -> None:
    demo.say(f"Setting up in {demo.root}")
    shutil.copytree(EXAMPLE, demo.work, ignore=shutil.ignore_patterns("target"))
    config = demo.work / "release-train.toml"
    text = config.read_text()
    text = text.replace("[forge]\n", '[forge]\npath = "../origin.git"\n', 1)
    text = text.replace(
        '[publish]\nregistry = "local"\n', f'[publish]\nregistry = "local"\nindex = "{index_url}"\n', 1
    )
    config.write_text(text)
    (demo.work / ".gitignore").write_text("target/\n")
    git = init_repo(demo.work)
    git.run("config", "user.name", "Demo Maintainer")
    git.run("config", "user.email", "maintainer@railcar.invalid")
    stamp = "2026-12-01T09:00:00+00:00"
    git.run("add", "--all")
    git.run(
        "commit",
        "--quiet",
        "--file=-",
        input="Railcar: initial import",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )
    demo.rt("forge", "init", str(demo.origin), "--from", str(demo.work))


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


def run(root: Path, say: Callable[[str], None]) -> None:
    demo = Demo(root, say)
    os.environ[TOKEN_ENV] = DEMO_TOKEN  # the CLI layer reads the registry token from here
    # cargo (package, publish, fetch) keeps its caches in the demo directory, not in ~/.cargo
    os.environ["CARGO_HOME"] = str(root / "cargo-home")
    with registry(root) as index_url:
        setup(demo, index_url)
        play(demo)
        say("\n== Where things stand ==")
        demo.rt("status", "--now", "2026-12-22T12:00:00Z")
        demo.rt("releases")
        version = consume(demo, index_url)
    tags = Git(demo.origin).run("tag", "--list").split()
    say(f'\nA consumer crate resolved railcar-core = "1.0" to {version} from the local registry.')
    say(f"Tags on the forge: {', '.join(tags)}")
    say(
        "\nWhere to look:\n"
        f"  {demo.work}      the working repository (git log --all --graph --oneline)\n"
        f"  {demo.origin}    the local forge (bare repository; PRs and releases in its .forge.sqlite3)\n"
        f"  {root / 'registry'}    the local Cargo registry (index/ and crates/)\n"
        f"  release-train status -C {demo.work}\n"
        f"  release-train pr list --state all -C {demo.work}"
    )
    if "v1.0.0" not in tags or "v1.0.1" not in tags or version != "1.0.1":
        raise DemoFailed(f"the month did not end as expected: tags {tags}, consumer resolved {version}")
