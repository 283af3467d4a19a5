"""The settings classes are built without dataclass's per-class code generation (for start-up
time) but must behave exactly as frozen dataclasses: these tests pin that down."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest

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
    with pytest.raises(TypeError, match="takes 2 arguments but 3 were given"):
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
