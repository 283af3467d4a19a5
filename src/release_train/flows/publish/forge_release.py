"""The forge release of a tag (SPEC 3.5 steps 6 and 7).

Notes are the tag's section of the notes file, read from the tag's tree (`RELEASES.md`: the top
one when the version has none; Keep a Changelog: the version's own section), empty subsections
left out; assets are the `[publish] assets` globs under the repository; a suffixed version
is a pre-release; "latest" goes only to the highest version ever released on the forge, so a
patch of an old line never takes it. With `[release] rc = true`, once a final or a newer rc is
out, the earlier rcs of the same version are yanked from the registry, never the new one.
Re-running updates the same release in place.
"""

from __future__ import annotations

from pathlib import Path

from release_train.config import Settings
from release_train.context import Context
from release_train.forges.interface import Forge, Release
from release_train.infra.git import Git
from release_train.model import notes
from release_train.model.branches import parse_name
from release_train.model.version import Version, VersionError
from release_train.registries.interface import Registry, RegistryCapability
from release_train.workspaces import load_workspace


def section(text: str, version: str, name: str = "RELEASES.md") -> str:
    """The notes of `version` as the file's shape has them (`model/notes`), without the heading
    and without empty subsections."""
    return notes.detect(text, name).notes_for(text, version)


def is_latest(version: Version, tag: str, released: list[Release], pattern: str) -> bool:
    """True when `version` is above every other final version released on the forge (a
    pre-release is never "latest" and does not take it from a final below it)."""
    if version.is_prerelease:
        return False
    others = [v for r in released if r.tag != tag and not r.draft and (v := parse_name(pattern, r.tag))]
    return all(version > other for other in others if not other.is_prerelease)


def assets(root: Path, globs: list[str]) -> list[Path]:
    found = {path for pattern in globs for path in root.glob(pattern) if path.is_file()}
    return sorted(found)


def earlier_rcs(version: Version, published: dict[str, bool]) -> list[str]:
    """Versions (of `published`: version -> yanked) to yank after releasing `version`: rcs of the
    same X.Y.Z below it, not yet yanked. Never `version` itself."""
    if version.is_prerelease and version.rc_number is None:
        return []
    found = []
    for text, yanked in published.items():
        if yanked or not Version.is_valid(text):
            continue
        other = Version.parse(text)
        if other.core() == version.core() and other.rc_number is not None and other < version:
            found.append(text)
    return sorted(found, key=Version.parse)


def create_release(
    settings: Settings, forge: Forge, registry: Registry | None, ctx: Context, *, tag: str, git: Git
) -> Release:
    """Create or update the forge release of `tag` (which exists in the working repository `git`)."""
    version = parse_name(settings.release.tag, tag)
    if version is None:
        raise ValueError(f"{tag} does not follow the tag pattern {settings.release.tag}")
    raw = git.show_file(tag, settings.release.notes)
    name = Path(settings.release.notes).name
    body = section(raw.decode("utf-8", "replace"), str(version), name) if raw else ""
    files = assets(settings.root, settings.publish.assets)
    release = Release(
        tag=tag,
        name=f"{settings.project_name} {version}",
        body=body,
        prerelease=version.is_prerelease,
        latest=is_latest(version, tag, forge.list_releases(), settings.release.tag),
        assets=tuple(f.name for f in files),
    )
    made = forge.upsert_release(release, files)
    flags = ", ".join(f for f, on in (("pre-release", made.prerelease), ("latest", made.latest)) if on)
    ctx.emit("step", f"forge release {tag}" + (f" ({flags})" if flags else ""), tag=tag, assets=len(files))
    if settings.release.rc and registry is not None:
        _yank_earlier_rcs(settings, registry, ctx, tag)
    return made


def _yank_earlier_rcs(settings: Settings, registry: Registry, ctx: Context, tag: str) -> None:
    from release_train.flows.worktree import tree_view

    with tree_view(settings, tag) as at_tag:
        ws = load_workspace(at_tag)
        # Each package's own version, and as its registry spells it: a workspace may carry several
        # version lines, and a Python distribution's 2.0.0-rc.2 is listed as 2.0.0rc2.
        packages = [(p.name, p.version, ws.spelled(p)) for p in ws.publishable()]
    for name, own, spelled in packages:
        # Asked of the package's own registry: in a repository with a Cargo and a Python
        # workspace, the crates' registry yanks and the package index cannot.
        held = registry.for_package(name)
        listed = {
            str(v): (there.version, there.yanked)
            for there in held.versions(name).values()
            if (v := _read(there.version)) is not None
        }
        for old in earlier_rcs(own, {version: yanked for version, (_, yanked) in listed.items()}):
            text = listed[old][0]
            if RegistryCapability.YANK not in held.capabilities:
                ctx.emit(
                    "warn",
                    f"{name} {text} is superseded by {spelled}; {held.label} cannot yank through its API "
                    f"(yank it on the index's page if you want it hidden)",
                    crate=name,
                    version=text,
                )
                continue
            held.yank(name, text)
            ctx.emit("step", f"yanked {name} {text} (superseded by {spelled})", crate=name, version=text)


def _read(listed: str) -> Version | None:
    """The train's version a registry lists as `listed` (a Cargo registry's SemVer, a package
    index's PEP 440); None for one the train's versions cannot carry."""
    from release_train.model.pep440 import to_train

    if Version.is_valid(listed):
        return Version.parse(listed)
    try:
        return to_train(listed)
    except VersionError:
        return None
