"""Property: a bump changes the version strings and nothing else.

Hypothesis draws small workspaces with varied formatting (comments that contain version-like
text, blank lines, quote styles, inline and multi-line tables, target tables, CRLF). Each manifest
is rendered twice from the same template: once with the old versions, once with the new ones. The
bump of the first must give exactly the second.
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

comment_text = st.text(alphabet="abc xyz.0123456789=-_\"'", max_size=20)


@dataclass(frozen=True)
class Shape:
    inherit: tuple[bool, ...]  # per crate: version.workspace = true, or a literal 0.9.0-line version
    public: tuple[bool, ...]
    forms: tuple[str, ...]  # how crate i names crate i-1
    comments: tuple[str, ...]
    blank: tuple[int, ...]
    crlf: bool


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    n = draw(st.integers(min_value=2, max_value=5))
    return Shape(
        inherit=tuple(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        public=tuple(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        forms=tuple(
            draw(
                st.lists(
                    st.sampled_from(["double", "single", "table", "unix", "dev", "ws"]),
                    min_size=n,
                    max_size=n,
                )
            )
        ),
        comments=tuple(draw(st.lists(comment_text, min_size=n + 1, max_size=n + 1))),
        blank=tuple(draw(st.lists(st.integers(min_value=0, max_value=2), min_size=n + 1, max_size=n + 1))),
        crlf=draw(st.booleans()),
    )


def render(shape: Shape, ws: str, lit: str, start: tuple[str, str]) -> dict[str, str]:
    """Every file of the workspace at workspace version `ws` and literal version `lit`; comments
    quote the `start` versions, which must survive the bump."""
    n = len(shape.inherit)

    def version(i: int) -> str:
        return ws if shape.inherit[i] else lit

    def req(i: int) -> str:
        return ("" if shape.public[i] else "=") + version(i)

    gap = ["\n" * b for b in shape.blank]
    deps = "\n".join(f'c{i} = {{ path = "c{i}", version = "{req(i)}" }}' for i in range(n))
    files = {
        "Cargo.toml": f'# {shape.comments[-1]}\n[workspace]\nmembers = ["c*"]\n{gap[-1]}'
        f'[workspace.package]\nversion = "{ws}" # {start[0]} stays a comment\n\n[workspace.dependencies]\n{deps}\n',
    }
    for i in range(n):
        own = "version.workspace = true" if shape.inherit[i] else f"version = '{lit}'"
        text = f'[package]\nname = "c{i}"\n{own}\n# {shape.comments[i]}\n{gap[i]}edition = "2021"\n'
        if i:
            dep, form = i - 1, shape.forms[i]
            body = {
                "double": f'[dependencies]\nc{dep} = {{ path = "../c{dep}", version = "{req(dep)}" }}\n',
                "single": f"[dependencies]\nc{dep} = {{ version = '{req(dep)}', path = '../c{dep}' }} # {start[1]}\n",
                "table": f'[dependencies.c{dep}]\n# {shape.comments[i]}\nversion = "{req(dep)}"\npath = "../c{dep}"\n',
                "unix": f'[target.\'cfg(unix)\'.dependencies]\nc{dep} = {{ path = "../c{dep}", version = "{req(dep)}" }}\n',
                "dev": f'[dev-dependencies]\nc{dep} = {{ path = "../c{dep}", version = "{req(dep)}" }}\n',
                "ws": f"[dependencies]\nc{dep}.workspace = true\n",
            }[form]
            text += f"\n{body}"
        files[f"c{i}/Cargo.toml"] = text
    if shape.crlf:
        files = {k: v.replace("\n", "\r\n") for k, v in files.items()}
    lock = ["version = 4"]
    for i in range(n):
        lock += ["", "[[package]]", f'name = "c{i}"', f'version = "{version(i)}"']
    files["Cargo.lock"] = "\n".join(lock) + "\n"
    public = ", ".join(f'"c{i}"' for i in range(n) if shape.public[i])
    files["release-train.toml"] = f"[[workspace]]\npublic = [{public}]\n"
    return files


def read(root: Path, files: dict[str, str]) -> dict[str, str]:
    return {name: (root / name).read_bytes().decode() for name in files}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes(), st.sampled_from([("3.0.0", "0.90.0"), ("0.4.0", "0.0.7"), ("12.0.2", "0.99.2")]))
def test_bump_changes_only_version_strings(shape: Shape, start: tuple[str, str]) -> None:
    from release_train.model.version import Version

    ws, lit = start
    for op in ("major", "patch"):
        before = render(shape, ws, lit, start)
        after = render(shape, str(Version.parse(ws).bump(op)), str(Version.parse(lit).bump(op)), start)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_files(root, before)
            apply_bump(plan_bump(load_settings(root), op))
            assert read(root, before) == after
