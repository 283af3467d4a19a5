"""The renderers are pure functions of the status and run values: what they write parses, and no
string from a forge or a registry can break out of its place (markup, a table cell)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from release_train.events import Event
from release_train.flows.lines.release_lines import Line
from release_train.flows.train.status import Blocker, Status
from release_train.flows.train.tick import Slot
from release_train.model.version import Version
from release_train.render.markup import esc, md_cell
from release_train.render.page import dashboard_html
from release_train.render.summary import RunRecord, Timed, summary_markdown
from release_train.render.timeline import timeline_svg

SVG = "{http://www.w3.org/2000/svg}"
NASTY = 'a < b & "c" \x07 \ud800 </svg> ]]>'


def status(**extra: object) -> Status:
    now = datetime(2027, 1, 12, 12, tzinfo=UTC)
    lines = (
        Line(
            "release-12.0.0",
            Version.parse("12.0.0"),
            date(2026, 1, 20),
            True,
            date(2028, 1, 20),
            True,
            "v12.0.0",
        ),
        Line(
            "release-13.0.0",
            Version.parse("13.0.0"),
            date(2026, 2, 20),
            False,
            date(2026, 4, 20),
            False,
            "v13.0.0",
        ),
        Line("release-14.0.0", Version.parse("14.0.0"), None, False, None, True),
    )
    values: dict[str, object] = {
        "now": now,
        "main": "main",
        "main_version": "15.0.0",
        "lines": lines,
        "bot_prs": (),
        "upcoming": (
            Slot("release", datetime(2027, 1, 20, tzinfo=UTC)),
            Slot("cut", datetime(2027, 2, 5, tzinfo=UTC)),
        ),
        "blockers": (
            Blocker("held-release", f"release-14.0.0 is held: {NASTY}", "https://x.invalid/?a=1&b=2"),
        ),
        **extra,
    }
    return Status(**values)  # type: ignore[arg-type]


def test_escape_makes_any_string_safe_xml() -> None:
    root = ET.fromstring(f'<r a="{esc(NASTY)}">{esc(NASTY)}</r>')  # noqa: S314 (our own output)
    assert root.text is not None and root.text.startswith('a < b & "c"')
    assert root.get("a") == root.text


def test_timeline_is_valid_svg_with_a_titled_bar_per_line() -> None:
    svg = ET.fromstring(timeline_svg(status(), project=NASTY))  # noqa: S314 (our own output)
    bars = [e for e in svg.iter(f"{SVG}rect") if e.get("data-branch")]
    assert [b.get("data-branch") for b in bars] == ["release-14.0.0", "release-13.0.0", "release-12.0.0"]
    assert [(b.get("data-start"), b.get("data-end")) for b in bars] == [
        ("2027-01-12", "2027-01-20"),  # not released: today to the next release date
        ("2026-02-20", "2026-04-21"),
        ("2026-01-20", "2028-01-21"),
    ]
    titles = [b.find(f"{SVG}title") for b in bars]
    assert all(t is not None and t.text for t in titles)
    assert "LTS" in (titles[2].text or "") and "end of life" in (titles[1].text or "")  # type: ignore[union-attr]


def test_page_renders_any_blocker_generically_and_under_its_line() -> None:
    page = dashboard_html(status(), project="Railcar", generator="release-train test")
    root = ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))  # noqa: S314 (our own output)
    items = [e for e in root.iter() if e.get("data-kind") == "held-release"]
    assert len(items) == 2  # in "Blocking", and in the card of the line it names
    card = next(
        e for e in root.iter() if e.get("data-branch") == "release-12.0.0" and e.tag.endswith("article")
    )
    assert not any(e.get("data-kind") for e in card.iter())  # it does not name release-12.0.0


def test_summary_table_rows_stay_rows() -> None:
    plan = Event(
        "plan",
        "publish v1.0.0",
        {
            "tag": "v1.0.0",
            "resume": "release-train publish --tag v1.0.0",
            "packages": [
                {"crate": "a", "version": "1.0.0", "state": "present"},
                {"crate": "b", "version": "1.0.0", "state": "new-version"},
            ],
        },
    )
    failed = Event(
        "warn", "b failed", {"crate": "b", "version": "1.0.0", "failed": True, "why": "bad | `x`\nline two"}
    )
    text = summary_markdown(
        RunRecord(
            "release-train publish", events=(Timed(plan, 0.0), Timed(failed, 1.5)), exit_code=8, failure="x"
        )
    )
    rows = [line for line in text.splitlines() if line.startswith("| b ")]
    assert rows == ["| b | 1.0.0 | failed: bad \\| &#96;x&#96;<br>line two |  |  |"]
    assert "| a | 1.0.0 | already in the registry |  |  |" in text
    assert "Resume with: `release-train publish --tag v1.0.0`" in text
    assert md_cell("") == " "
