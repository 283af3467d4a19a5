"""What `init --github` learns from the workflows a repository already has (`.github/workflows/`).

- **The CI the tag job waits for.** A workflow counts as CI when it is triggered by `push`,
  `pull_request` or `merge_group` and runs tests: a `run:` line with a test command (`cargo test`,
  `cargo nextest`, `pytest`, `go test`, `npm test`, `make test`...) or a job whose id or name says
  `test`. The tag job accepts only runs for pushes (a pull request's run tests a merge that does not
  exist yet), so of those, the ones whose `push` trigger covers the main branch or release branches
  are chosen; when none does, all of them are named and a warning says the tag job would never run.
- **Workflows that already release**: publish or release steps (`cargo publish`, `twine upload`,
  `gh release create`, a `./publish` script, release actions such as
  `softprops/action-gh-release` or `rust-lang/crates-io-auth-action`), tags pushed by hand, or the
  release marker itself, in the workflow or in a local composite action it uses. Each becomes a
  warning naming the file and line: two release processes would both tag and publish.

Files `init` writes itself (`release-train*.yml`) are not looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from release_train.errors import WorkspaceError
from release_train.values import dataclass

WORKFLOW_DIR = ".github/workflows"
CI_TRIGGERS = ("push", "pull_request", "merge_group")
_OURS = re.compile(r"^release-train[\w-]*\.ya?ml$")

_TEST_COMMANDS = re.compile(
    r"\b(cargo\s+(\+\S+\s+)?(test|nextest)|pytest|tox|nox|go\s+test|ctest|"
    r"(npm|yarn|pnpm)\s+(run\s+)?test|make\s+(test|check)|\./dev\s+test)\b"
)
# What a workflow that releases by itself does, by the line that does it.
_RELEASE_RUNS = (
    (re.compile(r"\bcargo\s+(\+\S+\s+)?publish\b"), "cargo publish"),
    (re.compile(r"\bcargo[\s-]+release\b"), "cargo release"),
    (re.compile(r"\btwine\s+upload\b"), "twine upload"),
    (re.compile(r"\b(uv|poetry|flit|hatch)\s+publish\b"), "a Python publish"),
    (re.compile(r"\b(npm|yarn|pnpm)\s+publish\b"), "npm publish"),
    (re.compile(r"\bgh\s+release\s+(create|upload|edit)\b"), "gh release"),
    (re.compile(r"(^|[\s;&|(])\./\S*publish\S*\s+publish\b"), "a publish script (publish publish)"),
    (re.compile(r"\bgit\s+push\b.*\btags?\b|/git/refs\b"), "pushes a tag"),
)
_RELEASE_ACTIONS = (
    "softprops/action-gh-release",
    "rust-lang/crates-io-auth-action",
    "pypa/gh-action-pypi-publish",
    "ncipollo/release-action",
    "actions/create-release",
    "actions/upload-release-asset",
    "svenstaro/upload-release-action",
    "goreleaser/goreleaser-action",
    "googleapis/release-please-action",
    "google-github-actions/release-please-action",
    "changesets/action",
    "release-plz/action",
    "marcoieni/release-plz-action",
    "katyo/publish-crates",
    "js-devtools/npm-publish",
)
_USES = re.compile(r"^\s*(-\s*)?uses:\s*['\"]?([^'\"\s#]+)")


@dataclass(frozen=True)
class Workflow:
    """One existing workflow, as far as `init` cares."""

    path: str  # relative to the repository root
    name: str  # its `name:`; GitHub names a workflow without one by its path
    triggers: tuple[str, ...]
    push_branches: tuple[str, ...] | None  # None: a push to any branch; (): no branch push
    tests: str  # why it counts as running tests ("" when it does not)
    releases: tuple[str, ...]  # "path:line: what", for each release step found


@dataclass(frozen=True)
class BranchNames:
    """The main branch, an example release branch and the glob of release branches."""

    main: str
    release_example: str
    release_glob: str
    release_branches: bool = True  # False: a train without release branches (only main matters)


@dataclass(frozen=True)
class CiChoice:
    """The workflows the tag job waits for, why, and what the user should know."""

    names: tuple[str, ...]
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]


def scan(root: Path, marker: str) -> list[Workflow]:
    directory = root / WORKFLOW_DIR
    if not directory.is_dir():
        return []
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    return [_read(root, path, marker) for path in files if not _OURS.match(path.name)]


def _read(root: Path, path: Path, marker: str) -> Workflow:
    import yaml  # only `init --github` reads YAML

    relative = path.relative_to(root).as_posix()
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{relative}:{mark.line + 1}" if mark is not None else relative
        raise WorkspaceError(
            f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}",
            hint="fix the workflow (GitHub cannot run it either), then run init again",
        ) from exc
    if not isinstance(doc, dict):
        doc = {}
    on = _triggers(doc.get("on", doc.get(True)))  # YAML 1.1 reads a bare `on` as true
    name = doc.get("name")
    return Workflow(
        path=relative,
        name=name if isinstance(name, str) and name.strip() else relative,
        triggers=tuple(on),
        push_branches=_push_branches(on.get("push", _ABSENT)),
        tests=_runs_tests(text, doc.get("jobs")),
        releases=tuple(_releases(root, relative, text, marker)),
    )


_ABSENT = object()


def _triggers(on: Any) -> dict[str, Any]:
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(event): None for event in on}
    if isinstance(on, dict):
        return {str(event): value for event, value in on.items()}
    return {}


def _push_branches(push: Any) -> tuple[str, ...] | None:
    """The branch patterns a push trigger runs for: None for every branch, () for none."""
    if push is _ABSENT:
        return ()
    if not isinstance(push, dict):
        return None
    if "branches" in push:
        branches = push["branches"]
        return tuple(str(b) for b in (branches if isinstance(branches, list) else [branches]))
    if "branches-ignore" in push or not ("tags" in push or "tags-ignore" in push):
        return None  # every branch (branches-ignore is too loose to reason about: assume it runs)
    return ()  # tags only


def covers(patterns: tuple[str, ...] | None, branch: str) -> bool:
    """Whether a push to `branch` matches a `branches:` filter (later `!pattern`s exclude)."""
    if patterns is None:
        return True
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if fnmatchcase(branch, pattern.removeprefix("!").replace("**", "*")):
            matched = not negated
    return matched


def _code_lines(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.lstrip().startswith("#"):
            yield number, line


def _runs_tests(text: str, jobs: Any) -> str:
    for number, line in _code_lines(text):
        found = _TEST_COMMANDS.search(line)
        if found:
            return f"runs `{found.group(0)}` (line {number})"
    for job_id, job in (jobs or {}).items() if isinstance(jobs, dict) else ():
        title = job.get("name", "") if isinstance(job, dict) else ""
        if "test" in str(job_id).lower() or "test" in str(title).lower():
            return f"has a job {str(title or job_id)!r}"
    return ""


def _releases(root: Path, relative: str, text: str, marker: str, depth: int = 0) -> list[str]:
    found: list[str] = []
    for number, line in _code_lines(text):
        where = f"{relative}:{number}"
        if marker and marker in line:
            found.append(f"{where}: the release marker {marker} (a release process of its own)")
        uses = _USES.match(line)
        action = uses.group(2) if uses else ""
        if action.lower().split("@")[0] in _RELEASE_ACTIONS:
            found.append(f"{where}: {action.split('@')[0]}")
            continue
        if action.startswith("./") and depth == 0:
            found += [f"{step} (through {where})" for step in _composite(root, action, marker)]
            continue
        for pattern, what in _RELEASE_RUNS:
            if pattern.search(line) and not uses:
                found.append(f"{where}: {what}")
                break
    return found


def _composite(root: Path, action: str, marker: str) -> list[str]:
    """The release steps of a local composite action (`uses: ./.github/actions/NAME`)."""
    for name in ("action.yml", "action.yaml"):
        path = root / action / name
        if path.is_file():
            relative = path.relative_to(root).as_posix()
            return _releases(root, relative, path.read_text(encoding="utf-8"), marker, depth=1)
    return []


def choose_ci(workflows: Sequence[Workflow], branches: BranchNames, override: Sequence[str] = ()) -> CiChoice:
    """The CI workflows the tag job waits for, from `override` (--ci-workflow) or found."""
    if override:
        known = {w.name for w in workflows}
        warnings = tuple(
            f"--ci-workflow {n!r}: no workflow in {WORKFLOW_DIR} has that name; the tag job would never run"
            for n in override
            if known and n not in known
        )
        return CiChoice(tuple(override), ("named with --ci-workflow",), warnings)
    main, release = branches.main, branches.release_example
    pushed = (main, release) if branches.release_branches else (main,)
    targets = "the main or release branches" if branches.release_branches else "the main branch"
    testing = [w for w in workflows if w.tests and set(w.triggers) & set(CI_TRIGGERS)]
    on_push = [w for w in testing if any(covers(w.push_branches, branch) for branch in pushed)]
    reasons = tuple(
        f"{w.name} ({w.path}): on {', '.join(w.triggers)}; {w.tests}"
        + ("" if w in on_push else f"; not chosen: no run for pushes to {targets}")
        for w in testing
    )
    if on_push:
        warnings = tuple(
            f"no chosen workflow runs for pushes to {branch}: a marker commit there is not tagged "
            f"until one does (add {branch!r} to the push branches of {on_push[0].path})"
            for branch in pushed
            if not any(covers(w.push_branches, branch) for w in on_push)
        )
        return CiChoice(tuple(w.name for w in on_push), reasons, warnings)
    if testing:
        globs = f"'{main}', '{branches.release_glob}'" if branches.release_branches else f"'{main}'"
        fix = f"`push: branches: [{globs}]`"
        return CiChoice(
            tuple(w.name for w in testing),
            reasons,
            (
                f"none of these runs for pushes to {targets} (only for pull requests "
                f"or the merge queue), so the tag job would never run: add {fix} to one, or pass "
                "--ci-workflow NAME",
            ),
        )
    return CiChoice(
        ("CI",),
        (f"no workflow in {WORKFLOW_DIR} runs tests on push or pull_request",),
        ("the tag job waits for a workflow named 'CI', which does not exist: pass --ci-workflow NAME",),
    )


def release_warnings(workflows: Sequence[Workflow]) -> list[str]:
    return [
        f"{w.path} ({w.name}) already releases on its own; next to release-train's workflows both "
        f"would propose, tag or publish releases: disable it or remove these steps before the first "
        f"release:\n    " + "\n    ".join(w.releases)
        for w in workflows
        if w.releases
    ]
