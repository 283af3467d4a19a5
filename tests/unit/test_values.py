"""Value classes are built without dataclass's per-class code generation (for start-up time) but
must behave exactly as dataclasses: these tests pin that down, on the settings and side by side
with `dataclasses` itself."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from release_train import values
from release_train.config import (
    ForgeSettings,
    Pacing,
    PublishSettings,
    Settings,
    WorkspaceSettings,
    describe,
    load_settings,
    with_forge_path,
)


def test_settings_are_dataclasses_with_their_fields() -> None:
    assert dataclasses.is_dataclass(Settings)
    names = [f.name for f in dataclasses.fields(ForgeSettings)]
    assert names == ["kind", "path", "require_checks", "api_url", "token_env"]
    assert dataclasses.asdict(Pacing(5, 600.0)) == {"burst": 5, "every": 600.0}


def test_init_defaults_positional_and_keyword() -> None:
    forge = ForgeSettings("github", path="x")
    assert (forge.kind, forge.path, forge.require_checks) == ("github", "x", False)
    assert forge.token_env == ["RELEASE_TRAIN_TOKEN", "GITHUB_TOKEN"]
    settings = Settings(Path("r"), None)
    assert settings.workspaces == (WorkspaceSettings(),)
    assert settings.publish.new_crate == Pacing(5, 600.0)


def test_init_rejects_what_a_dataclass_rejects() -> None:
    with pytest.raises(TypeError, match="missing required argument: 'config_file'"):
        Settings(root=Path())  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected or repeated argument 'colour'"):
        ForgeSettings(colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="repeated argument 'kind'"):
        ForgeSettings("github", kind="local")  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3 were given"):
        Pacing(1, 2.0, 3)  # type: ignore[call-arg]


def test_frozen_equality_hash_repr() -> None:
    forge = ForgeSettings(path="a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        forge.path = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del forge.kind
    assert forge == ForgeSettings(path="a")
    assert forge != ForgeSettings(path="b")
    assert forge != object()
    assert hash(Pacing(1, 2.0)) == hash(Pacing(1, 2.0))
    assert repr(Pacing(1, 2.0)) == "Pacing(burst=1, every=2.0)"
    assert repr(ForgeSettings()).startswith("ForgeSettings(kind='local', path='', require_checks=False,")


def test_replace_copy_and_pickle(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, ["forge.path=../origin.git", "publish.index-timeout=5"])
    moved = with_forge_path(settings, "elsewhere")
    assert moved.forge.path == "elsewhere" and moved.publish == settings.publish
    assert dataclasses.replace(settings.publish, registry="local").registry == "local"
    assert copy.deepcopy(settings) == settings
    assert pickle.loads(pickle.dumps(settings.publish)) == settings.publish  # noqa: S301
    assert isinstance(PublishSettings().assets, list)
    rows = {key: source for key, _, source in describe(settings)}
    assert rows["forge.path"] == "flag --set" and rows["forge.kind"] == "default"


# Side by side: each class below is declared twice from one body, once by `dataclasses` and once
# by `release_train.values`; everything a caller can observe must come out the same.
Build = Callable[[Any, Any], tuple[Any, ...]]


def both(build: Build) -> list[tuple[Any, ...]]:
    return [build(dataclasses.dataclass, dataclasses.field), build(values.dataclass, values.field)]


def plans(dataclass: Any, field: Any) -> tuple[Any, ...]:
    @dataclass(frozen=True, kw_only=True)
    class Plan:
        flow: str
        summary: str
        steps: tuple[str, ...] = ()
        facts: dict[str, Any] = field(default_factory=dict)

    @dataclass(frozen=True, kw_only=True)
    class CutPlan(Plan):
        version: str  # type: ignore[misc]  # kw_only: allowed after defaults (mypy misses it here)
        summary: str = "overridden default"

    return Plan, CutPlan


def test_kw_only_inheritance_is_a_dataclass_s() -> None:
    seen = []
    for _, cut_plan in both(plans):
        made = cut_plan(flow="cut", version="2.0.0", steps=("a",))
        with pytest.raises(TypeError):
            cut_plan("cut", version="2.0.0")
        with pytest.raises(TypeError):
            cut_plan(flow="cut")
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.flow = "x"
        changed = dataclasses.replace(made, version="3.0.0")
        seen.append(
            (
                repr(made),
                made == cut_plan(flow="cut", version="2.0.0", steps=("a",)),
                made == changed,
                [(f.name, f.kw_only) for f in dataclasses.fields(cut_plan)],
                dataclasses.asdict(changed),
                values.replace(made, version="3.0.0") == changed,
                cut_plan.__match_args__,
            )
        )
    assert seen[0] == seen[1]
    assert seen[0][0].endswith(
        "CutPlan(flow='cut', summary='overridden default', steps=('a',), facts={}, version='2.0.0')"
    )


def mutable(dataclass: Any, field: Any) -> tuple[Any, ...]:
    @dataclass
    class Env:
        COUNT: ClassVar[int] = 3
        name: str
        seen: list[str] = field(default_factory=list)
        cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
        derived: str = field(init=False, compare=False)
        kept: int = field(default=7, init=False)

        def __post_init__(self) -> None:
            self.derived = self.name.upper()

    @dataclass(eq=False)
    class Node:
        name: str

    return Env, Node


def test_mutable_factories_post_init_and_flags_are_a_dataclass_s() -> None:
    seen = []
    for env, node in both(mutable):
        one, two = env("a"), env("a", ["x"])
        one.seen.append("y")
        two.cache["k"] = "v"
        one.name = "renamed"  # not frozen
        with pytest.raises(TypeError):
            hash(one)  # eq without frozen: unhashable
        with pytest.raises(TypeError):
            env("a", derived="no")  # init=False
        seen.append(
            (
                repr(one),
                one == env("renamed", ["y"]),  # `cache` is not compared
                env("a").seen is not env("a").seen,
                (one.derived, one.kept, env.COUNT),
                [f.name for f in dataclasses.fields(env)],
                node("n") == node("n"),  # eq=False: identity
                hash(node("n")) != 0,
                dataclasses.is_dataclass(one),
            )
        )
    assert seen[0] == seen[1]
    assert seen[0][1] is True and seen[0][5] is False


def test_replace_refuses_what_dataclasses_replace_refuses() -> None:
    for _, cut_plan in both(plans):
        made = cut_plan(flow="cut", version="1")
        with pytest.raises(TypeError):
            values.replace(made, colour="red")
        with pytest.raises(TypeError):
            dataclasses.replace(made, colour="red")


def test_methods_written_in_the_class_are_kept() -> None:
    for dataclass, _ in ((dataclasses.dataclass, None), (values.dataclass, None)):

        @dataclass(frozen=True)
        class Version:
            text: str

            def __repr__(self) -> str:
                return self.text

            def __eq__(self, other: object) -> bool:
                return isinstance(other, Version) and other.text.lower() == self.text.lower()

            __hash__ = object.__hash__

        assert repr(Version("A")) == "A"
        assert Version("A") == Version("a")
