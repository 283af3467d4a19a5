"""The forge a command works on, with CI's reactions (`flows/reactions.py`) on its pushes and
merges: the CLI builds it, with the token it read, the command's context and its one `Git`."""

from __future__ import annotations

from release_train.config import Settings
from release_train.context import Context
from release_train.flows.reactions import Reactions
from release_train.forges import open_forge
from release_train.forges.interface import Forge
from release_train.infra.git import Git
from release_train.registries.interface import RegistryFactory


def forge_and_reactions(
    settings: Settings, ctx: Context, registry: RegistryFactory, git: Git
) -> tuple[Forge, Reactions]:
    """The configured forge (with its token), with every push it makes running the reactions
    (publishing to `registry`), and the reactions, for a command that runs them again."""
    from release_train.cli.common import forge_token

    handler = Reactions(settings, ctx, registry, git=git)
    forge = open_forge(settings, ctx, handler, token=forge_token(settings))
    handler.bind(forge)
    return forge, handler
