"""The semver gate (SPEC 3.8): before a patch release, the public packages of the line must not
break their API against the line's previous release.

The ecosystem's checker (`release_train.checkers`) runs in a temporary checkout of the commit to
be released, against the previous tag. Its verdict goes into the PR body whatever it is; a break
(or a checker that was installed but could not run) stops the flow unless `allow_breaking`; a
missing checker is said plainly ("API not checked: ...") and does not block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from release_train.checkers import ApiReport, checker_for
from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv

if TYPE_CHECKING:
    from release_train.workspaces.interface import Workspace


class ApiBreak(RefusedError):
    """A public package changed its API in a semver-breaking way on a patch line."""


def check(env: FlowEnv, *, branch: str, rev: str, baseline: str, allow_breaking: bool = False) -> ApiReport:
    """Check the public packages at `rev` (on `branch`) against the tag `baseline`, each
    `[[workspace]]` entry by its kind's checker. Raises `ApiBreak` when a checker blocks and
    `allow_breaking` is false."""
    from release_train.workspaces import load_workspace

    with bw.checkout(env, rev) as (_, settings):
        parts = load_workspace(settings).parts()
        kinds = [entry.kind for entry in settings.workspaces]
        has_tag = env.git.rev_parse(f"refs/tags/{baseline}") is not None
        reports = [
            _check_part(part, kind, baseline, has_tag) for part, kind in zip(parts, kinds, strict=True)
        ]
    report = reports[0] if len(reports) == 1 else _joined(reports)
    _judge(env, branch, report, allow_breaking)
    return report


def _check_part(part: Workspace, kind: str, baseline: str, has_tag: bool) -> ApiReport:
    checker = checker_for(kind)
    packages = sorted((p for p in part.publishable() if p.public), key=lambda p: p.name)
    public = tuple(p.name for p in packages)
    if checker is None:
        return ApiReport(kind, "not-checked", baseline, public, f"API not checked: no checker for {kind}")
    if not has_tag:
        return ApiReport(
            checker.name,
            "not-checked",
            baseline,
            public,
            f"API not checked: there is no tag {baseline} to compare with",
        )
    if not public:
        return ApiReport(checker.name, "clean", baseline, public, "no public packages: nothing to check")
    return checker.check(part.root, packages, baseline)


_WORST = ("failed", "breaking", "not-checked", "clean")


def _joined(reports: list[ApiReport]) -> ApiReport:
    """The reports of several workspaces as one: the worst verdict, every checker's findings."""
    verdict = min((r.verdict for r in reports), key=_WORST.index)
    return ApiReport(
        " and ".join(r.checker for r in reports),
        verdict,
        reports[0].baseline,
        tuple(name for r in reports for name in r.packages),
        "; ".join(f"{r.checker}: {r.summary}" for r in reports),
        "\n\n".join(r.output for r in reports if r.output),
        tuple(command for r in reports for command in r.commands),
    )


def _judge(env: FlowEnv, branch: str, report: ApiReport, allow_breaking: bool) -> None:
    data = {"branch": branch, **report.to_json()}
    if not report.blocks:
        env.ctx.emit(
            "warn" if report.verdict == "not-checked" else "info", f"{branch}: {report.summary}", **data
        )
        return
    if allow_breaking:
        env.ctx.emit("warn", f"{branch}: {report.summary} (allowed by --allow-breaking)", **data)
        return
    shown = f"\n{report.output}" if report.output else ""
    raise ApiBreak(
        f"{branch}: {report.summary}{shown}",
        hint=(
            f"a patch release must not break the API of {', '.join(report.packages)}: revert or rework "
            f"the change on {branch}, or pass --allow-breaking to propose it anyway; nothing was changed"
            if report.verdict == "breaking"
            else f"fix {report.checker} (its output is above), or pass --allow-breaking to propose the "
            "release without an API check; nothing was changed"
        ),
    )


def body_section(report: ApiReport, *, allowed: bool = False) -> str:
    """The PR body's paragraph about the API check (Markdown)."""
    head = f"**API check** ({report.checker} against `{report.baseline}`): {report.summary}."
    if report.blocks and allowed:
        head += " Proposed anyway (`--allow-breaking`)."
    if report.packages:
        head += f"\nPublic packages: {', '.join(f'`{p}`' for p in report.packages)}."
    if report.output and report.verdict != "clean":
        head += f"\n\n```\n{report.output}\n```"
    return head + "\n"
