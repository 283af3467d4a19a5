"""How cargo is pointed at the local registry: environment variables, `--config` arguments, or a
config file.

Registry settings map to `CARGO_REGISTRIES_<NAME>_*` (name upper-cased, `-` as `_`); an
authenticated registry needs a credential provider, so `cargo:token` is set explicitly.

Replacing crates.io by the local registry keeps plain `path` + `version` dependencies (which cargo
publishes as crates.io dependencies) resolvable without editing the workspace's manifests and
without network access. Stable cargo cannot do that through the environment: a `[source]` entry
set only by `CARGO_SOURCE_CRATES_IO_REPLACE_WITH` is ignored (checked with cargo 1.95; defining
new table keys from the environment needs the unstable `-Zadvanced-env`). So the replacement goes
either into `config.toml` of a `CARGO_HOME` of our own, or onto the command line as `--config`.
"""

from __future__ import annotations

from pathlib import Path

from release_train.infra.fs import atomic_write_text


def _env_name(registry: str) -> str:
    return registry.upper().replace("-", "_")


def cargo_env(
    index_url: str,
    token: str | None = None,
    *,
    replace_crates_io: bool = False,
    cargo_home: Path | None = None,
    registry: str = "local",
) -> dict[str, str]:
    """Environment variables for cargo to use the registry as `registry` (`--registry local`).

    With `replace_crates_io`, `cargo_home` is required: its `config.toml` is (over)written with the
    source replacement and `CARGO_HOME` points at it. Use a directory of its own, never the real
    cargo home; or use `cargo_config_args` instead.
    """
    prefix = f"CARGO_REGISTRIES_{_env_name(registry)}"
    env = {f"{prefix}_INDEX": index_url, f"{prefix}_CREDENTIAL_PROVIDER": "cargo:token"}
    if token is not None:
        env[f"{prefix}_TOKEN"] = token
    if cargo_home is not None:
        env["CARGO_HOME"] = str(cargo_home)
    if replace_crates_io:
        if cargo_home is None:
            raise ValueError(
                "cargo cannot replace crates.io through environment variables alone: pass "
                "cargo_home= (a directory of its own) or add cargo_config_args(...) to the command"
            )
        cargo_home.mkdir(parents=True, exist_ok=True)
        config = cargo_config_toml(index_url, replace_crates_io=True, registry=registry)
        atomic_write_text(cargo_home / "config.toml", config)
    return env


def cargo_config_args(
    index_url: str, *, replace_crates_io: bool = False, registry: str = "local"
) -> list[str]:
    """The same settings as `--config` arguments (they go before the cargo subcommand)."""
    args = [
        "--config",
        f'registries.{registry}.index="{index_url}"',
        "--config",
        f'registries.{registry}.credential-provider="cargo:token"',
    ]
    if replace_crates_io:
        args += ["--config", f'source.crates-io.replace-with="{registry}"']
    return args


def cargo_config_toml(index_url: str, *, replace_crates_io: bool = False, registry: str = "local") -> str:
    """The same as `config.toml` text (the token stays out of files: use the env variable)."""
    lines = [
        f"[registries.{registry}]",
        f'index = "{index_url}"',
        'credential-provider = "cargo:token"',
    ]
    if replace_crates_io:
        lines += [
            "",
            "# stand in for crates.io: plain `path` + `version` dependencies resolve here",
            "[source.crates-io]",
            f'replace-with = "{registry}"',
        ]
    return "\n".join(lines) + "\n"
