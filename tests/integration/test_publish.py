"""The publisher end to end: real `cargo` publishes a synthetic workspace of interdependent crates
to the local registry on 127.0.0.1, layer by layer; a separate consumer then resolves the top crate."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available, write_consumer
from tests.fixtures.publishing import TOKEN, publish_site

from release_train.flows.publish.apply import PublishReport
from release_train.flows.publish.checks import MetadataError
from release_train.flows.publish.execute import PublishFailed
from release_train.infra import proc
from release_train.registries import open_registry
from release_train.registries.interface import UploadRequest
from release_train.registries.local_cargo import cargo_env

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]


def test_publishes_ten_crates_in_layers_and_a_consumer_fetches_the_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=10, depth=4, index_delay=0.2) as site:
        report = site.publish()
        assert isinstance(report, PublishReport)
        names = site.workspace.names
        assert sorted(report.published) == sorted(names)
        assert site.successes() == dict.fromkeys(names, 1)
        # Every crate was uploaded after each of its dependencies was accepted.
        accepted = {a.crate: a.time for a in site.server.upload_log if a.status == 200}
        for crate in site.workspace.crates:
            for dep in crate.deps:
                assert accepted[dep] < accepted[crate.name], f"{crate.name} went before {dep}"
        journal = json.loads(site.journal().read_text())
        assert journal["state"] == "done"
        assert set(journal["crates"].values()) == {"visible"}
        assert any("ETA" in line for line in site.recorder.messages("plan"))

        # A separate consumer project resolves and fetches the top crate from the registry.
        consumer = write_consumer(tmp_path / "consumer", site.workspace.top.name, site.workspace.top.version)
        home = tmp_path / "consumer-cargo-home"
        env = cargo_env(site.server.index_url, replace_crates_io=True, cargo_home=home)
        env["CARGO_HOME"] = str(home)
        fetched = proc.run(["cargo", "fetch"], cwd=consumer, env=env, check=False, timeout=240)
        assert fetched.returncode == 0, fetched.stderr
        lock = tomllib.loads((consumer / "Cargo.lock").read_text())
        assert {p["name"] for p in lock["package"]} >= set(names)

        # Run again: the registry says everything is there; nothing is uploaded.
        again = site.publish()
        assert isinstance(again, PublishReport)
        assert again.published == ()
        assert len(again.plan.present) == 10
        assert site.successes() == dict.fromkeys(names, 1)


def test_dry_run_prints_the_schedule_and_uploads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from release_train.cli import main

    with publish_site(tmp_path, monkeypatch, count=4, depth=2) as site:
        monkeypatch.setenv("SYNTH_TOKEN", "publish-test-token")
        code = main(["publish", "--dry-run", "-C", str(site.repo.path), "--tag", site.tag])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "4 to upload, 0 already there" in out.out
        assert "ETA" in out.out
        for name in site.workspace.names:
            assert name in out.out
        assert "publish-test-token" not in out.out + out.err
        assert site.server.upload_log == []
        assert not site.journal().exists()


def test_json_dry_run_reports_the_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from release_train.cli import main

    with publish_site(tmp_path, monkeypatch, count=3, depth=2) as site:
        code = main(["publish", "--dry-run", "--json", "-C", str(site.repo.path)])
        data = json.loads(capsys.readouterr().out)
        assert code == 0
        assert data["tag"] == site.tag
        assert {s["crate"] for s in data["schedule"]} == set(site.workspace.names)
        assert data["eta_seconds"] > 0


def test_every_metadata_offender_is_listed_before_any_upload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=4, depth=2) as site:
        first, second = site.workspace.names[:2]
        for name, old, new in (
            (first, "description = ", "# no description "),
            (second, "license = ", 'readme = "README.md"\n# '),
        ):
            manifest = site.repo.path / "crates" / name / "Cargo.toml"
            manifest.write_text(manifest.read_text().replace(old, new))
        site.repo.commit_all("break metadata")
        site.repo.run("tag", "-f", site.tag)
        # the dry run refuses with the same list, so a tag is never spent on a refusal
        with pytest.raises(MetadataError) as dry:
            site.publish(dry_run=True)
        with pytest.raises(MetadataError) as caught:
            site.publish()
        message = str(caught.value)
        assert str(dry.value) == message
        assert f"crates/{first}/Cargo.toml:1: {first} has no `description`" in message
        assert f"crates/{second}/Cargo.toml:1: {second} has no `license` or `license-file`" in message
        lines = (site.repo.path / "crates" / second / "Cargo.toml").read_text().splitlines()
        readme = lines.index('readme = "README.md"') + 1
        assert (
            f"crates/{second}/Cargo.toml:{readme}: {second}: `readme` names README.md, which does not exist"
            in message
        )
        assert "(fix: add the file or correct the path)" in message
        assert "(3)" in message
        assert site.server.upload_log == []


def test_a_version_already_published_from_other_sources_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=3, depth=2) as site:
        first = site.workspace.names[0]
        # Someone published `first` 0.1.0 from different sources before the train got to it.
        other = tmp_path / "other"
        shutil.copytree(site.repo.path, other, ignore=shutil.ignore_patterns(".git", "target"))
        (other / "crates" / first / "src" / "lib.rs").write_text("pub fn value() -> u64 { 42 }\n")
        registry = open_registry(site.settings, TOKEN)
        registry.publish(UploadRequest(first, "0.1.0", other))
        with pytest.raises(PublishFailed) as caught:
            site.publish()
        message = str(caught.value)
        assert f"{first} 0.1.0: {first}-0.1.0.crate: the index has sha256 " in message
        assert "differ from what v0.1.0 packages to" in message
        assert site.successes() == {first: 1}
