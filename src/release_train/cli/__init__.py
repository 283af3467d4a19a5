"""The command line: `release-train COMMAND ...`.

Start-up is kept fast on purpose (`--help` must cost little more than starting Python): this
module imports only the standard library's `sys`; the top-level help is rendered from the literal
table below, and a command's module (and argparse, rich, httpx...) is imported only when that
command runs. Each command module provides `configure(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import sys

# name -> (module under release_train.cli, one-line summary). Grouped for the help screen.
COMMANDS: dict[str, tuple[str, str]] = {
    # the workspace
    "packages": ("packages", "List packages in publish order with version, public/internal, publishable"),
    "bump": ("bump", "Bump versions: major, patch, rc or drop-rc (manifests, lock file, version files)"),
    "verify": (
        "verify",
        "Find every problem a release would hit (workspace, registry, notes), changing nothing",
    ),
    "config": ("config", "Print every resolved setting and its source; --reference: every key"),
    # the train
    "cut": ("cut", "Cut release-V from main and propose the major bump on main (the 5th)"),
    "release-latest": ("release", "Propose the release PR on the latest release branch (the 20th)"),
    "release-rc": ("release_rc", "Propose the next release candidate on the latest release branch"),
    "release-patch": ("patch", "Propose a patch release on a release branch"),
    "release": (
        "release_main",
        "Without release branches: propose a major, minor or patch release PR to main",
    ),
    "tag": (
        "tag",
        "Tag the newest marker commit of a pushed range, when it is safe; --held: tag held releases now green",
    ),
    "publish": ("publish", "Publish every package of a tag in dependency order, paced, resumable"),
    "tick": ("tick", "Do whatever the schedule says is due now"),
    "status": ("status", "The train at a glance: versions, branches, tags, open PRs, next dates"),
    "branches": ("branches", "List release branches with their support window"),
    "backport": ("backport", "Cherry-pick a commit or PR onto release branches as PRs"),
    "security": ("security", "Prepare, inspect and ship a security release across supported lines"),
    # the local stand-ins
    "forge": ("forge", "The embedded local forge: init, checks"),
    "pr": ("pr", "Pull requests on the local forge: list, show, merge"),
    "releases": ("releases", "Forge releases: list"),
    "registry": ("registry", "The bundled local Cargo registry: serve"),
    "github-standin": ("github_standin", "Serve a local GitHub stand-in (REST API and git remote)"),
    "demo": ("demo", "Play a full release month on the bundled example (local forge and registry)"),
    "init": ("init", "Write a release-train.toml (and GitHub workflows) for this repository"),
    "doctor": ("doctor", "Check what a release day needs and say how to fix each miss"),
}

USAGE = "usage: release-train [--help] [--version] COMMAND [ARGS...]"


def _help() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        USAGE,
        "",
        "Run a monthly release train for a multi-package repository: cut a release branch,",
        "propose version bumps and release PRs, tag marker commits, publish in dependency order.",
        "",
        "commands:",
    ]
    lines += [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in COMMANDS.items()]
    lines += ["", "Run `release-train COMMAND --help` for the options of one command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # what is still buffered: a reader gone by now is seen here, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`release-train ... | head`): not a failure of ours. Point stdout
        # at /dev/null so Python's own flush at exit does not complain a second time.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports it


def _main(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help", "help"):
        print(_help())
        return 0 if args else 2
    if args[0] == "--version":
        from release_train import __version__

        print(f"release-train {__version__}")
        return 0
    name = args[0]
    if name not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        print(f"release-train: unknown command {name!r}.{hint}\n{USAGE}", file=sys.stderr)
        return 2
    from release_train.cli.runner import run_command

    return run_command(name, COMMANDS[name], args[1:])
