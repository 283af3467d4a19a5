"""The release dashboard: one self-contained HTML page (CSS and the SVG timeline inline, no
script to run, nothing loaded from the network) rendered from the `Status` value, the same facts
`status --json` prints (embedded in the page as JSON data).

One section per fact of the status, so a new fact is a new small function: what blocks a release
(every `Blocker`, whatever its kind), the timeline, each supported line (tags with dates, open
bot PRs, what blocks it), each recent tag (packages published / total, forge release, what is
missing), every open bot PR, and all release lines. The markup is well-formed XML as well as
HTML, so it can be checked with a plain XML parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from release_train.render.markup import esc
from release_train.render.timeline import timeline_svg

if TYPE_CHECKING:
    from release_train.flows.lines import Line
    from release_train.flows.publish.state import TagFacts
    from release_train.flows.status import Blocker, Status
    from release_train.forges.interface import PullRequest

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937;
       margin: 0 auto; max-width: 1000px; padding: 16px 20px 40px; line-height: 1.4; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
h4 { font-size: 13px; margin: 10px 0 4px; color: #475569; }
.facts { color: #475569; margin: 0; }
.facts span + span::before { content: " · "; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #f1f5f9; vertical-align: top; }
th { color: #475569; font-weight: 600; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; border-radius: 3px; padding: 0 5px;
         background: #d97706; color: #fff; vertical-align: 1px; }
.badge.eol { background: #94a3b8; }
.blockers li { margin: 4px 0; }
.kind { font-family: ui-monospace, monospace; font-size: 12px; background: #fee2e2; color: #991b1b;
        border-radius: 3px; padding: 0 4px; }
.ok { color: #047857; }
.warn { color: #b45309; }
.missing { color: #b91c1c; }
.lines { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.line { border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 12px; }
.line dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; font-size: 13px; }
.line dt { color: #475569; }
.line dd { margin: 0; }
.line ul, .blockers { padding-left: 18px; margin: 2px 0; font-size: 13px; }
.timeline { overflow-x: auto; }
.timeline svg { max-width: 100%; height: auto; }
td.date, td.nowrap { white-space: nowrap; }
.line p { font-size: 13px; margin: 2px 0; }
footer { margin-top: 32px; font-size: 12px; color: #64748b; }
"""


def dashboard_html(status: Status, *, project: str, generator: str) -> str:
    """The whole page. `generator` names the tool and version that wrote it (the footer)."""
    day = status.now.strftime("%Y-%m-%d %H:%M UTC")
    title = f"{project} release train"
    body = [
        f"<header><h1>{esc(title)}</h1>{_facts(status, day)}</header>",
        _section("blocking", "Blocking", _blocking(status)),
        *([_section("problems", "Problems", _problems(status.problems))] if status.problems else []),
        _section(
            "timeline",
            status.lines_noun.capitalize(),
            [f'<div class="timeline">{_svg(status, project)}</div>'],
        ),
        _section("supported", "Supported lines", _supported(status)),
        _section("tags", "Recent tags", _tags(status.tags)),
        _section("bot-prs", "Open bot PRs", _bot_prs(status.bot_prs)),
        _section("all-lines", f"All {status.lines_noun}", _all_lines(status)),
        f"<footer>Written by {esc(generator)} from the facts of <code>release-train status --json</code> "
        f"as of {esc(day)} (embedded in this page as <code>#status-json</code>).</footer>",
        # Data, not a script to run: the same JSON as `status --json`, for anyone who reads the page
        # with a program. "<", ">" and "&" are escaped (JSON allows it), so no string in it can
        # close the element or break the page as XML ("]]>").
        '<script type="application/json" id="status-json">'
        + json.dumps(status.to_json(), indent=1, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        + "</script>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{esc(title)}: {esc(day)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _svg(status: Status, project: str) -> str:
    """The timeline inlined: its XML declaration-free markup, without the fixed width so the page
    can scale it (its viewBox keeps the proportions)."""
    return re.sub(r' width="\d+" height="\d+"', "", timeline_svg(status, project=project), count=1)


def _section(ident: str, heading: str, content: Iterable[str]) -> str:
    return f'<section id="{ident}">\n<h2>{esc(heading)}</h2>\n' + "\n".join(content) + "\n</section>"


def _facts(status: Status, day: str) -> str:
    facts = [f"as of {day}", f"{status.main} is at {status.main_version or 'an unknown version'}"]
    facts += [f"next {slot.event}: {slot.at.strftime('%Y-%m-%d')}" for slot in status.upcoming]
    supported = sum(line.supported for line in status.lines)
    facts.append(f"{len(status.lines)} {status.lines_noun}, {supported} supported")
    return '<p class="facts">' + "".join(f"<span>{esc(f)}</span>" for f in facts) + "</p>"


def _link(text: str, url: str) -> str:
    return f'<a href="{esc(url)}">{esc(text)}</a>' if url else esc(text)


def _blocker(blocker: Blocker) -> str:
    link = f" ({_link('link', blocker.url)})" if blocker.url else ""
    return (
        f'<li class="blocker" data-kind="{esc(blocker.kind)}"><span class="kind">{esc(blocker.kind)}</span> '
        f"{esc(blocker.text)}{link}</li>"
    )


def _blocking(status: Status) -> list[str]:
    if not status.blockers:
        return ['<p class="ok">Nothing blocking.</p>']
    return ['<ul class="blockers">', *(_blocker(b) for b in status.blockers), "</ul>"]


def _problems(problems: Sequence[str]) -> list[str]:
    return ["<ul>", *(f'<li class="warn">{esc(p)}</li>' for p in problems), "</ul>"]


def blockers_of(status: Status, line: Line) -> list[Blocker]:
    """What blocks a release of `line`: open security issues block every line; any other
    blocker that names the line's branch belongs to it (a draft PR into it, a held release)."""
    named = re.compile(rf"(?<![\w.-]){re.escape(line.branch)}(?![\w.-])")
    return [b for b in status.blockers if b.kind == "security-issue" or named.search(b.text)]


def _supported(status: Status) -> list[str]:
    lines = [line for line in reversed(status.lines) if line.supported]
    if not lines:
        return ["<p>No supported release lines.</p>"]
    return ['<div class="lines">', *(_line_card(status, line) for line in lines), "</div>"]


def _line_card(status: Status, line: Line) -> str:
    tags = [t for t in status.tags if t.branch == line.branch]
    prs = [pr for pr in status.bot_prs if pr.base == line.branch]
    blockers = blockers_of(status, line)
    badge = ' <span class="badge">LTS</span>' if line.lts else ""
    released = line.release_date.isoformat() if line.release_date else "not yet"
    until = line.supported_until.isoformat() if line.supported_until else "-"
    parts = [
        f'<article class="line" data-branch="{esc(line.branch)}">',
        f"<h3>{esc(line.branch)}{badge}</h3>",
        "<dl>",
        f"<dt>latest tag</dt><dd>{esc(line.latest_tag or 'none yet')}</dd>",
        f"<dt>released</dt><dd>{esc(released)}</dd>",
        f"<dt>supported until</dt><dd>{esc(until)}</dd>",
        "</dl>",
        "<h4>Releases</h4>",
    ]
    parts += (
        ["<ul>", *(f"<li>{esc(t.tag)} <span>{esc(t.date or '')}</span></li>" for t in tags), "</ul>"]
        if tags
        else ["<p>none yet</p>"]
    )
    parts.append("<h4>Open bot PRs</h4>")
    parts += ["<ul>", *(f"<li>{_pr(pr)}</li>" for pr in prs), "</ul>"] if prs else ["<p>none</p>"]
    parts.append("<h4>Blocking a release</h4>")
    parts += (
        ['<ul class="blockers">', *(_blocker(b) for b in blockers), "</ul>"]
        if blockers
        else ['<p class="ok">nothing</p>']
    )
    parts.append("</article>")
    return "\n".join(parts)


def _pr(pr: PullRequest) -> str:
    state = " (draft)" if pr.draft else ""
    return f"{_link(f'#{pr.number}', pr.url)} {esc(pr.title)}{esc(state)}"


def _tags(tags: Sequence[TagFacts]) -> list[str]:
    checked = [t for t in tags if t.checked]
    if not checked:
        return ["<p>No recent tags on the supported lines.</p>"]
    rows = [
        "<table>",
        "<tr><th>tag</th><th>line</th><th>date</th><th>packages published</th>"
        "<th>forge release</th><th>missing</th></tr>",
    ]
    for t in checked:
        if t.unknown:
            published = f'<span class="warn">unknown: {esc(t.unknown)}</span>'
        else:
            count = f"{len(t.published)} / {len(t.packages)}"
            published = esc(count) if len(t.published) == len(t.packages) else _missing(count)
        release = "present" if t.forge_release else _missing("missing")
        missing = ", ".join(esc(m) for m in t.missing) or '<span class="ok">nothing</span>'
        rows.append(
            f'<tr class="tag" data-tag="{esc(t.tag)}"><td>{esc(t.tag)}</td><td class="nowrap">{esc(t.branch)}</td>'
            f'<td class="date">{esc(t.date or "")}</td><td>{published}</td><td>{release}</td><td>{missing}</td></tr>'
        )
    rows.append("</table>")
    return rows


def _missing(text: str) -> str:
    return f'<span class="missing">{esc(text)}</span>'


def _bot_prs(prs: Sequence[PullRequest]) -> list[str]:
    if not prs:
        return ["<p>none</p>"]
    rows = ["<table>", "<tr><th>PR</th><th>head</th><th>base</th><th>title</th><th>state</th></tr>"]
    for pr in prs:
        rows.append(
            f"<tr><td>{_link(f'#{pr.number}', pr.url)}</td><td>{esc(pr.head)}</td><td>{esc(pr.base)}</td>"
            f"<td>{esc(pr.title)}</td><td>{'draft' if pr.draft else 'open'}</td></tr>"
        )
    rows.append("</table>")
    return rows


def _all_lines(status: Status) -> list[str]:
    lines = status.lines
    if not lines:
        return [f"<p>no {'release branches' if status.branches else esc(status.lines_noun)} yet</p>"]
    noun = "release line" if status.branches else "release series"
    rows = [
        f"<details><summary>{len(lines)} {noun}{'s' if len(lines) != 1 else ''}</summary>",
        "<table>",
        f"<tr><th>{'branch' if status.branches else 'series'}</th><th>latest tag</th><th>released</th><th>LTS</th>"
        "<th>supported until</th><th>supported</th></tr>",
    ]
    for line in reversed(lines):
        rows.append(
            f"<tr><td>{esc(line.branch)}</td><td>{esc(line.latest_tag or '-')}</td>"
            f"<td>{esc(line.release_date or 'not yet')}</td><td>{'LTS' if line.lts else ''}</td>"
            f"<td>{esc(line.supported_until or '-')}</td><td>{'yes' if line.supported else 'no'}</td></tr>"
        )
    rows += ["</table>", "</details>"]
    return rows
