"""The per-kind table of forges/__init__.py: which kind reads a token, and from which variables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from release_train.cli.common import forge_token
from release_train.config import ForgeSettings, Settings
from release_train.forges import FORGES, token_variables


def _settings(forge: ForgeSettings) -> Settings:
    return dataclasses.replace(Settings(Path("r"), None), forge=forge)


def test_the_local_forge_reads_no_token_even_when_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", "github_pat_not_for_the_local_forge")
    local = _settings(ForgeSettings("local", path="../origin.git"))
    assert token_variables(local) == ()
    assert forge_token(local) is None


def test_github_reads_the_first_variable_token_env_names_that_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIRST_TOKEN", raising=False)
    monkeypatch.setenv("SECOND_TOKEN", "ghs_second")
    github = _settings(ForgeSettings("github", token_env=["FIRST_TOKEN", "SECOND_TOKEN"]))
    assert token_variables(github) == ("FIRST_TOKEN", "SECOND_TOKEN")
    token = forge_token(github)
    assert token is not None and token.reveal() == "ghs_second"
    assert "ghs_second" not in repr(token)


def test_an_unknown_kind_reads_no_token_and_doctor_can_still_name_every_known_one() -> None:
    assert token_variables(_settings(ForgeSettings("gitlab"))) == ()
    github = _settings(ForgeSettings("github", api_url="https://ghe.example/api/v3"))
    assert FORGES["github"].address(github) == "https://ghe.example/api/v3"
    assert FORGES["local"].address(_settings(ForgeSettings("local", path="../o.git"))) == "../o.git"
