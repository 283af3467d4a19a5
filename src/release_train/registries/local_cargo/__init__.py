"""The bundled local Cargo registry: a small HTTP server that real `cargo publish` talks to, able
to simulate a public registry (time-scaled rate limits, index delay, injected faults)."""

from release_train.config import Pacing
from release_train.registries.local_cargo.cargo_config import cargo_config_args, cargo_config_toml, cargo_env
from release_train.registries.local_cargo.index import index_path
from release_train.registries.local_cargo.limits import Limits
from release_train.registries.local_cargo.registry import Registry, UploadAttempt
from release_train.registries.local_cargo.server import RegistryServer

__all__ = [
    "Limits",
    "Pacing",
    "Registry",
    "RegistryServer",
    "UploadAttempt",
    "cargo_config_args",
    "cargo_config_toml",
    "cargo_env",
    "index_path",
]
