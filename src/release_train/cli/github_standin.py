"""A local stand-in for GitHub, to run the train with `[forge] kind = "github"` on one machine.

`release-train github-standin --dir DIR --repository OWNER/NAME` answers GitHub's REST endpoints
used by the GitHub forge on 127.0.0.1 until Ctrl-C. The git remote is the bare repository
DIR/NAME.git (created when missing, kept across runs); PRs, releases and checks live in memory
and are gone when it stops. Point a repository at it with:

    [project]
    repository = "OWNER/NAME"
    [forge]
    kind = "github"
    api-url = "http://127.0.0.1:PORT"

With --token-env VAR it requires the token held in VAR (401 otherwise), as GitHub does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from release_train.errors import UsageError

DEFAULT_PORT = 8766


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, required=True, help="where the bare repository lives")
    parser.add_argument(
        "--repository", default="octo/train", metavar="OWNER/NAME", help="default: %(default)s"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port on 127.0.0.1; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--token-env", metavar="VAR", help="require the token held in environment variable VAR"
    )


def run(args: argparse.Namespace) -> int:
    from release_train.github_standin import GitHubStandIn

    owner, slash, name = args.repository.partition("/")
    if not (owner and slash and name) or "/" in name:
        raise UsageError(f"--repository must be OWNER/NAME, not {args.repository!r}")
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env, "").strip()
        if not token:
            raise UsageError(f"--token-env {args.token_env}: that variable is empty", hint="export it first")
    args.dir.mkdir(parents=True, exist_ok=True)
    standin = GitHubStandIn(args.dir, args.repository, token=token, port=args.port)
    url = standin.bind()
    print(f"GitHub stand-in for {args.repository}")
    print(f"  api-url: {url}")
    print(f"  git remote: {standin.git_dir}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        standin.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0
