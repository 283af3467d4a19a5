"""The release lines as a timeline, drawn as SVG: one bar per line from its release to the end of
its support window (LTS lines marked), today's date as a line, the next scheduled dates as marks.

Built for Wasmtime's shape (about 60 lines over five years, LTS every 12th): the newest line is
on top, a row is 18 px, and the axis is labelled by month, quarter or year depending on the span.
A line not released yet is drawn dashed, from today to the next release date.

Every bar carries a `<title>` (its accessible name) and `data-start`/`data-end` (ISO dates, the
end exclusive: the day after the last supported day), so what the picture says can be checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from release_train.render.markup import esc
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.flows.lines.release_lines import Line
    from release_train.flows.train.status import Status

WIDTH = 960
LABELS = 150  # the branch names' column
RIGHT = 24
ROW = 18
BAR = 12
TOP = 96  # caption, the marks' labels and the axis above the first row
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

STYLE = """
.rt-timeline { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.rt-timeline text { font-size: 11px; fill: #1f2937; }
.rt-timeline .caption { font-size: 14px; font-weight: 600; }
.rt-timeline .grid { stroke: #e5e7eb; stroke-width: 1; }
.rt-timeline .major .grid { stroke: #cbd5e1; }
.rt-timeline .axis-label { fill: #475569; }
.rt-timeline .row-label { text-anchor: end; }
.rt-timeline .row-label.lts { font-weight: 700; }
.rt-timeline .bar { fill: #2563eb; }
.rt-timeline .bar.lts { fill: #d97706; }
.rt-timeline .bar.eol { fill: #cbd5e1; }
.rt-timeline .bar.lts.eol { fill: #f3d9b1; }
.rt-timeline .bar.unreleased { fill: #ffffff; stroke: #2563eb; stroke-dasharray: 3 2; }
.rt-timeline .badge { font-size: 9px; font-weight: 700; fill: #ffffff; }
.rt-timeline .eol .badge, .rt-timeline .badge.out { fill: #92400e; }
.rt-timeline .until { font-size: 10px; fill: #475569; }
.rt-timeline .until.inside { font-size: 9px; fill: #ffffff; }
.rt-timeline .release { fill: #ffffff; stroke: #1e3a8a; stroke-width: 1; }
.rt-timeline .today { stroke: #dc2626; stroke-width: 2; }
.rt-timeline .today-label { fill: #dc2626; font-weight: 600; }
.rt-timeline .mark { stroke-width: 1.5; stroke-dasharray: 4 3; }
.rt-timeline .mark-0 { stroke: #059669; } .rt-timeline .mark-label-0 { fill: #059669; }
.rt-timeline .mark-1 { stroke: #7c3aed; } .rt-timeline .mark-label-1 { fill: #7c3aed; }
.rt-timeline .mark-2 { stroke: #0891b2; } .rt-timeline .mark-label-2 { fill: #0891b2; }
"""


@dataclass(frozen=True)
class Bar:
    """One release line as drawn: [start, end) in days."""

    branch: str
    start: date
    end: date  # exclusive
    lts: bool
    supported: bool
    released: bool
    title: str
    until: str  # the text after the bar ("until 2027-02-20", "next release 2027-01-20")


@dataclass(frozen=True)
class Scale:
    """Dates to x positions: `x(first)` is the left edge of the plot, `x(last)` its right edge."""

    first: date
    last: date
    left: float
    right: float

    def x(self, day: date) -> float:
        span = max(1, (self.last - self.first).days)
        return round(self.left + (day - self.first).days * (self.right - self.left) / span, 2)


def timeline_svg(status: Status, *, project: str) -> str:
    """The timeline of `status` as a standalone SVG document (also inlined in the dashboard)."""
    today = status.now.date()
    marks = [(f"next {slot.event}", slot.at.date()) for slot in status.upcoming]
    release = next((day for name, day in marks if name == "next release"), today + timedelta(days=30))
    bars = [bar_of(line, today, release) for line in reversed(status.lines)]
    tags = {
        bar.branch: [(t.tag, t.date) for t in status.tags if t.branch == bar.branch and t.date]
        for bar in bars
    }
    scale = _scale(bars, today, [day for _, day in marks])
    rows_end = TOP + max(1, len(bars)) * ROW
    height = rows_end + 44
    caption = f"{project} {status.lines_noun} on {today.isoformat()}"
    desc = (
        f"{len(bars)} release line{'' if len(bars) == 1 else 's'}; {sum(b.supported for b in bars)} supported, "
        f"{sum(b.lts for b in bars)} LTS. " + "; ".join(f"{name} {day.isoformat()}" for name, day in marks)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rt-timeline" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'aria-labelledby="rt-timeline-title rt-timeline-desc">',
        f'<title id="rt-timeline-title">{esc(caption)}</title>',
        f'<desc id="rt-timeline-desc">{esc(desc)}</desc>',
        f"<style>{STYLE}</style>",
        # opaque, so the picture reads the same on a dark page (a README in dark mode)
        f'<rect class="background" x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text class="caption" x="8" y="18">{esc(caption)}</text>',
        *_axis(scale, rows_end),
        *(_row(bar, index, scale, tags[bar.branch]) for index, bar in enumerate(bars)),
        *_marks(scale, today, marks, rows_end),
        *_legend(rows_end + 30),
        "</svg>",
    ]
    if not bars:
        empty = "no release branches yet" if status.branches else f"no {status.lines_noun} yet"
        parts.insert(-1, f'<text x="{LABELS}" y="{TOP + 12}">{esc(empty)}</text>')
    return "\n".join(parts) + "\n"


def bar_of(line: Line, today: date, next_release: date) -> Bar:
    """How `line` is drawn: from its release to the day after its last supported day; a line
    not released yet from today to the next release date."""
    lts = " (LTS)" if line.lts else ""
    if line.release_date is None or line.supported_until is None:
        end = max(next_release, today + timedelta(days=1))
        return Bar(
            line.branch,
            today,
            end,
            line.lts,
            True,
            False,
            f"{line.branch}{lts}: not released yet; next release date {next_release.isoformat()}",
            f"not released yet (next release {next_release.isoformat()})",
        )
    state = "supported" if line.supported else "end of life"
    latest = f", latest tag {line.latest_tag}" if line.latest_tag else ""
    return Bar(
        line.branch,
        line.release_date,
        line.supported_until + timedelta(days=1),
        line.lts,
        line.supported,
        True,
        f"{line.branch}{lts}: released {line.release_date.isoformat()}, supported until "
        f"{line.supported_until.isoformat()} ({state}){latest}",
        f"until {line.supported_until.isoformat()}",
    )


def _scale(bars: Sequence[Bar], today: date, marks: Sequence[date]) -> Scale:
    days = [today, *marks, *(b.start for b in bars), *(b.end for b in bars)]
    first = min(days).replace(day=1)
    last = _next_month(max(days))
    if (last - first).days < 90:  # a short history still gets a readable quarter
        last = _next_month(_next_month(_next_month(first)))
    return Scale(first, last, LABELS, WIDTH - RIGHT)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _axis(scale: Scale, rows_end: int) -> list[str]:
    """Grid lines at every month (when they are at least 6 px apart), labels by month, quarter
    or year depending on the span."""
    months = []
    day = scale.first
    while day <= scale.last:
        months.append(day)
        day = _next_month(day)
    per_month = (scale.right - scale.left) / max(1, len(months) - 1)
    if per_month >= 40:
        labelled = {m: _month_label(m, i == 0) for i, m in enumerate(months)}
    elif per_month >= 14:
        labelled = {m: _month_label(m, i == 0) for i, m in enumerate(months) if m.month in (1, 4, 7, 10)}
    else:
        labelled = {m: str(m.year) for m in months if m.month == 1}
    out = []
    for month in months:
        major = month in labelled and scale.x(month) <= scale.right - 30  # room for its label
        if not major and per_month < 6:
            continue
        x = scale.x(month)
        label = (
            f'<text class="axis-label" x="{x + 3}" y="{TOP - 8}">{esc(labelled[month])}</text>'
            if major
            else ""
        )
        out.append(
            f'<g class="tick{" major" if major else ""}" data-date="{month.isoformat()}">'
            f'<line class="grid" x1="{x}" y1="{TOP - 20}" x2="{x}" y2="{rows_end}"/>{label}</g>'
        )
    return out


def _month_label(month: date, first: bool) -> str:
    name = MONTHS[month.month - 1]
    return f"{name} {month.year}" if first or month.month == 1 else name


def _row(bar: Bar, index: int, scale: Scale, tags: Sequence[tuple[str, date]]) -> str:
    y = TOP + index * ROW
    x0, x1 = scale.x(bar.start), scale.x(bar.end)
    classes = " ".join(
        c
        for c, on in (
            ("bar", True),
            ("lts", bar.lts),
            ("eol", not bar.supported),
            ("unreleased", not bar.released),
        )
        if on
    )
    width = max(1.0, round(x1 - x0, 2))
    badge = ""
    if bar.lts:
        inside = width >= 26
        bx = x0 + 6 if inside else x1 + 3  # clear of the diamond of the line's first release
        badge = f'<text class="badge{"" if inside else " out"}" x="{bx}" y="{y + BAR - 3}">LTS</text>'
    until = ""
    if bar.supported and WIDTH - RIGHT - x1 >= 130:  # beside the bar
        until = f'<text class="until" x="{x1 + 4}" y="{y + BAR - 2}">{esc(bar.until)}</text>'
    elif bar.supported and bar.released and width >= 130:  # inside its end
        until = (
            f'<text class="until inside" x="{x1 - 4}" y="{y + BAR - 3}" text-anchor="end">'
            f"{esc(bar.until)}</text>"
        )
    return (
        f'<g class="line{" lts" if bar.lts else ""}{"" if bar.supported else " eol"}" '
        f'data-branch="{esc(bar.branch)}">'
        f'<text class="row-label{" lts" if bar.lts else ""}" x="{LABELS - 8}" y="{y + BAR - 2}">'
        f"{esc(bar.branch)}</text>"
        f'<rect class="{classes}" x="{x0}" y="{y}" width="{width}" height="{BAR}" rx="2" '
        f'data-branch="{esc(bar.branch)}" data-start="{bar.start.isoformat()}" '
        f'data-end="{bar.end.isoformat()}" data-lts="{str(bar.lts).lower()}" '
        f'data-supported="{str(bar.supported).lower()}">'
        f"<title>{esc(bar.title)}</title></rect>{badge}{until}{_releases(tags, y, scale)}</g>"
    )


def _releases(tags: Sequence[tuple[str, date]], y: int, scale: Scale) -> str:
    """A small diamond on the bar at each release of the line (its patch releases)."""
    out = []
    for tag, day in tags:
        x, mid = scale.x(day), y + BAR / 2
        out.append(
            f'<path class="release" data-tag="{esc(tag)}" data-date="{day.isoformat()}" '
            f'd="M{x} {mid - 4}l4 4l-4 4l-4 -4z"><title>{esc(tag)}: {day.isoformat()}</title></path>'
        )
    return "".join(out)


def _marks(scale: Scale, today: date, marks: Sequence[tuple[str, date]], rows_end: int) -> list[str]:
    """Today's line and one dashed line per scheduled date, from the axis down; their labels
    stand on rows of their own above the axis, so close dates do not overwrite each other."""
    out = []
    for number, (name, day) in enumerate(marks):
        x = scale.x(day)
        y = 34 + 13 * (number + 1)
        out.append(
            f'<g class="mark-group" data-event="{esc(name)}" data-date="{day.isoformat()}">'
            f'<line class="mark mark-{number % 3}" x1="{x}" y1="{TOP - 20}" x2="{x}" y2="{rows_end}">'
            f"<title>{esc(name)}: {day.isoformat()}</title></line>"
            f'<text class="mark-label mark-label-{number % 3}" x="{x}" y="{y}" '
            f'text-anchor="{_anchor(x, scale)}">{esc(name)} {_short(day)}</text></g>'
        )
    x = scale.x(today)
    out.append(
        f'<g class="today-group" data-date="{today.isoformat()}">'
        f'<line id="rt-today" class="today" x1="{x}" y1="{TOP - 20}" x2="{x}" y2="{rows_end + 4}">'
        f"<title>today: {today.isoformat()}</title></line>"
        f'<text class="today-label" x="{x}" y="34" text-anchor="{_anchor(x, scale)}">'
        f"today {_short(today)}</text></g>"
    )
    return out


def _anchor(x: float, scale: Scale) -> str:
    if x - scale.left < 60:
        return "start"
    return "end" if scale.right - x < 60 else "middle"


def _short(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _legend(y: int) -> list[str]:
    items = [
        ("bar", "supported"),
        ("bar lts", "LTS"),
        ("bar eol", "end of life"),
        ("bar unreleased", "not released yet"),
    ]
    out = ['<g class="legend">']
    x = LABELS
    for classes, label in items:
        out.append(f'<rect class="{classes}" x="{x}" y="{y - 9}" width="18" height="10" rx="2"/>')
        out.append(f'<text x="{x + 24}" y="{y}">{esc(label)}</text>')
        x += 40 + 7 * len(label)
    out.append(f'<line class="today" x1="{x}" y1="{y - 10}" x2="{x}" y2="{y + 2}"/>')
    out.append(f'<text x="{x + 6}" y="{y}">today</text>')
    out.append("</g>")
    return out
