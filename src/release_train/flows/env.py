"""What a flow runs against: settings, the working repository, the forge and the context.

The CLI builds a `FlowEnv` and hands it to a flow; flows never read argv or the environment.
Each flow module exposes `plan(env, ...) -> Plan` (a value: `--dry-run` prints it) and
`apply(env, plan) -> Report`, where every apply step observes the world first and does only
what is missing, so re-runs converge.
"""

from __future__ import annotations

from release_train.config import Settings
from release_train.context import Context
from release_train.forges.interface import Forge
from release_train.infra.git import Git
from release_train.registries.interface import RegistryFactory, no_registry
from release_train.values import dataclass


@dataclass
class FlowEnv:
    settings: Settings
    git: Git  # the working repository at settings.root; its `origin` is the forge
    forge: Forge
    ctx: Context
    # The registry, opened (with its token) by the CLI when a flow first needs it.
    open_registry: RegistryFactory = no_registry
