"""The publish engine: one tag, or several published together, the same way.

    survey.py         each tag's tree, workspace and journal, and what the registry has of it
    plan.py           one paced schedule for all the tags: buckets, daily cap, ETA
    checks.py         what a registry would refuse, packaging once, versions that changed
    execute.py        the live upload loop: the schedule's jobs, paced, into each tag's journal
    journal.py        what a publish has done so far, so a crashed run resumes
    apply.py          `publish`: plan, print, verify, execute, close the journals
    forge_release.py  the forge release of a tag (notes, assets, "latest", yanking earlier rcs)
    finish.py         publish then forge release(s): `publish --tag`, the reactions, `tick`,
                      the end of a security release
    state.py          where a release tag stands: unfinished releases, the dashboard's tags

`run_reaction` here is the forge's reaction to a new tag (see `cli/reactions.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_train.config import Settings
    from release_train.context import Context
    from release_train.forges.interface import Forge, PushEvent, Release
    from release_train.registries.interface import RegistryFactory


def run_reaction(
    settings: Settings, forge: Forge, event: PushEvent, ctx: Context, *, registry: RegistryFactory
) -> Release | None:
    """Publish a new tag to `registry`, then create its forge release (`finish.finish_new_tag`)."""
    from release_train.flows.publish.finish import finish_new_tag

    return finish_new_tag(settings, forge, event, ctx, registry=registry)
