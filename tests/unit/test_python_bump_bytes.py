"""Property: a bump of a Python workspace changes version strings and nothing else.

Hypothesis draws small uv workspaces with varied formatting: quote styles, spaces around `=` and
around requirement operators, extras, environment markers (with escaped quotes in basic strings),
comments that quote versions, one-line and multi-line arrays, requirements in dependencies,
optional dependencies and dependency groups, `__version__` files, CRLF. Every file is rendered
twice from the same drawing: once at the old versions, once at the new ones. The bump of the
first must give exactly the second, so any byte it touched outside a version is a failure.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fixtures.files import write_files

from release_train.config import load_settings
from release_train.flows.train.bump import apply_bump, plan_bump
from release_train.model.pep440 import to_pep440
from release_train.model.version import Version

comment_text = st.text(alphabet="abc xyz.0123456789=<>~-_\"'", max_size=16)


@dataclass(frozen=True)
class Member:
    public: bool
    version_file: bool  # the version in src/<name>/__init__.py (hatch path) instead of [project]
    quote: str  # quote of the requirement on the previous member: ' or "
    spaced: bool  # spaces around the operators
    extra: str  # "", "[x]", "[x, y]"
    marker: str  # "", "plain", "escaped"
    table: str  # where the requirement is: dependencies, optional, group
    multiline: bool
    comment: str
    eq_spaces: str  # around `=` of `version`


@dataclass(frozen=True)
class Shape:
    members: tuple[Member, ...]
    crlf: bool
    root_comment: str


members = st.builds(
    Member,
    public=st.booleans(),
    version_file=st.booleans(),
    quote=st.sampled_from(["'", '"']),
    spaced=st.booleans(),
    extra=st.sampled_from(["", "[x]", "[x, y]"]),
    marker=st.sampled_from(["", "plain", "escaped"]),
    table=st.sampled_from(["dependencies", "optional", "group"]),
    multiline=st.booleans(),
    comment=comment_text,
    eq_spaces=st.sampled_from([" ", "", "  "]),
)
shapes = st.builds(
    Shape,
    members=st.lists(members, min_size=2, max_size=4).map(tuple),
    crlf=st.booleans(),
    root_comment=comment_text,
)


def _bound(v: Version) -> str:
    return str(v.major + 1) if v.major else f"0.{v.minor + 1}"


def requirement(m: Member, name: str, v: Version, start: Version) -> str:
    """The requirement string (with its quotes) on member `name` at version `v`."""
    gap = " " if m.spaced else ""
    spec = f"=={gap}{to_pep440(v)}" if not m.public else f">={gap}{to_pep440(v)},{gap}<{gap}{_bound(v)}"
    marker = ""
    if m.marker == "plain":
        marker = "; python_version >= '3.11'" if m.quote == '"' else '; python_version >= "3.11"'
    elif m.marker == "escaped" and m.quote == '"':
        marker = '; python_version >= \\"3.11\\"'
    # a comment quoting the starting version survives every bump
    return f"{m.quote}{name}{m.extra}{gap}{spec}{marker}{m.quote}  # was {to_pep440(start)} {m.comment}"


def render(shape: Shape, v: Version, start: Version) -> dict[str, str]:
    n = len(shape.members)
    files = {
        "pyproject.toml": f'# {shape.root_comment}\n[tool.uv.workspace]\nmembers = ["m*"]\n\n[tool.uv.sources]\n'
        + "".join(f"m{i} = {{ workspace = true }}\n" for i in range(n)),
        "release-train.toml": '[project]\nversion-from = "m0"\n\n[[workspace]]\nkind = "python"\npublic = ['
        + ", ".join(f'"m{i}"' for i, m in enumerate(shape.members) if m.public)
        + "]\n",
    }
    for i, m in enumerate(shape.members):
        own = (
            'dynamic = ["version"]'
            if m.version_file
            else f"version{m.eq_spaces}={m.eq_spaces}{m.quote}{to_pep440(v)}{m.quote}"
        )
        text = f'[project]\nname = "m{i}"\n{own}\n# {m.comment}\n'
        if i:
            dep = shape.members[i - 1]
            req = requirement(dep, f"m{i - 1}", v, start)
            items = f"[\n    {req}\n]" if m.multiline else f"[{req.split('  #')[0]}]  # {dep.comment}"
            text += {
                "dependencies": f"dependencies = {items}\n",
                "optional": f"\n[project.optional-dependencies]\nextra = {items}\n",
                "group": f"\n[dependency-groups]\ndev = {items}\n",
            }[m.table]
        if m.version_file:
            text += f'\n[tool.hatch.version]\npath = "src/m{i}/__init__.py"\n'
            files[f"m{i}/src/m{i}/__init__.py"] = (
                f"# {to_pep440(start)}\n__version__ = {m.quote}{to_pep440(v)}{m.quote}\n"
            )
        files[f"m{i}/pyproject.toml"] = text
    if shape.crlf:
        files = {k: t.replace("\n", "\r\n") for k, t in files.items()}
    return files


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes, st.sampled_from(["1.4.2", "0.7.3", "12.0.0rc2", "3.1.0.dev0"]))
def test_bump_changes_only_version_strings(shape: Shape, start_text: str) -> None:
    from release_train.model.pep440 import to_train

    start = to_train(start_text)
    for op in ("major", "patch", "minor"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            before = render(shape, start, start)
            write_files(root, before)
            apply_bump(plan_bump(load_settings(root), op))
            after = render(shape, start.bump(op), start)
            assert {name: (root / name).read_bytes().decode() for name in before} == after
