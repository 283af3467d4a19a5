"""The database of the local forge: pull requests, releases, check states, security issues and the
push-event log, in one SQLite file beside the bare repository.

Layout, for a bare repository at `PATH` (for example `origin.git`):

    PATH                    the bare git repository (branches and tags)
    PATH.forge.sqlite3      this store
    PATH.forge-assets/TAG/  release asset files, by name

Every write runs in one `BEGIN IMMEDIATE` transaction and every connection waits on a busy
database (timeout below), so two processes (a `pr merge` and a `tag` run, say) can share a forge.
A connection is opened per operation and closed at once: nothing stays open between calls.
`sqlite3` is imported lazily so that loading the CLI stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.forges.interface import (
    CheckState,
    NotFound,
    PrState,
    PullRequest,
    PushEvent,
    Release,
    SecurityIssue,
)
from release_train.infra.clock import Clock

if TYPE_CHECKING:
    import sqlite3

STORE_SUFFIX = ".forge.sqlite3"
ASSETS_SUFFIX = ".forge-assets"
BUSY_TIMEOUT_S = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS prs (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL, body TEXT NOT NULL, head TEXT NOT NULL, base TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'merged')),
    draft INTEGER NOT NULL DEFAULT 0,
    merge_commit TEXT,
    pending_merge TEXT,  -- the commit a merge is about to put on base (crash recovery)
    labels TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL, updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    sha TEXT NOT NULL, context TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('success', 'failure', 'pending')),
    updated TEXT NOT NULL,
    PRIMARY KEY (sha, context)
);
CREATE TABLE IF NOT EXISTS releases (
    tag TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL,
    prerelease INTEGER NOT NULL, latest INTEGER NOT NULL, draft INTEGER NOT NULL,
    assets TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL, updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS security_issues (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, url TEXT NOT NULL, source TEXT NOT NULL,
    packages TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    created TEXT NOT NULL, updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS push_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
    source TEXT NOT NULL,  -- push, merge, tag, delete
    created TEXT NOT NULL
);
"""


def _from_json(text: str) -> list[str]:
    """A list column (labels, assets, packages) as stored: JSON, read only when a row has one
    (`json` is not imported for a command that reads no such row, as a dry run)."""
    import json

    found: list[str] = json.loads(text)
    return found


def _to_json(values: list[str]) -> str:
    import json

    return json.dumps(values)


def store_path(bare: Path) -> Path:
    return bare.with_name(bare.name + STORE_SUFFIX)


def assets_dir(bare: Path) -> Path:
    return bare.with_name(bare.name + ASSETS_SUFFIX)


class Store:
    """Typed access to the forge database. Methods map rows to the forge's frozen values."""

    def __init__(self, path: Path, clock: Clock, *, url_base: str = "") -> None:
        self.path = path
        self.clock = clock
        self.url_base = url_base
        self._schema_ready = False  # created by the first connection: a dry run opens none

    def create(self) -> None:
        """Create the database now (`forge init`), not on first use."""
        with closing(self._connect()):
            pass

    # --- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        # isolation_level=None: we issue BEGIN ourselves, so a write transaction takes the write
        # lock up front (IMMEDIATE) instead of failing half-way on a lock upgrade.
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db.row_factory = sqlite3.Row
        if not self._schema_ready:
            # executescript() commits on its own; CREATE ... IF NOT EXISTS makes a race harmless.
            db.executescript(SCHEMA)
            self._schema_ready = True
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute(sql, params).fetchall()

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    # --- pull requests -------------------------------------------------------------------------
    def _pr(self, row: sqlite3.Row) -> PullRequest:
        return PullRequest(
            number=row["number"],
            title=row["title"],
            body=row["body"],
            head=row["head"],
            base=row["base"],
            state=row["state"],
            draft=bool(row["draft"]),
            url=f"{self.url_base}#pr-{row['number']}",
            merge_commit=row["merge_commit"],
            labels=tuple(_from_json(row["labels"])),
        )

    def open_pr(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        """Insert a PR, or update the title and body of the open one with the same head and base
        (one transaction, so two processes cannot both insert)."""
        now = self._now()
        with self._write() as db:
            row = db.execute(
                "SELECT number FROM prs WHERE head = ? AND base = ? AND state = 'open' "
                "ORDER BY number DESC LIMIT 1",
                (head, base),
            ).fetchone()
            if row is not None:
                number = int(row["number"])
                db.execute(
                    "UPDATE prs SET title = ?, body = ?, updated = ? WHERE number = ?",
                    (title, body, now, number),
                )
            else:
                cursor = db.execute(
                    "INSERT INTO prs (title, body, head, base, state, draft, created, updated) "
                    "VALUES (?, ?, ?, ?, 'open', ?, ?, ?)",
                    (title, body, head, base, int(draft), now, now),
                )
                number = int(cursor.lastrowid or 0)
        return self.get_pr(number)

    def get_pr(self, number: int) -> PullRequest:
        return self._pr(self._pr_row(number))

    def _pr_row(self, number: int) -> sqlite3.Row:
        rows = self._read("SELECT * FROM prs WHERE number = ?", (number,))
        if not rows:
            raise NotFound(
                f"no pull request #{number} on the local forge",
                hint="see `release-train pr list --state all`",
            )
        return rows[0]

    def pending_merge(self, number: int) -> str | None:
        value = self._pr_row(number)["pending_merge"]
        return str(value) if value else None

    def find_pr(self, head: str, base: str, state: PrState | None) -> PullRequest | None:
        sql = "SELECT * FROM prs WHERE head = ? AND base = ?"
        params: list[Any] = [head, base]
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        rows = self._read(sql + " ORDER BY number DESC LIMIT 1", params)
        return self._pr(rows[0]) if rows else None

    def list_prs(self, state: PrState | None) -> list[PullRequest]:
        if state is None:
            rows = self._read("SELECT * FROM prs ORDER BY number")
        else:
            rows = self._read("SELECT * FROM prs WHERE state = ? ORDER BY number", (state,))
        return [self._pr(row) for row in rows]

    def update_pr(self, number: int, changes: dict[str, Any]) -> PullRequest:
        """Set the given columns (names are ours, never the caller's text) and the update time."""
        self._pr_row(number)  # NotFound before writing
        columns = {**changes, "updated": self._now()}
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self._write() as db:
            db.execute(f"UPDATE prs SET {assignments} WHERE number = ?", (*columns.values(), number))
        return self.get_pr(number)

    # --- checks --------------------------------------------------------------------------------
    def set_check(self, sha: str, state: CheckState, context: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO checks (sha, context, state, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sha, context) DO UPDATE SET state = excluded.state, updated = excluded.updated",
                (sha, context, state, self._now()),
            )

    def check_states(self, sha: str) -> list[str]:
        return list(self.checks(sha).values())

    def checks(self, sha: str) -> dict[str, CheckState]:
        rows = self._read("SELECT context, state FROM checks WHERE sha = ? ORDER BY context", (sha,))
        return {row["context"]: row["state"] for row in rows}

    # --- releases ------------------------------------------------------------------------------
    def _release(self, row: sqlite3.Row) -> Release:
        return Release(
            tag=row["tag"],
            name=row["name"],
            body=row["body"],
            prerelease=bool(row["prerelease"]),
            latest=bool(row["latest"]),
            draft=bool(row["draft"]),
            assets=tuple(_from_json(row["assets"])),
            url=f"{self.url_base}#release-{row['tag']}",
        )

    def upsert_release(self, release: Release, new_assets: Sequence[str]) -> Release:
        """Create or update the release of `release.tag`; at most one release stays `latest`."""
        now = self._now()
        with self._write() as db:
            row = db.execute("SELECT assets FROM releases WHERE tag = ?", (release.tag,)).fetchone()
            names = sorted({*(_from_json(row["assets"]) if row else ()), *new_assets})
            if release.latest:
                db.execute("UPDATE releases SET latest = 0 WHERE tag != ?", (release.tag,))
            db.execute(
                "INSERT INTO releases (tag, name, body, prerelease, latest, draft, assets, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tag) DO UPDATE SET name = excluded.name, "
                "body = excluded.body, prerelease = excluded.prerelease, latest = excluded.latest, "
                "draft = excluded.draft, assets = excluded.assets, updated = excluded.updated",
                (
                    release.tag,
                    release.name,
                    release.body,
                    int(release.prerelease),
                    int(release.latest),
                    int(release.draft),
                    _to_json(names),
                    now,
                    now,
                ),
            )
        return self._release(self._read("SELECT * FROM releases WHERE tag = ?", (release.tag,))[0])

    def list_releases(self) -> list[Release]:
        return [self._release(row) for row in self._read("SELECT * FROM releases ORDER BY rowid")]

    # --- security issues -----------------------------------------------------------------------
    def upsert_security_issue(self, issue: SecurityIssue) -> None:
        now = self._now()
        with self._write() as db:
            db.execute(
                "INSERT INTO security_issues (id, title, url, source, packages, state, created, updated) "
                "VALUES (?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
                "url = excluded.url, source = excluded.source, packages = excluded.packages, "
                "state = 'open', updated = excluded.updated",
                (issue.id, issue.title, issue.url, issue.source, _to_json(list(issue.packages)), now, now),
            )

    def close_security_issue(self, issue_id: str) -> bool:
        """Close the issue; False when it was already closed. `NotFound` when unknown."""
        with self._write() as db:
            row = db.execute("SELECT state FROM security_issues WHERE id = ?", (issue_id,)).fetchone()
            if row is None:
                raise NotFound(f"no security issue {issue_id!r} on the local forge")
            if row["state"] == "closed":
                return False
            db.execute(
                "UPDATE security_issues SET state = 'closed', updated = ? WHERE id = ?",
                (self._now(), issue_id),
            )
            return True

    def open_security_issues(self) -> list[SecurityIssue]:
        rows = self._read("SELECT * FROM security_issues WHERE state = 'open' ORDER BY rowid")
        return [
            SecurityIssue(
                id=row["id"],
                title=row["title"],
                url=row["url"],
                source=row["source"],
                packages=tuple(_from_json(row["packages"])),
            )
            for row in rows
        ]

    # --- push events ---------------------------------------------------------------------------
    def record_events(self, events: Sequence[PushEvent], source: str) -> None:
        now = self._now()
        with self._write() as db:
            db.executemany(
                "INSERT INTO push_events (ref, before, after, source, created) VALUES (?, ?, ?, ?, ?)",
                [(e.ref, e.before, e.after, source, now) for e in events],
            )

    def events(self) -> list[tuple[PushEvent, str, str]]:
        """Every recorded push event, oldest first, with its source and time."""
        rows = self._read("SELECT * FROM push_events ORDER BY id")
        return [
            (PushEvent(row["ref"], row["before"], row["after"]), row["source"], row["created"])
            for row in rows
        ]
