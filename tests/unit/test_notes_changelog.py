"""The Keep a Changelog shape: what cut, release-latest and release-patch do to the file, exactly."""

from __future__ import annotations

from datetime import date

import pytest

from release_train.model import notes
from release_train.model.notes import Cut, NotesError

DAY = date(2026, 4, 20)
TITLE = """# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

"""
UNRELEASED = """## [Unreleased]

### Added

- A new thing.

### Changed

### Removed

"""
OLDER = """## [1.1.0] - 2026-03-20

### Added

- An older thing.

### Fixed

"""
LINKS = """[unreleased]: https://example.com/o/r/compare/v1.1.0...HEAD
[1.1.0]: https://example.com/o/r/compare/v1.0.0...v1.1.0
"""
KAC = TITLE + UNRELEASED + OLDER + LINKS


def cut(version: str = "2.0.0") -> Cut:
    return Cut(version=version, next_version="3.0.0", link="unused", template="unused")


def test_detects_the_shape_from_the_text_then_the_name() -> None:
    assert notes.detect(KAC).label == "Keep a Changelog"
    assert notes.detect("# Changes\n\n## 0.2.0 (2024-01-01)\n").label == "Keep a Changelog"
    assert notes.detect("## 1.0.0\n\nUnreleased.\n\n" + notes.DASHES + "\n").label == "RELEASES.md"
    assert notes.detect("# Changelog\n").label == "RELEASES.md"
    assert notes.detect("# Changelog\n", "CHANGELOG.md").label == "Keep a Changelog"


def test_cut_renames_unreleased_to_the_pending_version_and_opens_a_fresh_one() -> None:
    after = notes.detect(KAC).after_cut(KAC, cut())
    assert (
        after
        == TITLE
        + "## [Unreleased]\n\n## [2.0.0] - Unreleased\n"
        + UNRELEASED.split("\n", 1)[1]
        + OLDER
        + LINKS
    )


def test_release_dates_unreleased_drops_empty_subsections_and_moves_the_links() -> None:
    released = notes.detect(KAC).release(KAC, "2.0.0", DAY)
    assert released == (
        TITLE
        + "## [Unreleased]\n\n## [2.0.0] - 2026-04-20\n\n### Added\n\n- A new thing.\n\n"
        + OLDER
        + "[unreleased]: https://example.com/o/r/compare/v2.0.0...HEAD\n"
        + "[2.0.0]: https://example.com/o/r/compare/v1.1.0...v2.0.0\n"
        + "[1.1.0]: https://example.com/o/r/compare/v1.0.0...v1.1.0\n"
    )
    # a second run changes nothing
    assert notes.detect(released).release(released, "2.0.0", DAY) == released


def test_main_dates_the_pending_section_the_cut_left() -> None:
    shape = notes.detect(KAC)
    main = shape.after_cut(KAC, cut())
    dated = shape.date_on_main(main, "2.0.0", DAY)
    assert dated == (
        TITLE
        + "## [Unreleased]\n\n## [2.0.0] - 2026-04-20\n\n### Added\n\n- A new thing.\n\n"
        + OLDER
        + "[unreleased]: https://example.com/o/r/compare/v2.0.0...HEAD\n"
        + "[2.0.0]: https://example.com/o/r/compare/v1.1.0...v2.0.0\n"
        + "[1.1.0]: https://example.com/o/r/compare/v1.0.0...v1.1.0\n"
    )
    assert shape.date_on_main(dated, "2.0.0", DAY) == dated
    assert shape.date_on_main(KAC, "9.0.0", DAY) == KAC  # main has no section for it: nothing to date


def test_release_on_a_branch_that_has_the_pending_section_dates_that_one() -> None:
    main = notes.detect(KAC).after_cut(KAC, cut())
    assert notes.detect(main).release(main, "2.0.0", DAY) == notes.detect(main).date_on_main(
        main, "2.0.0", DAY
    )


def test_patch_needs_an_entry_under_unreleased() -> None:
    shape = notes.detect(KAC)
    branch = shape.release(KAC, "2.0.0", DAY)
    with pytest.raises(NotesError, match=r"has no notes for 2\.0\.1") as info:
        shape.patch(branch, "2.0.1", DAY, allow_empty=False)
    assert info.value.line == TITLE.count("\n") + 1  # the Unreleased heading
    assert info.value.hint
    with_fix = branch.replace("## [Unreleased]\n\n", "## [Unreleased]\n\n### Fixed\n\n- A fix.\n\n", 1)
    patched = shape.patch(with_fix, "2.0.1", date(2026, 4, 22), allow_empty=False)
    assert patched.startswith(
        TITLE
        + "## [Unreleased]\n\n## [2.0.1] - 2026-04-22\n\n### Fixed\n\n- A fix.\n\n## [2.0.0] - 2026-04-20\n"
    )
    assert "[unreleased]: https://example.com/o/r/compare/v2.0.1...HEAD\n" in patched
    assert "[2.0.1]: https://example.com/o/r/compare/v2.0.0...v2.0.1\n" in patched


def test_paren_style_with_v_prefix_and_no_links_keeps_every_other_byte() -> None:
    text = (
        "# Change Log\n\n<!--\nContributors: write entries like\n\n## Unreleased\n\n```diff\n- old\n```\n-->\n\n"
        "## Unreleased\n\n### Bug Fixes\n\n- Fixed.\n\n### Documentation\n\n## v0.20.2 (2024-06-12)\n\n- Older.\n"
    )
    shape = notes.detect(text)
    after_cut = shape.after_cut(text, cut("0.21.0"))
    head, _, tail = text.partition("\n## Unreleased\n\n### Bug")
    assert after_cut == head + "\n## Unreleased\n\n## v0.21.0 (Unreleased)\n\n### Bug" + tail
    released = shape.release(text, "0.21.0", DAY)
    assert released == (
        head + "\n## Unreleased\n\n## v0.21.0 (2026-04-20)\n\n### Bug Fixes\n\n- Fixed.\n\n"
        "## v0.20.2 (2024-06-12)\n\n- Older.\n"
    )


def test_linked_version_headings_are_versions() -> None:
    text = (
        "# Changelog\n\n## [Unreleased]\n\n- Next.\n\n"
        "## [1.2.0](https://example.com/o/r/compare/v1.1.0...v1.2.0) (2026-01-02)\n\n- Older.\n"
    )
    released = notes.detect(text).release(text, "1.3.0", DAY)
    assert released == text.replace(
        "## [Unreleased]\n\n", "## [Unreleased]\n\n## [1.3.0] (2026-04-20)\n\n", 1
    )
    assert notes.detect(released).notes_for(released, "1.2.0") == "- Older.\n"


def test_crlf_files_stay_crlf() -> None:
    crlf = KAC.replace("\n", "\r\n")
    released = notes.detect(crlf).release(crlf, "2.0.0", DAY)
    assert "\n" not in released.replace("\r\n", "")
    assert released == notes.detect(KAC).release(KAC, "2.0.0", DAY).replace("\n", "\r\n")


def test_cut_refuses_without_unreleased_or_with_the_version_already_there() -> None:
    shape = notes.KEEP_A_CHANGELOG
    with pytest.raises(NotesError, match="has no `## \\[Unreleased\\]` section") as info:
        shape.after_cut(TITLE + OLDER, cut())
    assert "add a line `## [Unreleased]`" in (info.value.hint or "")
    twice = TITLE + UNRELEASED + "## [2.0.0] - Unreleased\n\n" + OLDER
    with pytest.raises(NotesError, match=r"already has a section for 2\.0\.0") as info:
        shape.after_cut(twice, cut())
    assert info.value.line == twice.split("\n").index("## [2.0.0] - Unreleased") + 1


def test_release_refuses_without_a_place_for_the_notes() -> None:
    with pytest.raises(NotesError, match=r"has neither a `## \[Unreleased\]` section nor one for 2\.0\.0"):
        notes.KEEP_A_CHANGELOG.release(TITLE + OLDER, "2.0.0", DAY)


def test_notes_for_a_version_drop_empty_subsections() -> None:
    shape = notes.detect(KAC)
    assert shape.notes_for(KAC, "1.1.0") == "### Added\n\n- An older thing.\n"
    assert shape.notes_for(KAC, "0.1.0") == ""


def test_the_forge_release_body_is_the_version_section_without_empty_subsections() -> None:
    from release_train.flows.publish.forge_release import section

    released = notes.detect(KAC).release(KAC, "2.0.0", DAY)
    assert section(released, "2.0.0", "CHANGELOG.md") == "### Added\n\n- A new thing.\n"
    # a release candidate's notes are those of the release it leads to, still under Unreleased
    assert section(KAC, "2.0.0-rc.1", "CHANGELOG.md") == "### Added\n\n- A new thing.\n"


def test_check_lists_what_a_flow_would_refuse() -> None:
    ok = notes.check(KAC, name="CHANGELOG.md", version="2.0.0", cut=cut(), day=DAY)
    assert ok == []
    missing = notes.check(TITLE + OLDER, name="CHANGELOG.md", version="2.0.0", cut=cut(), day=DAY)
    assert [p.message for p in missing] == [
        "has no `## [Unreleased]` section (Keep a Changelog)",
        "has neither a `## [Unreleased]` section nor one for 2.0.0",
    ]


def test_unified_diff_names_the_file() -> None:
    after = notes.detect(KAC).after_cut(KAC, cut())
    diff = notes.unified_diff(KAC, after, "CHANGELOG.md")
    assert diff.startswith("--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ ")
    assert "\n+## [2.0.0] - Unreleased\n" in diff
    assert notes.unified_diff(KAC, KAC, "CHANGELOG.md") == ""
