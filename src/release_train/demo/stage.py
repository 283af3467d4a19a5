"""Where the month is played: the working repository, the registry, and the forge (the local
forge, or the GitHub stand-in in-process); then what the month left behind (`Month`)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from release_train.config import load_settings
from release_train.demo import script_main, script_python
from release_train.demo.actor import (
    DEMO_TOKEN,
    EXAMPLE,
    FORGE_TOKEN,
    FORGE_TOKEN_ENV,
    INITIAL_IMPORT,
    REPOSITORY,
    TOKEN_ENV,
    Demo,
    DemoFailed,
    ForgeKind,
)
from release_train.demo.script import consume, play
from release_train.forges.interface import PullRequest, Release
from release_train.infra.git import init_repo
from release_train.values import dataclass

NOW = "2026-12-22T12:00:00Z"  # where the month ends: the status and its dashboard are as of then
DASHBOARD = "dashboard"  # `status --html` writes the month's page there
# "python": the branch train's month on the Python example (`demo --python`)
Shape = Literal["branches", "main", "python"]
SHAPES: tuple[Shape, ...] = ("branches", "main", "python")
Published = Callable[[], dict[str, list[str]]]  # package -> versions the registry holds
Consume = Callable[[Demo, str, str], str]  # (demo, index URL, requirement) -> version resolved


@contextmanager
def registry(root: Path) -> Iterator[tuple[str, Published]]:
    """The local Cargo registry for the month; yields its index URL and what it holds."""
    from release_train.registries.local_cargo import RegistryServer

    with RegistryServer(root / "registry", port=free_port(), token=DEMO_TOKEN) as server:
        yield server.index_url, server.published


@dataclass(frozen=True)
class Script:
    """One month: what is played on which example, when it ends, the registry it publishes to
    (and the variable its token is read from), what the consumer requires and must resolve, the
    tags it must leave."""

    play: Callable[[Demo], None]
    now: str
    requirement: str
    resolves: str
    tags: tuple[str, ...]
    example: Path = EXAMPLE
    serve: Callable[[Path], AbstractContextManager[tuple[str, Published]]] = registry
    token_env: str = TOKEN_ENV
    consume: Consume = consume
    lib: str = "crates/railcar-core/src/lib.rs"
    comment: str = "//"
    consumer: str = (
        'A consumer crate resolved railcar-core = "{requirement}" to {version} from the local registry.'
    )


SCRIPTS: dict[Shape, Script] = {
    "branches": Script(play, NOW, "1.0", "1.0.1", ("v1.0.0", "v1.0.1")),
    "main": Script(
        script_main.play, script_main.NOW, script_main.CONSUMER, script_main.RESOLVES, script_main.TAGS
    ),
    "python": Script(
        play,
        NOW,
        script_python.CONSUMER,
        script_python.RESOLVES,
        ("v1.0.0", "v1.0.1"),
        example=script_python.EXAMPLE,
        serve=script_python.index,
        token_env=script_python.TOKEN_ENV,
        consume=script_python.consume,
        lib=script_python.LIB,
        comment="#",
        consumer="A fresh virtual environment installed trolley~={requirement}: {version}, from the local index.",
    ),
}

if TYPE_CHECKING:
    from release_train.github_standin import GitHubStandIn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def setup(
    demo: Demo, index_url: str, standin: GitHubStandIn | None = None, shape: Shape = "branches"
) -> None:
    """The working repository from the example; its origin is the local forge, or the GitHub
    stand-in's git remote when `standin` is given (the only forge-specific part of the month).
    `shape="main"`: a train without release branches, main's notes as such a train keeps them."""
    demo.say(f"Setting up in {demo.root}")
    example = SCRIPTS[shape].example
    shutil.copytree(example, demo.work, ignore=shutil.ignore_patterns("target", "__pycache__"))
    config = demo.work / "release-train.toml"
    text = config.read_text()
    if shape == "main":
        text += "\n[release]\nbranches = false  # every release is a PR to main\n"
        (demo.work / "RELEASES.md").write_text(script_main.NOTES)
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
        input=f"{load_settings(demo.work).project_name}: initial import",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )
    if standin is None:
        demo.rt("forge", "init", str(demo.origin), "--from", str(demo.work))
        return
    # `forge init` is for the local forge; on GitHub the repository exists and main is pushed.
    demo.say(f"\n$ git remote add origin {standin.git_dir} && git push origin main")
    git.run("remote", "add", "origin", str(standin.git_dir))
    git.run("push", "--quiet", "--set-upstream", "origin", "main")


@dataclass(frozen=True)
class Month:
    """What the month left behind, read through the Forge Protocol and the registry."""

    prs: tuple[PullRequest, ...]  # every PR, oldest first
    tags: dict[str, str]  # name -> commit
    releases: tuple[Release, ...]  # sorted by tag
    published: dict[str, list[str]]  # package -> versions on the registry
    resolved: str  # the version the consumer (a crate, or a virtual environment) resolved


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
    from release_train.github_standin import GitHubStandIn

    with GitHubStandIn(
        demo.root / "github", REPOSITORY, token=FORGE_TOKEN, clock=demo.clock, git_dir=demo.origin
    ) as server:
        yield server


def run(
    root: Path, say: Callable[[str], None], forge: ForgeKind = "local", shape: Shape = "branches"
) -> Month:
    script = SCRIPTS[shape]
    demo = Demo(root, say, lib=script.lib, comment=script.comment)
    env = {
        script.token_env: DEMO_TOKEN,  # the CLI layer reads the registry token from here
        # cargo (package, publish, fetch) keeps its caches in the demo directory, not in ~/.cargo
        "CARGO_HOME": str(root / "cargo-home"),
    }
    if forge == "github":
        env[FORGE_TOKEN_ENV] = FORGE_TOKEN
    with environment(**env), script.serve(root) as (index_url, published):
        if forge == "github":
            with github_standin(demo) as standin:
                month = _month(demo, index_url, published, script, shape, standin)
        else:
            month = _month(demo, index_url, published, script, shape, None)
    tags = sorted(month.tags)
    version = month.resolved
    say("\n" + script.consumer.format(requirement=script.requirement, version=version))
    say(f"Tags on the forge: {', '.join(tags)}")
    say(_where_to_look(demo, forge))
    if not set(script.tags) <= set(tags) or version != script.resolves:
        raise DemoFailed(f"the month did not end as expected: tags {tags}, consumer resolved {version}")
    return month


def _month(
    demo: Demo,
    index_url: str,
    published: Callable[[], dict[str, list[str]]],
    script: Script,
    shape: Shape,
    standin: GitHubStandIn | None,
) -> Month:
    """Set up, play the month, show where things stand and read it back (while the forge runs)."""
    setup(demo, index_url, standin, shape)
    script.play(demo)
    demo.say("\n== Where things stand ==")
    demo.rt("status", "--now", script.now, "--html", str(demo.root / DASHBOARD))
    demo.rt("pr", "list", "--state", "all")
    demo.rt("releases")
    resolved = script.consume(demo, index_url, script.requirement)
    with demo.forge() as forge:
        prs = tuple(sorted(forge.list_prs(state=None), key=lambda pr: pr.number))
        releases = tuple(sorted(forge.list_releases(), key=lambda r: r.tag))
        tags = forge.tags()
    return Month(prs, tags, releases, published(), resolved)


def _command_name() -> str:
    """How this user runs the tool: `./dev rt` from a source checkout (it runs release-train from
    the project's .venv, which may not be on PATH), `release-train` from an installed wheel."""
    checkout = Path(__file__).resolve().parents[3]
    from_checkout = (checkout / "dev").is_file() and (checkout / "pyproject.toml").is_file()
    return "./dev rt" if from_checkout else "release-train"


def _where_to_look(demo: Demo, forge: ForgeKind) -> str:
    if forge == "github":
        origin = "the GitHub stand-in's git remote (its PRs and releases lived in memory: listed above)"
        commands = ""
    else:
        origin = "the local forge (bare repository; PRs and releases in its .forge.sqlite3)"
        rt = _command_name()
        commands = f"\n  {rt} status -C {demo.work}\n  {rt} pr list --state all -C {demo.work}"
    registry = (
        f"  {demo.root / 'registry'}    the local Cargo registry (index/ and crates/)\n"
        if (demo.root / "registry").is_dir()
        else f"  {demo.root / 'index'}    the local package index (packages/: each sdist and wheel)\n"
    )
    return (
        "\nWhere to look:\n"
        f"  {demo.work}      the working repository (git log --all --graph --oneline)\n"
        f"  {demo.origin}    {origin}\n"
        f"{registry}"
        f"  {demo.root / DASHBOARD / 'index.html'}    the release dashboard (`status --html`)"
        f"{commands}"
    )
