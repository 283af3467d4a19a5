"""The bundled local registries: Cargo's, and with --python a Python package index.

`release-train registry serve --dir DIR` serves a Cargo registry (sparse index and publish API) on
127.0.0.1 until Ctrl-C, storing everything in DIR so a restart serves the same registry. Cargo
writes the index URL into every crate it publishes, so keep the same --port from run to run.

With --crates-io-limits it answers like crates.io under load: uploads are paced by token buckets
(new crates: burst 5, then one per 600 s; new versions: burst 30, then one per 60 s) and refused
with 429 and Retry-After beyond that. --time-scale N divides every such duration (and
--index-delay) by N, so tests and benchmarks run quickly.

With --token, uploads, yanks and the admin routes need that token. It is never printed: it is
written to DIR/token (readable by you only), and the start-up text shows how to hand it to cargo
from there.

With --python it serves a Python package index instead: the real pypiserver, files kept in
DIR/packages, pip installing from its simple API (`pip install --index-url URL/simple/ NAME`).
Uploads always need a token (user `__token__`): --token, else the one an earlier run kept in
DIR/token, else a new random one, written there (readable by you only) and never printed. An
upload is stored whole or not at all, and what PyPI refuses (a `Private ::` classifier, a name or
version that does not match the file's) is refused here too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.errors import UsageError

if TYPE_CHECKING:  # imported lazily at run time: start-up must stay fast
    from collections.abc import Callable

    from release_train.registries.local_cargo import Limits, RegistryServer
    from release_train.registries.local_pypi import PypiServer
    from release_train.registries.local_server import LocalServer

DEFAULT_PORT = 8765
DEFAULT_PYTHON_PORT = 8766


def _pacing(text: str) -> tuple[int, float]:
    try:
        burst, every = text.split("/", 1)
        return int(burst), float(every)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected BURST/SECONDS, e.g. 30/60, not {text!r}") from exc


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = sub.add_parser(
        "serve",
        help="serve a local Cargo registry (--python: a Python package index) until Ctrl-C",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--dir", type=Path, required=True, help="data directory (index, crates, state)")
    serve.add_argument(
        "--python",
        action="store_true",
        help="serve a Python package index (pypiserver, the [python] extra) instead of a Cargo registry",
    )
    serve.add_argument(
        "--port",
        type=int,
        help=f"port (default {DEFAULT_PORT}, with --python {DEFAULT_PYTHON_PORT}; 0: any)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--token", help="the token uploads must carry (default: accept any); kept in DIR/token, never printed"
    )
    serve.add_argument(
        "--crates-io-limits", action="store_true", help="pace uploads like crates.io (answer 429 beyond)"
    )
    serve.add_argument(
        "--new-crate", type=_pacing, metavar="BURST/SECONDS", help="pacing of new crates (implies limits)"
    )
    serve.add_argument(
        "--new-version", type=_pacing, metavar="BURST/SECONDS", help="pacing of new versions (implies limits)"
    )
    serve.add_argument(
        "--time-scale", type=float, default=1.0, metavar="N", help="divide every simulated duration by N"
    )
    serve.add_argument(
        "--index-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="a new version shows in the index only after this many (simulated) seconds",
    )


def run(args: argparse.Namespace) -> int:
    if args.python:
        return _serve_python(args)
    from release_train.registries.local_cargo import Limits, Pacing, RegistryServer, cargo_config_toml

    args.port = DEFAULT_PORT if args.port is None else args.port
    if args.time_scale <= 0:
        raise UsageError(f"--time-scale must be positive, not {args.time_scale}")
    limits = None
    if args.crates_io_limits or args.new_crate or args.new_version:
        default = Limits.crates_io()
        limits = Limits(
            new_crate=Pacing(*args.new_crate) if args.new_crate else default.new_crate,
            new_version=Pacing(*args.new_version) if args.new_version else default.new_version,
        )
    _raise_file_limit()
    server = RegistryServer(
        args.dir,
        port=args.port,
        host=args.host,
        token=args.token,
        limits=limits,
        time_scale=args.time_scale,
        index_delay=args.index_delay,
    )
    token_file = _keep_token(args.dir, args.token)

    def announce() -> None:
        snippet = cargo_config_toml(server.index_url, replace_crates_io=True)
        _announce(server, args, limits, snippet, token_file)

    return _serve(
        server,
        f"{args.host}:{args.port}",
        "stop whatever uses that port, or pick another --port (and keep it from then on)",
        announce,
        "stopping the registry",
    )


def _serve(server: LocalServer, where: str, hint: str, announce: Callable[[], None], stopping: str) -> int:
    """Start `server` (an address in use is a usage error with `hint`), `announce` it, serve until
    Ctrl-C, then stop."""
    try:
        server.start()
    except OSError as exc:
        raise UsageError(f"cannot listen on {where}: {exc.strerror or exc}", hint=hint) from exc
    try:
        announce()
        server.wait()
    except KeyboardInterrupt:
        print(stopping, file=sys.stderr)
    finally:
        server.stop()
    return 0


def _keep_token(data_dir: Path, token: str | None) -> Path | None:
    """Write the token to DIR/token, readable by its owner only (the start-up text names the
    file, never the token). Without a token, a file left by an earlier run is removed: it would
    claim a token this run does not ask for."""
    from release_train.infra.fs import atomic_write_text

    path = data_dir.resolve() / "token"
    if token is None:
        path.unlink(missing_ok=True)
        return None
    atomic_write_text(path, token + "\n")  # created 0600; an existing file keeps its mode...
    path.chmod(0o600)  # ...so set it again
    return path


def _raise_file_limit() -> None:
    """Every open connection is a file descriptor: allow as many as the system lets this user
    have, as servers do (the usual soft limit, 1,024, is far below the hard one)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _announce(
    server: RegistryServer,
    args: argparse.Namespace,
    limits: Limits | None,
    snippet: str,
    token_file: Path | None,
) -> None:
    import shlex

    if server.previous_url:
        print(
            f"warning: {args.dir} was last served at {server.previous_url}; crates published then "
            "name that index URL. Use the same --port to keep them resolvable.",
            file=sys.stderr,
        )
    if token_file is not None:
        token_lines = [
            f"  token: required; written to {token_file} (readable by you only)",
            "",
            "cargo configuration (.cargo/config.toml, or config.toml in a CARGO_HOME of its own):",
            "",
            snippet,
            f'export CARGO_REGISTRIES_LOCAL_TOKEN="$(cat {shlex.quote(str(token_file))})"',
        ]
    else:
        token_lines = [
            "  token: any (start with --token to require one)",
            "",
            "cargo configuration (.cargo/config.toml, or config.toml in a CARGO_HOME of its own):",
            "",
            snippet,
            "export CARGO_REGISTRIES_LOCAL_TOKEN=any-token",
        ]
    lines = [
        f"local Cargo registry serving {args.dir}",
        f"  index: {server.index_url}",
        f"  api:   {server.url}",
        f"  limits: {_describe_limits(limits, args.time_scale)}",
        f"  index delay: {args.index_delay:g} s (simulated)",
        *token_lines,
        "cargo publish --registry local",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def _describe_limits(limits: Limits | None, scale: float) -> str:
    if limits is None:
        return "none"
    parts = []
    for label, pacing in (("new crates", limits.new_crate), ("new versions", limits.new_version)):
        if pacing is not None:
            parts.append(f"{label} burst {pacing.burst} then 1 per {pacing.every:g} s")
    return "; ".join(parts) + f" (time scale {scale:g}: real = simulated / {scale:g})"


def _serve_python(args: argparse.Namespace) -> int:
    import importlib.util

    cargo_only = [
        flag
        for flag, given in (
            ("--crates-io-limits", args.crates_io_limits),
            ("--new-crate", args.new_crate),
            ("--new-version", args.new_version),
            ("--time-scale", args.time_scale != 1.0),
            ("--index-delay", args.index_delay),
        )
        if given
    ]
    if cargo_only:
        raise UsageError(f"{', '.join(cargo_only)}: the Cargo registry's options, not the Python index's")
    if importlib.util.find_spec("pypiserver") is None:
        raise UsageError(
            "the local Python package index needs pypiserver, which is not installed",
            hint="install release-train with its Python extra: pip install 'release-train[python]'",
        )
    from release_train.registries.local_pypi import USER, PypiServer

    port = DEFAULT_PYTHON_PORT if args.port is None else args.port
    server = PypiServer(args.dir, port=port, host=args.host, token=args.token)
    return _serve(
        server,
        f"{args.host}:{port}",
        "stop whatever uses that port, or pick another --port",
        lambda: _announce_python(server, args.dir, USER),
        "stopping the index",
    )


def _announce_python(server: PypiServer, data_dir: Path, user: str) -> None:
    import shlex

    from pypiserver import __version__ as pypiserver_version

    token_file = shlex.quote(str(server.token_file))
    lines = [
        f"local Python package index (pypiserver {pypiserver_version}) serving {data_dir}",
        f"  index:  {server.index_url}",
        f"  upload: {server.upload_url}",
        f"  token:  required for uploads (user {user}); written to {server.token_file} (readable by you only)",
        "",
        "release-train.toml:",
        "",
        "[publish]",
        'registry = "local"',
        f'index = "{server.index_url}"',
        "",
        f'export PYPI_TOKEN="$(cat {token_file})"',
        f"pip install --index-url {server.index_url} NAME",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
