"""`write_all` with many files (staged and renamed on several threads): every file written with
its mode kept, no temporary left behind, and nothing changed when staging fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_train.infra.fs import write_all


def make(tmp_path: Path, n: int) -> dict[Path, bytes]:
    files = {}
    for i in range(n):
        path = tmp_path / f"d{i:03d}" / "Cargo.toml"
        path.parent.mkdir()
        path.write_bytes(b"old")
        path.chmod(0o640 if i % 2 else 0o644)
        files[path] = f"new {i}\n".encode()
    return files


@pytest.mark.parametrize("n", [3, 40, 300])  # serial, threaded renames, threaded staging too
def test_many_files_written_with_their_modes(tmp_path: Path, n: int) -> None:
    files = make(tmp_path, n)
    write_all(files)
    for i, (path, data) in enumerate(files.items()):
        assert path.read_bytes() == data
        assert path.stat().st_mode & 0o777 == (0o640 if i % 2 else 0o644)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["Cargo.toml"] * n


def test_new_files_are_created(tmp_path: Path) -> None:
    files = {tmp_path / f"f{i}": b"x" for i in range(50)}
    write_all(files)
    assert all(p.read_bytes() == b"x" for p in files)


def test_a_staging_failure_changes_nothing(tmp_path: Path) -> None:
    files = make(tmp_path, 300)
    files[tmp_path / "missing-dir" / "Cargo.toml"] = b"cannot be staged"
    with pytest.raises(FileNotFoundError):
        write_all(files)
    assert all(p.read_bytes() == b"old" for p in files if p.parent.name != "missing-dir")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["Cargo.toml"] * 300
