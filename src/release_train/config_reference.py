"""The configuration reference, generated from the declarations in `config.py`: every section,
every key with its default and what it does, and an example of each section that loads.

`release-train config --reference` prints it; the README's "Configuration reference" section is
this text (a test keeps them equal), so the reference lives in the project and cannot drift.
"""

from __future__ import annotations

from typing import Any

from release_train.config import ARRAYS, CONFIG_FILE, TABLES, Pacing
from release_train.values import specs_of

# Example values where the default says little (an empty string or list); the rest show their
# default. Each is TOML, and the whole example file loads (tests/unit/test_config_reference.py).
EXAMPLES: dict[str, str] = {
    "project.name": '"Wasmtime"',
    "project.repository": '"bytecodealliance/wasmtime"',
    "project.version-from": '"wasmtime-cli"',
    "release.notes": '"CHANGELOG.md"',
    "workspace.public": '["wasmtime", "wasmtime-cli", "cranelift-*"]',
    "workspace.publish": '["wasmtime", "wasmtime-cli", "cranelift-codegen"]',
    "forge.path": '"../origin.git"',
    "publish.assets": '["dist/*"]',
    "version-file.path": '"crates/c-api/include/wasmtime.h"',
    "version-file.patterns": """['#define WASMTIME_VERSION "{version}"', '#define WASMTIME_VERSION_MAJOR {major}']""",
    "gates.advisory-db": '"../advisory-db"',
    "gates.osv-dir": '"osv"',
}


def toml_value(value: Any) -> str | None:
    """`value` written as TOML, or None when TOML has no spelling for it (an unset option)."""
    text: str | None = None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, Pacing):
        text = f"{{ burst = {value.burst}, every = {value.every:g} }}"
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = "[" + ", ".join(toml_value(v) or "" for v in value) + "]"
    return text


def _sections() -> list[tuple[str, str, type]]:
    """(name, header as written in TOML, class) of every section, tables then arrays."""
    tables = [(name, f"[{name}]", cls) for name, cls in TABLES.items()]
    arrays = [(name, f"[[{name}]]", cls) for name, cls in ARRAYS.items()]
    return [*tables, *arrays]


def _doc(cls: type) -> str:
    text = " ".join((cls.__doc__ or "").split())
    text = text.split(": ", 1)[1] if ": " in text else text
    return text[:1].upper() + text[1:]


def example(name: str, header: str, cls: type) -> list[str]:
    """The example lines of one section (every key with its example or default)."""
    lines = [header]
    for spec in specs_of(cls):
        key = spec.name.replace("_", "-")
        value = EXAMPLES.get(f"{name}.{key}") or toml_value(spec.make_default())
        lines.append(f"{key} = {value}" if value is not None else f"# {key}: unset by default")
    return lines


def example_file() -> str:
    """Every section's example as one configuration file (it loads: a test says so)."""
    return "\n\n".join("\n".join(example(*section)) for section in _sections()) + "\n"


def reference() -> str:
    """The reference, as Markdown."""
    out = [
        f"`{CONFIG_FILE}` at the repository root (or `[tool.release-train]` in `pyproject.toml`). Every "
        'key is optional; an unknown key is an error with a "did you mean" hint. `release-train config` '
        "shows each resolved value and where it came from; `--set SECTION.KEY=VALUE` overrides one for "
        "a run.",
    ]
    for name, header, cls in _sections():
        out += ["", f"### `{header}`", "", _doc(cls), "", "| key | default | meaning |", "|---|---|---|"]
        for spec in specs_of(cls):
            default = toml_value(spec.make_default())
            shown = f"`{default}`" if default is not None else "unset"
            out.append(f"| `{spec.name.replace('_', '-')}` | {shown} | {spec.help or ''} |")
        out += ["", "```toml", *example(name, header, cls), "```"]
    return "\n".join(out) + "\n"
