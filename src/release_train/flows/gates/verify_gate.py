"""The verify gate: `cut`, `release-latest`, `release-rc` and `release-patch` run every check of
`verify` at plan time, on the commit they propose from, and refuse to propose (nothing changed)
with the same messages `verify` prints. `--allow-verify-failures` proposes anyway; the PR body
then lists what failed and says that the gate was overridden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from release_train.errors import RefusedError
from release_train.values import dataclass, replace

if TYPE_CHECKING:
    from release_train.context import Context
    from release_train.flows.branchwork import Proposal
    from release_train.flows.gates.verify import VerifyReport

OVERRIDE_FLAG = "--allow-verify-failures"


class VerifyFailed(RefusedError):
    """`verify` finds problems on the commit a flow would propose from; nothing was changed."""


@dataclass(frozen=True)
class VerifyGate:
    problems: tuple[str, ...]
    allowed: bool  # the override was given and something failed

    def summary_markdown(self) -> str:
        if not self.problems:
            return "### Checks\n\nEvery check of `release-train verify` passed when this PR was proposed.\n"
        listed = "\n".join(f"- {p}" for p in self.problems)
        return (
            f"### Checks\n\n`release-train verify` found {len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''} when this PR was proposed:\n\n{listed}\n\n"
            f"**The gate was overridden** with `{OVERRIDE_FLAG}`: fix these before the release is tagged.\n"
        )


def enforce(report: VerifyReport, *, allow: bool, flow: str, where: str, ctx: Context) -> VerifyGate:
    """Raise `VerifyFailed` listing every problem unless `allow`; `where` names the commit."""
    failed = [c for c in report.checks if not c.ok]
    problems = tuple(report.problems)
    if failed and not allow:
        listed = "\n".join(
            f"  {c.name}:\n" + "\n".join(f"    - {p}".replace("\n", "\n      ") for p in c.problems)
            for c in failed
        )
        raise VerifyFailed(
            f"{flow} is refused: `release-train verify` finds {len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''} on {where}:\n{listed}",
            hint=f"fix each as said (through a PR), then run again, or re-run with {OVERRIDE_FLAG} to propose "
            "anyway (the PR body records it); nothing was changed",
        )
    if failed:
        ctx.emit(
            "warn",
            f"verify finds {len(problems)} problems on {where}; proceeding because {OVERRIDE_FLAG} was given",
        )
    return VerifyGate(problems, allowed=bool(failed))


def annotate(proposals: Sequence[Proposal], gate: VerifyGate) -> list[Proposal]:
    """The proposals with the gate's section appended to each PR body."""
    return [replace(p, pr_body=f"{p.pr_body.rstrip()}\n\n{gate.summary_markdown()}") for p in proposals]
