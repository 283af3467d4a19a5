"""Settings: declared once, read from `release-train.toml` (or `[tool.release-train]` in
`pyproject.toml`), overridden by `--set section.key=value`, frozen, and each value remembers where
it came from (`release-train config` prints them).

Every option is one field of a frozen dataclass below; its TOML key is the field name with `_`
spelled `-`. Unknown keys are errors with a "did you mean" hint.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.errors import ConfigError
from release_train.values import dataclass, field, replace
from release_train.values import opt as _opt
from release_train.values import specs_of as _specs

if TYPE_CHECKING:
    from release_train.infra.confine import Files

CONFIG_FILE = "release-train.toml"


@dataclass(frozen=True)
class Pacing:
    """A token bucket: `burst` actions at once, then one every `every` seconds."""

    burst: int
    every: float


# Every settings class has a docstring: for a class without one, `dataclass` (when `fields` or
# `asdict` first asks for it) makes one from `inspect.signature`, which tokenizes.
@dataclass(frozen=True)
class ProjectSettings:
    """[project]: the name, the forge repository and where the train version comes from."""

    name: str = _opt("", "project name used in commit and PR titles", "str")
    repository: str = _opt("", "owner/name on the forge (optional for the local forge)", "str")
    version_from: str = _opt(
        "", "package whose version is the train's version; default: [workspace.package] version", "str"
    )


@dataclass(frozen=True)
class BranchSettings:
    """[branches]: the development branch, the release branch pattern, the bot's prefix."""

    main: str = _opt("main", "the development branch", "str")
    release: str = _opt("release-{version}", "release branch pattern", "str")
    bot_prefix: str = _opt("ci/", "prefix of the temporary branches the train proposes", "str")


@dataclass(frozen=True)
class ReleaseSettings:
    """[release]: the train's shape (release branches or not), the release marker, tag and notes
    file, the rc train, and where a held tag goes."""

    branches: bool = _opt(
        True,
        "cut a release branch per release (false: no release branches, every release and patch release "
        "is a PR to the development branch, as bytecodealliance/wasm-tools does)",
        "bool",
    )

    marker: str = _opt(
        "[automatically-tag-and-release-this-commit]", "marker line that makes a commit get tagged", "str"
    )
    tag: str = _opt("v{version}", "tag pattern", "str")
    notes: str = _opt(
        "RELEASES.md", "release notes file, per branch: the RELEASES.md shape or Keep a Changelog", "str"
    )
    rc: bool = _opt(False, "run the -dev / -rc.N train", "bool")
    tag_fix: bool = _opt(
        True,
        "when a marker commit's checks fail, tag the newest later commit of its branch with the same "
        "version whose checks pass",
        "bool",
    )


@dataclass(frozen=True)
class ScheduleSettings:
    """[schedule]: when the train cuts the release branch and opens the release PR (without release
    branches: when it proposes the release, and which bump)."""

    cut: str = _opt("0 0 5 * *", "cron (UTC) for cutting the release branch", "str")
    release: str = _opt("0 0 20 * *", "cron (UTC) for opening the release PR", "str")
    release_bump: str = _opt(
        "major",
        "without release branches: what the scheduled release does to the versions (major, as "
        "wasm-tools' release job does, minor or patch)",
        "major|minor|patch",
    )


@dataclass(frozen=True)
class RuleSettings:
    """One [[workspace.rule]]: what the train's `major` bump does to the packages it names."""

    packages: list[str] = _opt(
        [], "names or globs of the packages this rule is for (at least one)", "list[str]"
    )
    major: str = _opt(
        "major",
        "what `bump major` does to them: major (X+1.0.0), minor (X.Y+1.0), patch or none",
        "major|minor|patch|none",
    )


@dataclass(frozen=True)
class WorkspaceSettings:
    """One [[workspace]]: its kind, path, public globs, publish allow-list and per-package rules."""

    kind: str = _opt("cargo", "workspace kind: cargo or python", "str")
    path: str = _opt(".", "workspace root, relative to the repository", "str")
    members: list[str] | None = _opt(
        None,
        "python: the projects' directories (globs, relative to path) when they are not a uv workspace",
        "list[str]?",
    )
    public: list[str] = _opt([], "globs naming public packages; the rest are internal", "list[str]")
    publish: list[str] | None = _opt(
        None, "optional allow-list: every package is in it or has publish = false", "list[str]?"
    )
    rule: tuple[RuleSettings, ...] = _opt(
        (), "[[workspace.rule]] tables: packages whose `bump major` moves them otherwise", "rules"
    )
    registry: str = _opt(
        "",
        "with several [[workspace]] entries: this one's registry, as [publish] registry (empty: "
        "[publish]'s; a Cargo and a Python workspace need one each)",
        "str",
    )
    index: str = _opt("", "this workspace's index, as [publish] index (empty: [publish]'s)", "str")
    upload_url: str = _opt(
        "", "python: where this workspace's distributions are uploaded, as [publish] upload-url", "str"
    )
    token_env: str = _opt(
        "", "the variable holding this workspace's registry token (empty: as [publish] says)", "str"
    )


@dataclass(frozen=True)
class ForgeSettings:
    """[forge]: the forge backend and how to reach it."""

    kind: str = _opt("local", "forge backend: local or github", "str")
    path: str = _opt("", "local: the bare repository acting as origin", "str")
    require_checks: bool = _opt(False, "tag only commits whose recorded checks are green", "bool")
    api_url: str = _opt("https://api.github.com", "github: API base URL", "str")
    token_env: list[str] = _opt(
        ["RELEASE_TRAIN_TOKEN", "GITHUB_TOKEN"],
        "github: environment variables holding the token",
        "list[str]",
    )


@dataclass(frozen=True)
class PublishSettings:
    """[publish]: the registry, its index and token, and how fast to publish."""

    registry: str = _opt(
        "crates-io",
        "registry backend: crates-io or local (the bundled Cargo registry) for Cargo workspaces; pypi "
        "(PyPI, or any index speaking its upload and simple APIs) or local (the bundled pypiserver) "
        "for Python workspaces",
        "str",
    )
    index: str = _opt(
        "sparse+https://index.crates.io/",
        "index to publish to and to watch: Cargo's sparse index; for Python the simple API "
        "(registry = pypi: https://pypi.org/simple/ unless set; local: `registry serve --python` prints it)",
        "str",
    )
    upload_url: str = _opt(
        "",
        "python: where distributions are uploaded (the legacy upload API); empty: PyPI's "
        "(https://upload.pypi.org/legacy/) for PyPI's index, the local index's root for local",
        "str",
    )
    token_env: str = _opt(
        "",
        "environment variable holding the registry token; empty: CARGO_REGISTRY_TOKEN for Cargo "
        "registries, PYPI_TOKEN for Python ones (on GitHub Actions without it, PyPI's trusted publishing)",
        "str",
    )
    build_isolation: bool = _opt(
        True,
        "python: build each distribution in an isolated environment, its build requirements fetched "
        "from the index (false: with the build backends installed beside release-train, offline)",
        "bool",
    )
    assets: list[str] = _opt([], "globs of files attached to the forge release", "list[str]")
    new_crate: Pacing = _opt(
        Pacing(5, 600.0), "pacing of new crates: burst, then one per `every` s", "pacing"
    )
    new_version: Pacing = _opt(
        Pacing(30, 60.0), "pacing of new versions: burst, then one per `every` s", "pacing"
    )
    index_timeout: float = _opt(600.0, "seconds to wait for a version to show in the index", "float")
    journal_dir: str = _opt(
        "target/release-train", "where the resumable publish journal lives, relative to the repository", "str"
    )
    daily_cap: int = _opt(
        10, "new versions of one crate the registry takes per day (plans multi-line releases)", "int"
    )


@dataclass(frozen=True)
class VersionFileSettings:
    """One [[version-file]]: a file outside the manifests that holds the version."""

    path: str = _opt("", "file holding the version outside the manifests", "str")
    patterns: list[str] = _opt([], "patterns with {version} {major} {minor} {patch}", "list[str]")


@dataclass(frozen=True)
class SupportSettings:
    """[support]: how long release lines get patch releases."""

    lts_every: int = _opt(12, "a major divisible by this is a long-term-support line", "int")
    lts_months: int = _opt(24, "months an LTS line gets patch releases", "int")
    months: int = _opt(2, "months any other line gets patch releases", "int")


@dataclass(frozen=True)
class GateSettings:
    """[gates]: where security findings come from."""

    security_query: str = _opt(
        "is:issue is:open RUSTSEC in:title",
        "github: issue search (after repo:OWNER/NAME) whose open hits block a release",
        "str",
    )
    advisory_db: str = _opt(
        "", "a local RustSec advisory-db checkout checked against Cargo.lock (empty: not used)", "str"
    )
    osv_dir: str = _opt(
        "", "a directory of OSV JSON files checked against Cargo.lock (empty: not used)", "str"
    )


@dataclass(frozen=True)
class GithubSettings:
    """[github]: what the GitHub Actions workflows written by `init --github` install."""

    install: str = _opt(
        "",
        "pip requirement the generated workflows install release-train from, e.g. a git+https URL "
        "pinned to a commit (forks, unreleased builds); default: release-train==<the version that wrote them>",
        "str",
    )


TABLES: dict[str, type] = {
    "project": ProjectSettings,
    "branches": BranchSettings,
    "release": ReleaseSettings,
    "schedule": ScheduleSettings,
    "forge": ForgeSettings,
    "publish": PublishSettings,
    "support": SupportSettings,
    "gates": GateSettings,
    "github": GithubSettings,
}
ARRAYS: dict[str, type] = {"workspace": WorkspaceSettings, "version-file": VersionFileSettings}
NESTED: dict[str, type] = {"rules": RuleSettings}  # option kind -> the class of its tables


@dataclass(frozen=True)
class Settings:
    """Every resolved setting, and the configuration file they came from."""

    root: Path
    config_file: Path | None
    project: ProjectSettings = field(default_factory=ProjectSettings)
    branches: BranchSettings = field(default_factory=BranchSettings)
    release: ReleaseSettings = field(default_factory=ReleaseSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    forge: ForgeSettings = field(default_factory=ForgeSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
    support: SupportSettings = field(default_factory=SupportSettings)
    gates: GateSettings = field(default_factory=GateSettings)
    github: GithubSettings = field(default_factory=GithubSettings)
    workspaces: tuple[WorkspaceSettings, ...] = (WorkspaceSettings(),)
    version_files: tuple[VersionFileSettings, ...] = ()
    # "section.key" -> "default" | "<file>" | "flag --set"
    sources: Mapping[str, str] = field(default_factory=dict)
    # Not an option: when the settings were moved into a commit's tree (`flows/worktree.py`
    # `reroot`), the files below `root` are read from there; None: from the disk.
    tree: Files | None = None

    @property
    def project_name(self) -> str:
        return self.project.name or self.root.name

    def for_entry(self, entry: WorkspaceSettings) -> Settings:
        """The settings of one `[[workspace]]` entry alone: its `registry`, `index`, `upload-url`
        and `token-env` over `[publish]`'s (what the entry's registry is opened with)."""
        p = self.publish
        publish = replace(
            p,
            registry=entry.registry or p.registry,
            index=entry.index or p.index,
            upload_url=entry.upload_url or p.upload_url,
            token_env=entry.token_env or p.token_env,
        )
        return replace(self, publish=publish, workspaces=(entry,))

    def resolve(self, relative: str) -> Path:
        """A path from the configuration, relative to the repository root, links resolved."""
        if self.tree is not None:
            return Path(self.tree.real(str(self.root / relative)))
        return (self.root / relative).resolve()

    @property
    def python_registry(self) -> bool:
        """Packages go to a Python package index: every workspace is a Python one."""
        return all(w.kind == "python" for w in self.workspaces)

    @property
    def registry_token_env(self) -> str:
        """The variable holding the registry token (`[publish] token-env`, else the registry
        kind's usual one)."""
        if self.publish.token_env:
            return self.publish.token_env
        return "PYPI_TOKEN" if self.python_registry else "CARGO_REGISTRY_TOKEN"

    def files(self) -> Files:
        """Where the files below `root` are read: the commit's tree, or the disk."""
        if self.tree is not None:
            return self.tree
        from release_train.infra.confine import Confined

        return Confined(str(self.root))


def find_config(start: Path) -> tuple[Path, Path | None]:
    """Walk up from `start` to the first directory holding `release-train.toml` or a
    `pyproject.toml` with `[tool.release-train]`; stop at a git repository's top."""
    here = start.resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return directory, candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and b"[tool.release-train" in pyproject.read_bytes():
            return directory, pyproject
        if (directory / ".git").exists():
            return directory, None
    return here, None


def load_settings(start: Path, overrides: Sequence[str] = (), config_file: Path | None = None) -> Settings:
    """Resolve the settings for the repository at or above `start`."""
    path: Path | None
    if config_file is not None:
        path = config_file.resolve()
        root = path.parent
    else:
        root, path = find_config(start)
    raw: dict[str, Any] = {}
    if path is not None:
        raw = _read(path)
    sources: dict[str, str] = {}
    label = path.name if path else "default"
    merged = _apply_overrides(raw, overrides)
    return _build(root, path, merged, raw, sources, label)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: malformed TOML: {exc}", hint="fix the syntax at the position given"
        ) from exc
    except RecursionError:  # tomllib recurses once per level of nested arrays and inline tables
        raise ConfigError(
            f"{path}: malformed TOML: values nested too deep to read (cargo refuses more than 80 levels)",
            hint="flatten the nested arrays or inline tables",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {}).get("release-train", {})
        return dict(tool) if isinstance(tool, dict) else {}
    return data


def _apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """`raw` with each `--set SECTION.KEY=VALUE` applied. A wrong section or key is blamed on
    the flag (not on the configuration file, which may not even mention it)."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    sections = ", ".join(TABLES)
    for item in overrides:
        key, sep, value = item.partition("=")
        section, dot, name = (part.strip() for part in key.partition("."))
        flag = f"--set {key.strip()}"
        if not sep or not dot or not section or not name:
            raise ConfigError(
                f"--set {item!r}: expected SECTION.KEY=VALUE",
                hint=f"for example --set forge.path=../origin.git; sections: {sections}",
            )
        if section in ARRAYS:
            raise ConfigError(
                f"{flag}: [[{section}]] is a list of tables, which --set cannot change",
                hint=f"edit it in {CONFIG_FILE}; --set takes the sections {sections}",
            )
        if section not in TABLES:
            raise ConfigError(
                f"{flag}: unknown section {section!r}{_did_you_mean(section, list(TABLES))}",
                hint=f"sections: {sections}",
            )
        keys = [spec.name.replace("_", "-") for spec in _specs(TABLES[section])]
        if name not in keys:
            raise ConfigError(
                f"{flag}: unknown key {name!r} in [{section}]{_did_you_mean(name, keys)}",
                hint=f"keys of [{section}]: {', '.join(keys)}",
            )
        try:
            parsed: Any = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value  # a bare word is taken as a string
        merged.setdefault(section, {})[name] = parsed
        merged.setdefault("__flags__", set()).add(f"{section}.{name}")
    return merged


def _did_you_mean(word: str, known: list[str]) -> str:
    import difflib  # only on the error path

    close = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _build(
    root: Path,
    path: Path | None,
    merged: dict[str, Any],
    raw: dict[str, Any],
    sources: dict[str, str],
    label: str,
) -> Settings:
    flagged: set[str] = merged.pop("__flags__", set())
    where = str(path) if path else "the defaults"
    _reject_unknown(merged.keys(), [*TABLES, *ARRAYS], where, "")
    values: dict[str, Any] = {}
    for section, cls in TABLES.items():
        table = merged.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        values[section] = _section(cls, table, section, where, sources, label, flagged)
    for section, cls in ARRAYS.items():
        items = merged.get(section)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ConfigError(f"{where}: {section} must be an array of tables, written [[{section}]]")
        built = tuple(
            _section(cls, item, f"{section}[{n}]", where, sources, label, flagged)
            for n, item in enumerate(items)
        )
        values["workspaces" if section == "workspace" else "version_files"] = built
    if "workspace" not in merged:
        sources["workspace[0].path"] = "default"
    return Settings(root=root, config_file=path, sources=sources, **values)


def _section(
    cls: type,
    table: Mapping[str, Any],
    section: str,
    where: str,
    sources: dict[str, str],
    label: str,
    flagged: set[str],
) -> Any:
    known = {spec.name.replace("_", "-"): spec for spec in _specs(cls)}
    _reject_unknown(table.keys(), list(known), where, f"[{section}] ")
    kwargs: dict[str, Any] = {}
    for key, spec in known.items():
        qualified = f"{section}.{key}"
        flag = qualified in flagged
        if key in table and spec.kind in NESTED:
            tables = _tables(table[key], qualified, where)
            kwargs[spec.name] = tuple(
                _section(NESTED[spec.kind], item, f"{qualified}[{n}]", where, sources, label, flagged)
                for n, item in enumerate(tables)
            )
            sources[qualified] = label
        elif key in table:
            kwargs[spec.name] = _coerce(
                table[key], spec.kind, f"--set {qualified}" if flag else f"{where}: {qualified}"
            )
            sources[qualified] = "flag --set" if flag else label
        else:
            sources[qualified] = "default"
            if spec.required:
                raise ConfigError(f"{where}: {qualified} is required")
    if cls is RuleSettings and not kwargs.get("packages"):
        raise ConfigError(
            f"{where}: [{section}] names no packages",
            hint='add packages = ["name", "glob-*"] to the [[workspace.rule]] table, or remove it',
        )
    return cls(**kwargs)


def _tables(value: Any, key: str, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        written = key.split("[", 1)[0] + "." + key.rsplit(".", 1)[-1]
        raise ConfigError(
            f"{where}: {key} must be an array of tables, written [[{written}]]",
            hint=f"write each as its own [[{written}]] table under its [[{key.split('[', 1)[0]}]]",
        )
    return value


def _coerce(value: Any, kind: str, label: str) -> Any:
    """`value` as an option of `kind`; `label` names it in the error: `FILE: section.key` or
    `--set section.key`."""

    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{label} must be {expected}, not {value!r}")

    if kind.endswith("?"):
        kind = kind[:-1]
    if kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return int(value) if kind == "int" else float(value)
    if "|" in kind:  # one of a few words
        return _choice(value, kind.split("|"), label)
    if kind == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return list(value)
    if kind == "pacing":
        numbers = isinstance(value, dict) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
        )
        if not numbers or set(value) != {"burst", "every"}:
            raise bad("a table { burst = N, every = SECONDS }")
        return Pacing(int(value["burst"]), float(value["every"]))
    raise AssertionError(f"unknown option kind {kind}")


def _choice(value: Any, choices: list[str], label: str) -> str:
    if value not in choices:
        import difflib  # only on the error path

        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"one of: {', '.join(choices)}"
        raise ConfigError(f"{label} must be one of {', '.join(choices)}, not {value!r}", hint=hint)
    return str(value)


def _reject_unknown(keys: Any, known: list[str], where: str, prefix: str) -> None:
    for key in keys:
        if key not in known:
            close = _did_you_mean(key, known)
            hint = close.strip(" ()") if close else f"known keys: {', '.join(known)}"
            raise ConfigError(f"{where}: unknown key {prefix}{key!r}", hint=hint)


def describe(settings: Settings) -> list[tuple[str, Any, str]]:
    """Every resolved value as (key, value, source), for `release-train config`."""
    rows: list[tuple[str, Any, str]] = []
    for section, cls in TABLES.items():
        value = getattr(settings, section)
        for spec in _specs(cls):
            key = f"{section}.{spec.name.replace('_', '-')}"
            rows.append((key, _plain(getattr(value, spec.name)), settings.sources.get(key, "default")))
    for section, attr in (("workspace", "workspaces"), ("version-file", "version_files")):
        for n, item in enumerate(getattr(settings, attr)):
            rows += _rows(settings, f"{section}[{n}]", item)
    return rows


def _rows(settings: Settings, prefix: str, item: Any) -> list[tuple[str, Any, str]]:
    """One row per value of `item`; a table array (`[[workspace.rule]]`) one row per value of
    each of its tables, or one row saying it is empty."""
    rows: list[tuple[str, Any, str]] = []
    for spec in _specs(item):
        key = f"{prefix}.{spec.name.replace('_', '-')}"
        value = getattr(item, spec.name)
        if spec.kind in NESTED and value:
            for n, table in enumerate(value):
                rows += _rows(settings, f"{key}[{n}]", table)
        else:
            rows.append(
                (key, [] if spec.kind in NESTED else _plain(value), settings.sources.get(key, "default"))
            )
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, Pacing):
        return {"burst": value.burst, "every": value.every}
    return value


def with_forge_path(settings: Settings, path: str) -> Settings:
    """A copy of `settings` whose local forge lives at `path` (used by `demo` and tests)."""
    return replace(settings, forge=replace(settings.forge, path=path))
