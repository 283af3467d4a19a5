"""CI summaries: with `GITHUB_STEP_SUMMARY` set, a publish (and every flow) appends a Markdown
summary to that file; `--summary FILE` writes the same anywhere. A publish's summary has a row
per package with its times; a failed one has the failed row and the command that resumes it.
Faults are the local registry's own (a crate it refuses)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.fixtures.publishing import TOKEN, publish_site
from tests.fixtures.train import build_train

from release_train.cli import main

pytestmark = pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")

ROW = re.compile(
    r"^\| (?P<crate>[\w-]+) \| (?P<version>[\w.+-]+) \| (?P<result>(?:\\\||[^|])+) \| (?P<started>[^|]*) \| (?P<visible>[^|]*) \|$"
)


def rows(markdown: str) -> dict[str, dict[str, str]]:
    found = {}
    for line in markdown.splitlines():
        if (m := ROW.match(line)) and m["crate"] != "package":
            found[m["crate"]] = {k: v.strip() for k, v in m.groupdict().items()}
    return found


def test_publish_appends_a_row_per_package_to_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=4, depth=2) as site:
        summary = tmp_path / "step-summary.md"
        summary.write_text("## an earlier step\n\n")
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        monkeypatch.setenv("SYNTH_TOKEN", TOKEN)
        assert main(["publish", "-C", str(site.repo.path), "--tag", site.tag]) == 0
        text = summary.read_text()
    assert text.startswith("## an earlier step\n\n## ✅ `release-train publish -C ")  # appended
    assert f"### Publish {site.tag}" in text
    table = rows(text)
    assert set(table) == set(site.workspace.names)
    for crate in site.workspace.crates:
        row = table[crate.name]
        assert (row["version"], row["result"]) == (crate.version, "published")
        started, visible = (
            float(row[k].removeprefix("+").removesuffix(" s")) for k in ("started", "visible")
        )
        assert 0 <= started <= visible
    assert "Resume with" not in text
    assert TOKEN not in text


def test_failed_publish_shows_the_failed_row_and_the_resume_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=4, depth=2) as site:
        first, refused, *_ = site.workspace.names
        site.server.reject(refused, "the name is reserved | for a test")
        summary = tmp_path / "step-summary.md"
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        monkeypatch.setenv("SYNTH_TOKEN", TOKEN)
        argv = ["publish", "-C", str(site.repo.path), "--tag", site.tag]
        assert main(argv) == 8
        failed = summary.read_text()

        site.server.clear_faults()
        again = tmp_path / "again.md"
        assert main([*argv, "--summary", str(again)]) == 0
        resumed = again.read_text()
        assert len(re.findall(r"^## ", summary.read_text(), re.MULTILINE)) == 2  # both runs, appended
    assert failed.startswith("## ❌ `release-train publish")
    assert "**Failed** (exit 8): publish of" in failed
    table = rows(failed)
    assert table[refused]["result"].startswith("failed: ")
    assert "reserved \\| for a test" in table[refused]["result"]  # the pipe does not break the row
    assert table[first]["result"] == "published"
    waiting = set(site.workspace.dependents(refused))
    assert waiting and all(table[name]["result"] == "not published" for name in waiting)
    assert f"Resume with: `release-train publish --tag {site.tag}`" in failed

    table = rows(resumed)
    assert table[first]["result"] == "already in the registry"
    assert table[refused]["result"] == "published"
    assert "Resume with" not in resumed


def test_a_flow_summary_has_its_plan_and_what_it_did(tmp_path: Path) -> None:
    train = build_train(tmp_path, major=3, now="2026-11-02")
    out = tmp_path / "cut.md"
    argv = ["cut", "-C", str(train.work.path), "--now", "2026-12-05T00:00:00Z", "--summary", str(out)]
    assert main(argv) == 0
    text = out.read_text()
    assert text.startswith("## ✅ `release-train cut -C ")
    plan = text[text.index("### Plan") : text.index("### Done")]
    assert "release-3.0.0" in plan and "Bump" in plan
    done = text[text.index("### Done") :]
    assert "pushed release-3.0.0" in done
    assert "PR #1" in done or "opened" in done
