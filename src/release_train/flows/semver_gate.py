"""The semver gate (SPEC 3.8): before a patch release, the public packages of the line must not
break their API against the line's previous release.

The ecosystem's checker (`release_train.checkers`) runs in a temporary checkout of the commit to
be released, against the previous tag. Its verdict goes into the PR body whatever it is; a break
(or a checker that was installed but could not run) stops the flow unless `allow_breaking`; a
missing checker is said plainly ("API not checked: ...") and does not block.
"""

from __future__ import annotations

from release_train.checkers import ApiReport, checker_for
from release_train.errors import RefusedError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv


class ApiBreak(RefusedError):
    """A public package changed its API in a semver-breaking way on a patch line."""


def check(env: FlowEnv, *, branch: str, rev: str, baseline: str, allow_breaking: bool = False) -> ApiReport:
    """Check the public packages at `rev` (on `branch`) against the tag `baseline`. Raises
    `ApiBreak` when the checker blocks and `allow_breaking` is false."""
    from release_train.workspaces import load_workspace

    kind = env.settings.workspaces[0].kind if env.settings.workspaces else "cargo"
    checker = checker_for(kind)
    with bw.checkout(env, rev) as (_, settings):
        packages = sorted(
            (p for p in load_workspace(settings).publishable() if p.public), key=lambda p: p.name
        )
        public = tuple(p.name for p in packages)
        if checker is None:
            report = ApiReport(
                kind, "not-checked", baseline, public, f"API not checked: no checker for {kind}"
            )
        elif env.git.rev_parse(f"refs/tags/{baseline}") is None:
            report = ApiReport(
                checker.name,
                "not-checked",
                baseline,
                public,
                f"API not checked: there is no tag {baseline} to compare with",
            )
        elif not public:
            report = ApiReport(
                checker.name, "clean", baseline, public, "no public packages: nothing to check"
            )
        else:
            report = checker.check(settings.root, packages, baseline)
    _judge(env, branch, report, allow_breaking)
    return report


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
