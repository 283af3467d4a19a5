"""Member globs: the `os.scandir` fast path finds exactly the directories `Path.glob` finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_train.infra.confine import Confined
from release_train.workspaces.cargo_manifest import join
from release_train.workspaces.cargo_members import glob_dirs


@pytest.mark.parametrize(
    "pattern",
    ["crates/*", "*", "crates/c[ab]*", "crates/?x", "crates/*x", "nested/deep/*", "missing/*", "file/*",
     "crates/*/src", "./crates/*", "crates//*", "**/src", "crates/.h*"],
)  # fmt: skip
def test_fast_glob_finds_what_path_glob_finds(tmp_path: Path, pattern: str) -> None:
    for d in ["crates/ca", "crates/cb1", "crates/zx", "crates/ax", "crates/.hidden", "nested/deep/one"]:
        (tmp_path / d / "src").mkdir(parents=True)
    (tmp_path / "crates" / "plain-file").write_text("")
    (tmp_path / "crates" / "link").symlink_to(tmp_path / "crates" / "ca")
    (tmp_path / "crates" / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "file").write_text("")
    expected = sorted(join(str(tmp_path), str(p)) for p in tmp_path.glob(pattern) if p.is_dir())
    assert glob_dirs(tmp_path, pattern, Confined(str(tmp_path))) == expected
