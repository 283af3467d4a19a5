"""`doctor`, the registries: for each `[[workspace]]` entry, its registry answers, which of its
packages it does not have yet (their first publish creates them), and how its uploads are
authorised: a registry token in the variable the entry's registry reads (a Cargo registry's,
a package index's), or trusted publishing in a workflow of the repository.

Trusted publishing differs by registry: crates.io's goes through rust-lang/crates-io-auth-action
and cannot create a crate; PyPI's is the publish job's OIDC identity (`id-token: write`, which
release-train exchanges for an upload token) and creates a project once a pending publisher is
added on PyPI. With several entries each check names its workspace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from release_train.config import Settings
from release_train.errors import ReleaseTrainError
from release_train.flows.setup.doctor import Check
from release_train.registries.interface import Registry
from release_train.values import dataclass
from release_train.workspaces.interface import Workspace

TRUSTED_PUBLISHING_ACTION = "rust-lang/crates-io-auth-action"
_ID_TOKEN = re.compile(r"^\s*id-token:\s*write\b", re.MULTILINE)
_PUBLISHES = ("release-train publish", "pypa/gh-action-pypi-publish")


@dataclass(frozen=True)
class TrustedPublishing:
    """How a kind of registry takes uploads without a stored token."""

    used_by: Callable[[str], bool]  # a workflow's text uses it
    what: str  # for the ok line
    creates: bool  # a first publish can create a package with it
    first_publish_fix: str  # what a first publish with it needs


def _cargo_uses(text: str) -> bool:
    return TRUSTED_PUBLISHING_ACTION in text


def _pypi_uses(text: str) -> bool:
    return bool(_ID_TOKEN.search(text)) and any(step in text for step in _PUBLISHES)


TRUSTED = {
    "cargo": TrustedPublishing(
        _cargo_uses,
        f"trusted publishing through {TRUSTED_PUBLISHING_ACTION}",
        creates=False,
        first_publish_fix="a first publish needs an API token, not trusted publishing",
    ),
    "python": TrustedPublishing(
        _pypi_uses,
        "trusted publishing (the job's OIDC identity, id-token: write)",
        creates=True,
        first_publish_fix="trusted publishing creates them once a pending publisher is added for each on the "
        "index (PyPI: your account's publishing settings); else an API token",
    ),
}


def checks(
    s: Settings, ws: Workspace, open_registry: Callable[[Settings], Registry], variables: Mapping[str, str]
) -> list[Check]:
    """The registry checks of every `[[workspace]]` entry; `open_registry` opens the registry of
    an entry's settings (`Settings.for_entry`)."""
    several = len(s.workspaces) > 1
    found: list[Check] = []
    for entry, part in zip(s.workspaces, ws.parts(), strict=True):
        named = f" ({entry.kind} workspace at {entry.path!r})" if several else ""
        found += _entry_checks(s.for_entry(entry), part, open_registry, variables, named)
    return found


def _entry_checks(
    own: Settings,  # the settings of one entry alone
    part: Workspace,
    open_registry: Callable[[Settings], Registry],
    variables: Mapping[str, str],
    named: str,
) -> list[Check]:
    trusted = TRUSTED[own.workspaces[0].kind]
    token_env = own.registry_token_env
    workflows = _workflows_using(own.root, trusted)
    credential = _credential(token_env, variables, trusted, workflows, named)
    publishable = part.publishable()
    try:
        registry = open_registry(own)
        new = [p.name for p in publishable if not registry.versions(p.name)]
    except ReleaseTrainError as exc:
        failed = Check(
            f"registry{named}",
            "fail",
            f"the registry does not answer: {exc.message}",
            exc.hint or "check [publish] index",
        )
        return [failed, credential]
    found = [
        Check(
            f"registry{named}",
            "ok",
            f"{registry.label} answers; {len(publishable) - len(new)} packages there",
        )
    ]
    if new:
        token = bool(variables.get(token_env))
        how = (
            f"{token_env} is set; add trusted publishing for them after it"
            if token
            else f"set {token_env} for the release that creates them, or mark them publish = false"
        )
        found.append(
            Check(
                f"new packages{named}",
                "warn" if token or (trusted.creates and workflows) else "fail",
                f"{len(new)} not on the registry yet (their first publish creates them): {', '.join(new)}",
                f"{trusted.first_publish_fix}: {how}",
            )
        )
    return [*found, credential]


def _credential(
    token_env: str, variables: Mapping[str, str], trusted: TrustedPublishing, workflows: list[str], named: str
) -> Check:
    name = f"registry credential{named}"
    if variables.get(token_env):
        return Check(name, "ok", f"a registry token is set in {token_env}")
    if workflows:
        return Check(name, "ok", f"{trusted.what} in {', '.join(workflows)}")
    return Check(
        name,
        "fail",
        f"no registry token ({token_env} is not set) and no workflow uses trusted publishing",
        f"run `release-train init --github` for a publish workflow with trusted publishing, or set {token_env}",
    )


def _workflows_using(root: Path, trusted: TrustedPublishing) -> list[str]:
    directory = root / ".github" / "workflows"
    if not directory.is_dir():
        return []
    return sorted(
        p.name
        for p in [*directory.glob("*.yml"), *directory.glob("*.yaml")]
        if trusted.used_by(p.read_text(encoding="utf-8", errors="replace"))
    )
