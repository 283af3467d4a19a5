"""`doctor`: check what a release day needs, and say how to fix each miss.

Checks, in order: the workspace loads; every check of `verify` (requirements, lock file, what the
registry would refuse, version files, bumps, the notes file); the forge answers; for GitHub, which token is used, its
kind, and that the default `GITHUB_TOKEN` will not trigger the tag and publish workflows; `main`
and at least one release branch exist on the forge; on GitHub, whether a release PR merged in the
web UI keeps its marker under the repository's merge settings (`doctor_merge.py`); for each workspace's registry
(`doctor_registry.py`), every publishable package is on it or reported as new, and a registry
token or trusted publishing is configured.

Each check ends ok, warn or fail with a fix line; any fail makes the command exit non-zero. The
core never reads the environment: the CLI passes the few variables that matter (`variables`) and
opens the forge and the registry through the callables it hands in, so a failure to open one is a
failed check, not a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from release_train.config import Settings
from release_train.errors import ReleaseTrainError
from release_train.forges import FORGES, token_variables
from release_train.forges.interface import Forge
from release_train.infra.git import Git
from release_train.model.branches import release_branch_version
from release_train.registries.interface import Registry
from release_train.values import dataclass
from release_train.workspaces.interface import Workspace

Status = Literal["ok", "warn", "fail"]
# Token prefixes GitHub documents (reference notes, section 9).
TOKEN_KINDS = (
    ("github_pat_", "fine-grained personal access token"),
    ("ghp_", "classic personal access token"),
    ("ghs_", "GitHub App installation token"),
    ("gho_", "OAuth token"),
    ("ghu_", "GitHub App user token"),
)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str
    fix: str = ""


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def failed(self) -> bool:
        return any(c.status == "fail" for c in self.checks)

    @property
    def lines(self) -> list[str]:
        lines: list[str] = []
        for check in self.checks:
            lines.append(f"{check.status:<4}  {check.name}: {check.message}")
            if check.fix:
                lines.append(f"      fix: {check.fix}")
        counts = {s: sum(c.status == s for c in self.checks) for s in ("ok", "warn", "fail")}
        lines.append(f"{counts['ok']} ok, {counts['warn']} warnings, {counts['fail']} failed")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"ok": not self.failed, "checks": [asdict(c) for c in self.checks]}


@dataclass(frozen=True)
class Inputs:
    """What the CLI hands the doctor: openers (so a failure to open is a check) and variables."""

    settings: Settings
    open_forge: Callable[[], Forge]
    open_registry: Callable[[Settings], Registry]  # the registry of one entry's settings
    variables: Mapping[str, str]  # the token variables (every registry's) and GITHUB_ACTIONS, as found
    today: date  # the notes check dates a release in memory with it (its shape is what counts)
    git: Git  # the working repository at settings.root


def run(inputs: Inputs) -> DoctorReport:
    s = inputs.settings
    checks: list[Check] = []
    workspace = _workspace(s, checks)
    if workspace is not None:
        checks.extend(verify_checks(s, workspace, inputs.today, inputs.git.current_branch() or ""))
    if token_variables(s):
        checks.extend(token_checks(s, inputs.variables))
    forge = _forge(inputs, checks)
    if forge is not None:
        checks.extend(branch_checks(s, inputs.git, forge))
        from release_train.flows.setup import doctor_merge  # it builds on this module's Check

        checks.extend(doctor_merge.checks(s, forge))
    if workspace is not None:
        from release_train.flows.setup import doctor_registry  # it builds on this module's Check

        checks.extend(doctor_registry.checks(s, workspace, inputs.open_registry, inputs.variables))
    return DoctorReport(tuple(checks))


def _workspace(s: Settings, checks: list[Check]) -> Workspace | None:
    from release_train.workspaces import load_workspace

    try:
        ws = load_workspace(s)
    except ReleaseTrainError as exc:
        checks.append(
            Check("workspace", "fail", exc.message, exc.hint or "fix the workspace, then run again")
        )
        return None
    where = s.config_file.name if s.config_file else "defaults (no release-train.toml)"
    checks.append(
        Check(
            "workspace",
            "ok",
            f"{len(ws.publishable())} of {len(ws.packages)} packages published, train version "
            f"{ws.train_version} ({where})",
        )
    )
    return ws


def verify_checks(s: Settings, ws: Workspace, today: date, branch: str) -> list[Check]:
    """`verify`'s checks on the checkout (on `branch`), one doctor check each (`flows/gates/verify.py`)."""
    from release_train.flows.gates import verify

    on_release = release_branch_version(s.branches.release, branch) is not None
    found: list[Check] = []
    for check in verify.run_checks(s, ws, release_branch=on_release, day=today)[1:]:  # [0]: the load
        if check.ok:
            found.append(Check(f"verify: {check.name}", "ok", "no problem"))
            continue
        listed = "".join("\n      - " + p.replace("\n", "\n        ") for p in check.problems)
        found.append(
            Check(
                f"verify: {check.name}",
                "fail",
                f"{len(check.problems)} problem{'s' if len(check.problems) != 1 else ''}:{listed}",
                "fix each as said, then run `release-train verify`",
            )
        )
    return found


def _forge(inputs: Inputs, checks: list[Check]) -> Forge | None:
    s = inputs.settings
    kind = FORGES.get(s.forge.kind)  # None: unknown, and opening it says so
    where = kind.address(s) if kind is not None else s.forge.path
    try:
        forge = inputs.open_forge()
        tags = forge.tags()  # one real round trip
    except ReleaseTrainError as exc:
        checks.append(
            Check(
                "forge",
                "fail",
                f"the {s.forge.kind} forge at {where} does not answer: {exc.message}",
                exc.hint or (kind.unreachable_fix(s) if kind is not None else "set [forge] kind"),
            )
        )
        return None
    checks.append(Check("forge", "ok", f"the {s.forge.kind} forge at {where} answers ({len(tags)} tags)"))
    return forge


def token_kind(token: str) -> str:
    for prefix, kind in TOKEN_KINDS:
        if token.startswith(prefix):
            return kind
    return "token of unknown kind"


def token_checks(s: Settings, variables: Mapping[str, str]) -> list[Check]:
    """Which variable holds the GitHub token, its kind, and whether its pushes start workflows."""
    names = token_variables(s)
    found = next(((name, variables[name]) for name in names if variables.get(name)), None)
    if found is None:
        return [
            Check(
                "github token",
                "fail",
                f"no token: none of {', '.join(names)} is set",
                "create a fine-grained token (contents, pull requests: read and write) or an App token "
                "and store it as the RELEASE_TRAIN_TOKEN secret / environment variable",
            )
        ]
    name, value = found  # the value itself is never shown
    kind = token_kind(value)
    checks = [Check("github token", "ok", f"{name} holds a {kind}")]
    default = name == "GITHUB_TOKEN" and (
        kind.startswith("GitHub App installation") or variables.get("GITHUB_ACTIONS")
    )
    if default:
        checks.append(
            Check(
                "tag trigger",
                "warn",
                "the token is the workflow's default GITHUB_TOKEN: tags and pushes made with it start "
                "no workflow, so the publish workflow would not run on the tags the train creates",
                "store a fine-grained token or an App token as the RELEASE_TRAIN_TOKEN secret "
                "and pass it to the tag job",
            )
        )
    elif kind == "classic personal access token":
        checks.append(
            Check(
                "token scope",
                "warn",
                "a classic token reaches every repository its owner can",
                "prefer a fine-grained token limited to this repository (contents, pull requests: write)",
            )
        )
    return checks


def branch_checks(s: Settings, git: Git, forge: Forge) -> list[Check]:
    try:
        out = git.run("ls-remote", "--heads", forge.remote_url)
    except ReleaseTrainError as exc:
        return [
            Check(
                "branches",
                "fail",
                f"cannot list the forge's branches: {exc.message}",
                "check the remote URL and access",
            )
        ]
    heads = [line.split("refs/heads/", 1)[1] for line in out.splitlines() if "refs/heads/" in line]
    main = s.branches.main
    checks = [
        Check("main branch", "ok", f"{main} exists on the forge")
        if main in heads
        else Check(
            "main branch",
            "fail",
            f"the forge has no branch {main!r}",
            f"push it (git push origin {main}) or set [branches] main to your development branch",
        )
    ]
    versions = {b: v for b in heads if (v := release_branch_version(s.branches.release, b)) is not None}
    releases = sorted(versions, key=versions.__getitem__)  # by version, never by name or date
    if not s.release.branches:  # a train without release branches releases from main
        checks.append(
            Check(
                "release branches",
                "ok",
                f"none used: [release] branches = false, every release is a PR to {main}"
                + (f" ({len(releases)} old release branch(es) left alone)" if releases else ""),
            )
        )
    elif releases:
        checks.append(
            Check(
                "release branches",
                "ok",
                f"{len(releases)} match {s.branches.release!r}, latest {releases[-1]}",
            )
        )
    else:
        checks.append(
            Check(
                "release branches",
                "warn",
                f"no branch matches {s.branches.release!r} yet",
                "the first `release-train cut` creates one; if yours are named differently, set [branches] release",
            )
        )
    return checks
