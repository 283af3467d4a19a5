"""The flows' side of the release notes: the bundled template, the notes file of a checkout
(for `verify`) or of a commit (for the train flows), and an edit by the file's shape with the
file and branch named when it is refused. The edits themselves are pure (`model/notes`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path, PurePosixPath

from release_train.config import Settings
from release_train.errors import WorkspaceError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.model import notes
from release_train.model.version import Operation, Version
from release_train.values import dataclass

TEMPLATE = "RELEASES.md"


def template() -> str:
    """The bundled `RELEASES.md` template (`{version}` and `{project}` placeholders)."""
    # Beside this package's modules, as every installed file of ours is: `importlib.resources`
    # would find the same file and costs cut and release ~5 ms of imports (zipfile) to do it.
    return (Path(__file__).parents[2] / "templates" / TEMPLATE).read_text(encoding="utf-8")


def new_file(project: str, version: Version) -> str:
    """A first notes file: the template for `version` (what `init` writes)."""
    return notes.render_template(template(), str(version.core()), project)


def check_notes(settings: Settings, version: Version, *, release_branch: bool, day: date) -> list[str]:
    """What the flows would refuse in the checkout's notes file, one `file:line: ... (fix: ...)`
    line each; a missing file is one problem."""
    relative = settings.release.notes
    text = _read(settings)
    if isinstance(text, list):
        return text
    core = str(version.core())
    cut = None
    if not release_branch:
        following = str(version.bump(Operation.MAJOR).core())
        cut = notes.Cut(
            version=core, next_version=following, link=f"release-{core}:{relative}", template=template()
        )
    found = notes.check(text, name=PurePosixPath(relative).name, version=core, cut=cut, day=day)
    return [f"{relative}:{p.line}: the notes file {p.message} (fix: {p.hint})" for p in found]


def check_notes_on_main(settings: Settings, version: Version, following: Version, *, day: date) -> list[str]:
    """`check_notes` for a train without release branches: what its next release on main
    (`version`, then `following` expected) would refuse in the checkout's notes file."""
    relative = settings.release.notes
    text = _read(settings)
    if isinstance(text, list):
        return text
    found = notes.check_on_main(
        text,
        name=PurePosixPath(relative).name,
        version=str(version.core()),
        next_version=str(following.core()),
        template=template(),
        day=day,
    )
    return [f"{relative}:{p.line}: the notes file {p.message} (fix: {p.hint})" for p in found]


def _read(settings: Settings) -> str | list[str]:
    """The notes file's text, read where the settings were read (the disk, or a commit's tree);
    else the one problem that stops the check."""
    relative = settings.release.notes
    files = settings.files()
    path = str(settings.resolve(relative))
    if not files.is_file(path):
        return [
            f"{relative}: the notes file does not exist (fix: `release-train init` creates it from the "
            f"template; or set [release] notes to your notes file)"
        ]
    try:
        return files.read(path).decode()
    except WorkspaceError as exc:  # a link out of the repository (or of the commit)
        return [f"{relative}: {exc.message} (fix: {exc.hint})"]


def edit(path: str, branch: str, text: str, change: Callable[[notes.Shape, str], str]) -> str:
    """`change(shape, text)` for the shape of `text`; a refusal names the file and branch."""
    shape = notes.detect(text, PurePosixPath(path).name)
    try:
        return change(shape, text)
    except notes.NotesError as exc:
        raise notes.NotesError(
            f"{path} on {branch} {exc.message} (line {exc.line})",
            hint=f"{exc.hint}, then run again; nothing was changed" if exc.hint else "nothing was changed",
            line=exc.line,
        ) from None


@dataclass(frozen=True)
class NotesChange:
    """The notes file of a commit before and after a flow's edit."""

    path: str  # inside the repository
    old: str
    new: str

    def files(self) -> dict[str, bytes]:
        return {self.path: self.new.encode()} if self.new != self.old else {}

    def diffs(self) -> tuple[tuple[str, str], ...]:
        if self.new == self.old:
            return ()
        return ((self.path, notes.unified_diff(self.old, self.new, self.path)),)


def change_at(env: FlowEnv, rev: str, branch: str, change: Callable[[notes.Shape, str], str]) -> NotesChange:
    """`edit` of the notes file as committed at `rev` (the tip of `branch`)."""
    path = bw.notes_path(env)
    text = bw.read_notes(env, rev, branch)
    return NotesChange(path, text, edit(path, branch, text, change))
