"""The Markdown summary of one command run, for CI (`$GITHUB_STEP_SUMMARY`) or `--summary FILE`.

One renderer for every flow: what the CLI recorded while the command ran (`RunRecord`): the plan
and the report lines of the flow, the events its observer got (timed), and the error it ended
with. From the events it draws one table per published tag: every package, its version, what
happened to it and when (upload started, visible in the index, relative to the start of the run),
and for a publish that did not finish the command that resumes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_train.events import Event
from release_train.render.markup import md_cell, md_text
from release_train.values import dataclass, field


@dataclass(frozen=True)
class Timed:
    event: Event
    at: float  # seconds since the command started


@dataclass(frozen=True)
class RunRecord:
    command: str  # as typed: "release-train publish --tag v1.0.0"
    plan: tuple[str, ...] = ()  # the flow's plan, as --dry-run prints it
    report: tuple[str, ...] = ()  # the flow's report lines
    events: tuple[Timed, ...] = ()
    exit_code: int = 0
    failure: str = ""  # the error's message
    hint: str = ""  # what to do next (the resume command, for a publish)


@dataclass
class _Row:
    crate: str
    version: str
    result: str = ""
    started: float | None = None
    visible: float | None = None


@dataclass
class _Table:
    tag: str  # "" when the plan was not seen (rows come from the upload events only)
    resume: str = ""  # the command that finishes this publish, as the flow names it
    rows: dict[tuple[str, str], _Row] = field(default_factory=dict)

    def row(self, crate: str, version: str) -> _Row:
        return self.rows.setdefault((crate, version), _Row(crate, version))


def summary_markdown(run: RunRecord) -> str:
    ok = run.exit_code == 0
    lines = [f"## {'✅' if ok else '❌'} `{_code(run.command)}`", ""]
    if not ok:
        lines += [f"**Failed** (exit {run.exit_code}): {_block(run.failure)}", ""]
        if run.hint:
            lines += [f"**Next:** {md_text(run.hint)}", ""]
    lines += _list("Plan", run.plan)
    lines += _list("Done", run.report or _own_steps(run.events))
    lines += _list("CI, in reaction", [_mark(t.event) for t in run.events if _is_ci_step(t.event)])
    for table in _tables(run.events):
        lines += _table(table)
    lines += _list("Warnings", [t.event.message for t in run.events if t.event.kind == "warn"])
    return "\n".join(lines).rstrip() + "\n\n"


def _code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


def _block(text: str) -> str:
    """A multi-line message as Markdown: the first line inline, the rest kept as a code block."""
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return md_text(first)
    fenced = rest.replace("```", "'''")  # the message cannot close the block early
    return f"{md_text(first)}\n\n```\n{fenced}\n```"


def _list(title: str, items: Sequence[str]) -> list[str]:
    if not items:
        return []
    return [f"### {title}", "", *(f"- {md_text(item)}" for item in items), ""]


def _is_step(event: Event) -> bool:
    return event.kind in ("step", "skip") or (event.kind == "warn" and "step" in event.data)


def _is_ci_step(event: Event) -> bool:
    return bool(event.data.get("ci")) and _is_step(event) and "crate" not in event.data


def _own_steps(events: Sequence[Timed]) -> list[str]:
    return [_mark(t.event) for t in events if _is_step(t.event) and not t.event.data.get("ci")]


def _mark(event: Event) -> str:
    return {"step": "+ ", "skip": "= ", "warn": "! "}.get(event.kind, "") + event.message


def _tables(events: Sequence[Timed]) -> list[_Table]:
    """One table per tag whose publish plan was seen, rows filled from the upload events."""
    tables: list[_Table] = []
    for timed in events:
        event, data = timed.event, timed.event.data
        if event.kind == "plan" and "packages" in data:
            table = _Table(str(data.get("tag", "")), str(data.get("resume", "")))
            for package in data["packages"]:
                row = table.row(str(package["crate"]), str(package["version"]))
                row.result = "already in the registry" if package["state"] == "present" else ""
            tables.append(table)
            continue
        crate, version = data.get("crate"), data.get("version")
        if not crate or not version or event.kind not in ("step", "skip", "progress", "warn"):
            continue
        owner = next((t for t in reversed(tables) if (crate, version) in t.rows), None)
        if owner is None:
            if not tables or tables[-1].tag:
                tables.append(_Table(""))
            owner = tables[-1]
        _update(owner.row(str(crate), str(version)), event, timed.at)
    return tables


def _update(row: _Row, event: Event, at: float) -> None:
    if event.kind == "step":
        row.started = at
    elif event.kind == "progress":
        row.visible, row.result = at, "published"
    elif event.kind == "skip":
        row.result = "uploaded by an earlier run"
    elif event.data.get("failed"):
        row.result = f"failed: {event.data.get('why', event.message)}"


def _table(table: _Table) -> list[str]:
    title = f"Publish {table.tag}" if table.tag else "Publish"
    lines = [
        f"### {md_text(title)}",
        "",
        "| package | version | result | upload started | in the index |",
        "|---|---|---|---|---|",
    ]
    unfinished = False
    for row in table.rows.values():
        result = row.result or (
            "uploaded, not yet in the index" if row.started is not None else "not published"
        )
        unfinished = unfinished or result.startswith(("failed", "not published", "uploaded,"))
        lines.append(
            f"| {md_cell(row.crate)} | {md_cell(row.version)} | {md_cell(result)} | "
            f"{_seconds(row.started)} | {_seconds(row.visible)} |"
        )
    lines.append("")
    if unfinished and table.resume:
        lines += [f"Resume with: `{_code(table.resume)}`", ""]
    return lines


def _seconds(at: float | None) -> str:
    return "" if at is None else f"+{at:.1f} s"
