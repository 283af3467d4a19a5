"""The two gates every release proposal passes at plan time, in their order: `verify` on the
commit (`verify_gate.py`), then the open security issues (`advisory_gate.py`). Both speak before
anything changes; `annotate` then writes both verdicts into each PR body and, for a commit that
carries the release marker, the marker at the body's end (`branchwork.carry_marker`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from release_train.flows.env import FlowEnv
from release_train.flows.gates import advisory_gate, verify_gate
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.flows.branchwork import Bumped, Proposal


@dataclass(frozen=True)
class ReleaseGates:
    checks: verify_gate.VerifyGate
    advisories: advisory_gate.GateResult
    marker: str

    def annotate(self, proposals: Sequence[Proposal]) -> list[Proposal]:
        from release_train.flows import branchwork as bw

        gated = verify_gate.annotate(advisory_gate.annotate(proposals, self.advisories), self.checks)
        return bw.carry_marker(gated, self.marker)


def enforce(
    env: FlowEnv,
    bumped: Bumped,
    *,
    branch: str,
    sha: str,
    flow: str,
    allow_verify_failures: bool,
    allow_open_advisories: bool,
) -> ReleaseGates:
    """Refuse (nothing changed) unless both gates pass at `sha`, the tip of `branch`, or their
    override is given."""
    checks = bumped.gate(env, allow=allow_verify_failures, flow=flow, where=f"{branch} ({sha[:10]})")
    advisories = advisory_gate.enforce(env, sha, allow=allow_open_advisories, flow=flow)
    return ReleaseGates(checks, advisories, env.settings.release.marker)
