"""The GitHub Actions workflows `init --github` writes, from `templates/github/`.

They are meant to pass zizmor and actionlint as written (CI lints them for two workspace shapes):
- the tool is installed at exactly the version that wrote them (`release-train==X.Y.Z`), or at the
  configured `[github] install` spec (a git URL pinned to a commit, for forks and unreleased builds);
- every action is pinned to a full commit SHA, its release tag in a comment;
- no checkout keeps credentials (release-train hands its token to git itself), every job names the
  permissions it needs and the workflows grant none by default;
- the tag job's `workflow_run` trigger accepts only this repository's own CI for pushes to the main
  and release branches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from release_train.config import CONFIG_FILE, BranchSettings, ReleaseSettings, ScheduleSettings
from release_train.errors import ConfigError, UsageError
from release_train.flows.setup import workflow_scan
from release_train.model.branches import format_name
from release_train.values import dataclass

WORKFLOWS = ("release-train.yml", "release-train-tag.yml", "release-train-publish.yml")
MAIN_ONLY_PROCESS = "release-train-main.yml"  # the release process of a train without release branches
PYTHON_PUBLISH = "release-train-publish-python.yml"  # publish of a Python workspace (PyPI)
WORKFLOW_DIR = workflow_scan.WORKFLOW_DIR
# Each action at the commit its release tag pointed to when this release-train was made (read
# from the action's repository: `git rev-parse TAG^{commit}`). Update all three together.
ACTIONS = {
    "@CHECKOUT@": ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "@SETUP_PYTHON@": ("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "@CRATES_IO_AUTH@": (
        "rust-lang/crates-io-auth-action",
        "c6f97d42243bad5fab37ca0427f495c86d5b1a18",
        "v1.0.5",
    ),
}
HELD_CRON = "17 * * * *"  # hourly, off the top of the hour when GitHub's scheduler is busiest
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")
_URL = re.compile(r"^(git\+)?https://\S+$")


@dataclass(frozen=True)
class WorkflowPlan:
    """The workflow files and what the user should read before committing them."""

    files: tuple[tuple[str, str], ...]
    install: str
    ci: workflow_scan.CiChoice
    release_warnings: tuple[str, ...]

    def describe(self) -> list[str]:
        lines = [f"  workflows install {self.install}"]
        lines.append(f"  the tag job waits for: {', '.join(self.ci.names)}")
        lines += [f"    {reason}" for reason in self.ci.reasons]
        lines += [f"  warning: {w}" for w in (*self.ci.warnings, *self.release_warnings)]
        return lines


def plan(
    root: Path,
    *,
    ci_workflows: Sequence[str] = (),
    install: str | None = None,
    release_branches: bool = True,
    python: bool = False,
    python_extra: bool = False,
) -> WorkflowPlan:
    """`release_branches=False`: a train without release branches, whose release process
    proposes the release PR to main (`templates/github/release-train-main.yml`). `python`: a
    Python workspace, published to PyPI by trusted publishing
    (`templates/github/release-train-publish-python.yml`), release-train installed with its
    `python` extra (the build and check tools). `python_extra`: Python distributions beside Cargo
    crates, published by the Cargo workflow (its job has `id-token: write`, which PyPI's trusted
    publishing needs too), release-train installed with the `python` extra."""
    branches, release = BranchSettings(), ReleaseSettings()
    found = workflow_scan.scan(root, release.marker)
    names = workflow_scan.BranchNames(
        main=branches.main,
        release_example=format_name(branches.release, "1.0.0"),
        release_glob=format_name(branches.release, "*"),
        release_branches=release_branches,
    )
    ci = workflow_scan.choose_ci(found, names, ci_workflows)
    spec = install_spec(install if install is not None else configured_install(root))
    if python or python_extra:
        spec = with_python_extra(spec)
    templates = {} if release_branches else {WORKFLOWS[0]: MAIN_ONLY_PROCESS}
    if python:
        templates[WORKFLOWS[2]] = PYTHON_PUBLISH
    files = tuple(
        (
            f"{WORKFLOW_DIR}/{name}",
            render(
                name,
                ScheduleSettings(),
                ci_workflows=ci.names,
                install=spec,
                template=templates.get(name, name),
            ),
        )
        for name in WORKFLOWS
    )
    return WorkflowPlan(files, spec, ci, tuple(workflow_scan.release_warnings(found)))


def configured_install(root: Path) -> str:
    """`[github] install` of the repository's existing configuration, "" when there is none."""
    from release_train.config import load_settings

    if not (root / CONFIG_FILE).is_file():
        return ""
    try:
        return load_settings(root).github.install
    except ConfigError:
        return ""  # init rewrites that file anyway (or refuses to, without --force)


def install_spec(given: str) -> str:
    """What the workflows `pip install`: the exact version that writes them unless told otherwise."""
    from packaging.requirements import InvalidRequirement, Requirement

    from release_train import __version__

    spec = given.strip()
    if not spec:
        return f"release-train=={__version__}"
    if _URL.match(spec):
        return spec
    try:
        requirement = Requirement(spec)
    except InvalidRequirement:
        requirement = None
    if requirement is None or requirement.name.replace("_", "-").lower() != "release-train":
        raise UsageError(
            f"install spec {spec!r} is not a release-train requirement",
            hint="give release-train==X.Y.Z, a git+https://...@COMMIT URL or 'release-train @ URL'",
        )
    return spec


def with_python_extra(spec: str) -> str:
    """The install spec with release-train's `python` extra (a git URL becomes a direct
    reference: `release-train[python] @ git+https://...`)."""
    from packaging.requirements import Requirement

    if _URL.match(spec):
        return f"release-train[python] @ {spec}"
    requirement = Requirement(spec)
    requirement.extras.add("python")
    return str(requirement)


def _yaml_string(value: str) -> str:
    """A YAML single-quoted scalar (the only escape is '' for ')."""
    if any(c in value for c in "\r\n"):
        raise UsageError(f"{value!r}: a workflow value cannot span lines")
    return "'" + value.replace("'", "''") + "'"


def render(
    name: str,
    schedule: ScheduleSettings,
    *,
    ci_workflows: Sequence[str] = ("CI",),
    install: str = "",
    template: str | None = None,
) -> str:
    """The workflow `name` from its template (`template`: another one of `templates/github/`)."""
    branches, release = BranchSettings(), ReleaseSettings()
    values = {
        "@MAIN@": branches.main,
        "@RELEASE_PATTERN@": format_name(branches.release, "X.Y.Z"),
        "@RELEASE_GLOB@": format_name(branches.release, "*"),
        "@RELEASE_PREFIX@": format_name(branches.release, ""),
        "@RELEASE_EXAMPLE@": format_name(branches.release, "1.0.0"),
        "@TAG_GLOB@": format_name(release.tag, "*"),
        "@CUT_CRON@": schedule.cut,
        "@RELEASE_CRON@": schedule.release,
        "@HELD_CRON@": HELD_CRON,
        "@CI_WORKFLOWS@": "[" + ", ".join(_yaml_string(n) for n in ci_workflows) + "]",
        "@INSTALL@": _yaml_string(install_spec(install)),
        **{key: f"{action}@{sha} # {tag}" for key, (action, sha, tag) in ACTIONS.items()},
    }
    source = template or name
    text = (resources.files("release_train") / "templates" / "github" / source).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    left = _PLACEHOLDER.findall(text)
    if left:  # a template and this table disagree: a bug here, not the user's
        raise AssertionError(f"unfilled placeholders in {source}: {left}")
    return text
