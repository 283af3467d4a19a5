"""The publish journal records each crate's state by appending a line, not by rewriting the file:
what is read back after a crash, and what a change costs as the journal grows."""

from __future__ import annotations

import json
from pathlib import Path

from release_train.flows.publish.journal import COMPACT_AFTER, Journal


def _journal(directory: Path, crates: int = 3) -> Journal:
    journal = Journal.open(directory, "v1.0.0", "1.0.0", "abc123")
    journal.files = {f"c{i}": {f"c{i}-1.0.0.crate": f"{i:064x}"} for i in range(crates)}
    journal.save()
    return journal


def test_states_set_after_the_last_save_are_read_back(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.set("c0", "uploading")
    journal.set("c0", "uploaded")
    journal.set("c1", "uploading")
    again = Journal.open(tmp_path, "v1.0.0", "1.0.0", "abc123")
    assert again.crates == {"c0": "uploaded", "c1": "uploading"}
    assert again.files == journal.files
    journal.finish("done")
    data = json.loads(journal.path.read_text())
    assert (data["state"], data["crates"]) == ("done", {"c0": "uploaded", "c1": "uploading"})
    assert not journal.log_path.exists()


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.set("c0", "uploaded")
    with journal.log_path.open("a") as log:  # what a kill in the middle of a write leaves
        log.write('\n{"generation": 1, "crate": "c1", "sta')
    again = Journal.open(tmp_path, "v1.0.0", "1.0.0", "abc123")
    assert again.crates == {"c0": "uploaded"}
    again.set("c2", "uploading")  # the next line starts on a line of its own
    assert Journal.open(tmp_path, "v1.0.0", "1.0.0", "abc123").crates == {"c0": "uploaded", "c2": "uploading"}


def test_lines_of_an_older_generation_are_ignored(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.set("c0", "uploaded")
    stale = journal.log_path.read_text()
    journal.set("c0", "visible")
    journal.save()  # folds the log in; a crash before the log was removed would leave it
    journal.log_path.write_text(stale)
    assert Journal.open(tmp_path, "v1.0.0", "1.0.0", "abc123").crates == {"c0": "visible"}


def test_another_commit_starts_fresh(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.set("c0", "uploaded")
    assert Journal.open(tmp_path, "v1.0.0", "1.0.0", "moved-tag").crates == {}


def test_a_change_costs_the_same_however_many_crates_the_journal_holds(tmp_path: Path) -> None:
    costs = []
    for crates in (10, 2000):
        journal = _journal(tmp_path / str(crates), crates)
        size = journal.path.stat().st_size
        for i in range(5):
            journal.set(f"c{i}", "uploading")
        assert journal.path.stat().st_size == size  # the file itself was not rewritten
        costs.append(journal.log_path.stat().st_size)
    assert costs[0] == costs[1]


def test_the_log_is_folded_in_once_it_is_as_long_as_the_journal(tmp_path: Path) -> None:
    journal = _journal(tmp_path, crates=10)
    for i in range(COMPACT_AFTER + 1):
        journal.set(f"c{i % 10}", "uploading" if i % 2 else "uploaded")
    assert not journal.log_path.exists() or len(journal.log_path.read_text().splitlines()) < COMPACT_AFTER
    assert Journal.open(tmp_path, "v1.0.0", "1.0.0", "abc123").crates == journal.crates
