"""`release-train status --html DIR` and `--svg FILE`: the release dashboard, loaded in headless
Chromium as a person would see it, for a long generated history (60 lines, LTS every 12th) and for
the demo month; the README's timeline regenerated from the demo.

Geometry is checked after layout: every bar's rendered left and right edges against the axis's
own scale (the rendered positions of two month ticks), the dates against the support policy
computed here independently, today's line against the bars."""

from __future__ import annotations

import itertools
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.chromium import Browser, chromium_path
from tests.fixtures.demo_month import demo_month
from tests.fixtures.history import (
    HOSTILE,
    LINES,
    NO_FORGE_RELEASE,
    NOW,
    History,
    add_months,
    build_history,
    history_args,
    released,
)

from release_train.cli import main
from release_train.registries.local_cargo import RegistryServer
from release_train.registries.local_cargo.index import encode_publish_body

SVG = "{http://www.w3.org/2000/svg}"
README_SVG = Path(__file__).resolve().parents[2] / "docs" / "demo-timeline.svg"
DEMO_NOW = "2026-12-22T12:00:00Z"
TODAY = date(2027, 1, 12)
LTS_FILL = "rgb(217, 119, 6)"

GEOMETRY = """(() => {
  const box = e => { const b = e.getBoundingClientRect();
                     return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; };
  const mid = e => { const b = e.getBoundingClientRect(); return (b.left + b.right) / 2; };
  const today = document.querySelector('#rt-today');
  return {
    bars: [...document.querySelectorAll('svg rect.bar[data-branch]')].map(e => ({
      branch: e.dataset.branch, start: e.dataset.start, end: e.dataset.end,
      lts: e.classList.contains('lts'), supported: e.dataset.supported === 'true',
      unreleased: e.classList.contains('unreleased'),
      fill: getComputedStyle(e).fill, dashes: getComputedStyle(e).strokeDasharray,
      badge: [...e.parentNode.querySelectorAll('.badge')].map(t => t.textContent).join(),
      title: (e.querySelector('title') || {}).textContent, ...box(e)})),
    ticks: [...document.querySelectorAll('svg g.tick')].map(
      g => ({date: g.dataset.date, x: mid(g.querySelector('line'))})),
    today: {date: today.parentNode.dataset.date, x: mid(today)},
    labels: [...document.querySelectorAll('svg .row-label')].map(box),
    axis: [...document.querySelectorAll('svg .axis-label')].map(box),
  };
})()"""


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[History, str]]:
    """The 60-line history and a registry holding some of its recent tags' packages:
    v60.0.0, v59.0.1 and v48.0.3 complete; v60.0.1 only turbine-core (turbine is missing)."""
    root = tmp_path_factory.mktemp("history")
    built = build_history(root)
    with RegistryServer(root / "registry") as server:
        for crate, version in [
            *((c, v) for v in ("60.0.0", "59.0.1", "48.0.3") for c in ("turbine-core", "turbine")),
            ("turbine-core", "60.0.1"),
        ]:
            metadata = {"name": crate, "vers": version, "deps": [], "features": {}}
            server.registry.publish(None, encode_publish_body(metadata, f"{crate}-{version}".encode()))
        yield built, server.index_url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium_path()
    with Browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def status_html(args: list[str], now: str, out: Path) -> Path:
    assert main(["status", *args, "--now", now, "--html", str(out)]) == 0
    return out / "index.html"


# --- what a person sees, checked after layout ------------------------------------------------------
def scale_of(ticks: list[dict[str, Any]]) -> tuple[date, float, float]:
    """(a date, its x, pixels per day) from the first and last rendered month ticks."""
    first, last = ticks[0], ticks[-1]
    d0, d1 = date.fromisoformat(first["date"]), date.fromisoformat(last["date"])
    return d0, first["x"], (last["x"] - first["x"]) / (d1 - d0).days


def check_bars_on_scale(drawn: dict[str, Any]) -> None:
    d0, x0, per_day = scale_of(drawn["ticks"])

    def x(day: str) -> float:
        return x0 + (date.fromisoformat(day) - d0).days * per_day

    for bar in drawn["bars"]:
        assert abs(bar["left"] - x(bar["start"])) <= 1.0, bar
        assert abs(bar["right"] - x(bar["end"])) <= 1.0, bar
    assert abs(drawn["today"]["x"] - x(drawn["today"]["date"])) <= 1.0


def check_today_between_the_right_bars(drawn: dict[str, Any]) -> None:
    today = drawn["today"]["x"]
    for bar in drawn["bars"]:
        if bar["unreleased"]:
            assert abs(bar["left"] - today) <= 1.5, bar  # from today to the next release date
        elif bar["supported"]:
            assert bar["left"] < today < bar["right"], bar
        else:
            assert bar["right"] < today, bar


def check_readable(drawn: dict[str, Any]) -> None:
    """Row labels never overlap each other nor the plot; axis labels do not collide."""
    labels = sorted(drawn["labels"], key=lambda b: b["top"])
    for upper, lower in itertools.pairwise(labels):
        assert upper["bottom"] <= lower["top"] + 0.5
    plot_left = min(bar["left"] for bar in drawn["bars"])
    assert all(label["right"] <= plot_left for label in labels)
    axis = sorted(drawn["axis"], key=lambda b: b["left"])
    for left, right in itertools.pairwise(axis):
        assert left["right"] < right["left"]


def expected_history_bars() -> dict[str, tuple[str, str, bool, bool]]:
    """branch -> (start, end exclusive, LTS, supported), from the support policy's defaults
    (2 months; 24 for LTS, every 12th major), computed here, not by the tool."""
    out = {}
    for line in range(1, LINES + 1):
        lts = line % 12 == 0
        until = add_months(released(line), 24 if lts else 2)
        end = until + timedelta(days=1)
        out[f"release-{line}.0.0"] = (released(line).isoformat(), end.isoformat(), lts, until >= TODAY)
    out["release-61.0.0"] = (TODAY.isoformat(), "2027-01-20", False, True)  # next release date
    return out


@pytest.mark.chromium
def test_history_of_60_lines_in_chromium(
    history: tuple[History, str], browser: Browser, tmp_path: Path
) -> None:
    built, index_url = history
    page = status_html(history_args(built, index_url), NOW, tmp_path / "site")
    browser.open(page)
    shot = browser.screenshot(tmp_path / "history.png")
    assert shot.stat().st_size > 20_000
    drawn = browser.evaluate(GEOMETRY)

    expected = expected_history_bars()
    assert {b["branch"]: (b["start"], b["end"], b["lts"], b["supported"]) for b in drawn["bars"]} == expected
    assert [b["branch"] for b in drawn["bars"]] == sorted(expected, key=lambda n: -int(n.split("-")[1][:-4]))
    assert all(b["title"].startswith(b["branch"]) for b in drawn["bars"])
    check_bars_on_scale(drawn)
    check_today_between_the_right_bars(drawn)
    check_readable(drawn)
    # LTS lines are marked: their own colour and an "LTS" badge; the others have neither.
    for bar in drawn["bars"]:
        assert (bar["badge"] == "LTS") == bar["lts"], bar
        assert (bar["fill"] == LTS_FILL) == (bar["lts"] and bar["supported"]), bar
    unreleased = next(b for b in drawn["bars"] if b["unreleased"])
    assert unreleased["dashes"] not in ("none", "")
    # 61 rows in a page a person can scroll: about 18 px a row.
    assert 900 < drawn["labels"][-1]["bottom"] - drawn["labels"][0]["top"] + 300 < 1500

    text = browser.evaluate("document.body.innerText")
    # the forge's words are shown as text, never run as markup
    assert HOSTILE in text
    assert browser.evaluate("document.querySelectorAll('script').length") == 1  # the JSON data
    assert browser.evaluate("document.querySelectorAll('b').length") == 0
    # each supported line's card, newest first; the unfinished tag says what it lacks
    cards = browser.evaluate("[...document.querySelectorAll('article.line')].map(a => a.dataset.branch)")
    assert cards == ["release-61.0.0", "release-60.0.0", "release-59.0.0", "release-48.0.0"]
    rows = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('tr.tag')].map("
        "r => [r.dataset.tag, [...r.cells].map(c => c.innerText)]))"
    )
    assert set(rows) == {"v60.0.1", "v60.0.0", "v59.0.1", "v48.0.3"}
    assert rows[NO_FORGE_RELEASE][3:] == ["1 / 2", "missing", "turbine 60.0.1, forge release"]
    assert rows["v60.0.0"][3:] == ["2 / 2", "present", "nothing"]
    card_48 = browser.evaluate("document.querySelector('article[data-branch=\"release-48.0.0\"]').innerText")
    assert "v48.0.3 2026-12-28" in card_48 and "v48.0.1 2026-02-10" in card_48
    assert "TURB-2027-1" in card_48  # an open advisory blocks every line
    card_61 = browser.evaluate("document.querySelector('article[data-branch=\"release-61.0.0\"]').innerText")
    assert "(draft)" in card_61 and "is a draft" in card_61


@pytest.mark.chromium
def test_demo_month_page_in_chromium(
    tmp_path_factory: pytest.TempPathFactory, browser: Browser, tmp_path: Path
) -> None:
    root, _ = demo_month(tmp_path_factory)
    page = root / "dashboard" / "index.html"  # written by the demo's own `status --html`
    browser.open(page)
    browser.screenshot(tmp_path / "demo.png")
    drawn = browser.evaluate(GEOMETRY)
    [bar] = drawn["bars"]
    # v1.0.0 was merged and tagged on Dec 20; supported for 2 months, through Feb 20
    assert (bar["branch"], bar["start"], bar["end"], bar["lts"]) == (
        "release-1.0.0",
        "2026-12-20",
        "2027-02-21",
        False,
    )
    check_bars_on_scale(drawn)
    check_today_between_the_right_bars(drawn)
    check_readable(drawn)
    marks = browser.evaluate(
        "[...document.querySelectorAll('svg .mark-group')].map(g => [g.dataset.event, g.dataset.date])"
    )
    assert marks == [["next cut", "2027-01-05"], ["next release", "2027-01-20"]]
    rows = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('tr.tag')].map("
        "r => [r.dataset.tag, [...r.cells].map(c => c.innerText)]))"
    )
    # the demo wrote its page while its registry ran: every crate of both tags is there
    assert rows == {
        "v1.0.1": ["v1.0.1", "release-1.0.0", "2026-12-22", "5 / 5", "present", "nothing"],
        "v1.0.0": ["v1.0.0", "release-1.0.0", "2026-12-20", "5 / 5", "present", "nothing"],
    }


# --- the files themselves ---------------------------------------------------------------------------
def test_svg_is_valid_xml_with_a_title_per_bar(history: tuple[History, str], tmp_path: Path) -> None:
    built, index_url = history
    svg = tmp_path / "timeline.svg"
    assert main(["status", *history_args(built, index_url), "--now", NOW, "--svg", str(svg)]) == 0
    tree = ET.parse(svg).getroot()  # noqa: S314 (our own output)
    assert tree.tag == f"{SVG}svg"
    assert tree.find(f"{SVG}title") is not None
    bars = [
        e for e in tree.iter(f"{SVG}rect") if "bar" in e.get("class", "").split() and e.get("data-branch")
    ]
    assert len(bars) == LINES + 1
    for bar in bars:
        title = bar.find(f"{SVG}title")
        assert title is not None and title.text and title.text.startswith(bar.get("data-branch", "?"))
    assert "<script" not in svg.read_text()


def test_page_is_well_formed_and_carries_the_status_json(
    history: tuple[History, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built, index_url = history
    page = status_html(history_args(built, index_url), NOW, tmp_path / "site")
    capsys.readouterr()
    assert main(["status", *history_args(built, index_url), "--now", NOW, "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    root = ET.parse(page).getroot()  # noqa: S314 (our own output; the HTML is well-formed XML)
    data = next(e for e in root.iter() if e.get("id") == "status-json")
    assert json.loads(data.text or "") == facts
    text = page.read_text()
    # nothing is fetched when the page is opened: no linked or embedded resource, no script to run
    for loads in ("src=", "<link", "url(", "@import", "<iframe", "<img"):
        assert loads not in text


def test_readme_timeline_is_the_demo_month(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    """docs/demo-timeline.svg is what `status --svg` draws for the demo month. When it is stale,
    this test rewrites it (review and commit the change) and fails."""
    root, _ = demo_month(tmp_path_factory)
    fresh = tmp_path / "timeline.svg"
    assert main(["status", "-C", str(root / "work"), "--now", DEMO_NOW, "--svg", str(fresh)]) == 0
    ET.parse(fresh)  # noqa: S314 (our own output)
    if not README_SVG.is_file() or README_SVG.read_text() != fresh.read_text():
        README_SVG.parent.mkdir(exist_ok=True)
        shutil.copyfile(fresh, README_SVG)
        pytest.fail(f"{README_SVG.name} was stale and has been regenerated: review and commit it")
    assert "docs/demo-timeline.svg" in (README_SVG.parents[1] / "README.md").read_text()
