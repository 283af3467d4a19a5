from __future__ import annotations

from datetime import date

import pytest

from release_train.model import notes
from release_train.model.notes import NotesError, releases_md

DASHES = "-" * 80
TEMPLATE = "## {version}\n\nUnreleased.\n\n### Added\n\n### Changed\n\n" + DASHES + "\n"

MAIN = f"""## 28.0.0

Unreleased.

### Added

* A new thing.

{DASHES}

Release notes for previous releases of Demo can be found on the respective
release branches of the repository.

<!-- ARCHIVE_START -->
* [27.0.x](release-27.0.0:RELEASES.md)
* [26.0.x](release-26.0.0:RELEASES.md)
"""


def test_reset_for_cut_drops_top_section_adds_bullet_and_template() -> None:
    after = notes.reset_for_cut(
        MAIN,
        template=TEMPLATE,
        next_version="29.0.0",
        archived_version="28.0.0",
        link="release-28.0.0:RELEASES.md",
    )
    assert after == (
        f"## 29.0.0\n\nUnreleased.\n\n### Added\n\n### Changed\n\n{DASHES}\n"
        "\nRelease notes for previous releases of Demo can be found on the respective\n"
        "release branches of the repository.\n\n<!-- ARCHIVE_START -->\n"
        "* [28.0.x](release-28.0.0:RELEASES.md)\n"
        "* [27.0.x](release-27.0.0:RELEASES.md)\n"
        "* [26.0.x](release-26.0.0:RELEASES.md)\n"
    )


def test_reset_for_cut_keeps_crlf_line_endings() -> None:
    crlf = MAIN.replace("\n", "\r\n")
    after = notes.reset_for_cut(
        crlf, template=TEMPLATE, next_version="29.0.0", archived_version="28.0.0", link="L"
    )
    assert "\n" not in after.replace("\r\n", "")
    assert "* [28.0.x](L)\r\n* [27.0.x]" in after


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("# Notes\n\nnothing here\n", "no top section"),
        ("## 1.0.0\n\nUnreleased.\n<!-- ARCHIVE_START -->\n", "80 dashes"),
        (f"## 1.0.0\n\nUnreleased.\n{DASHES}\n", "ARCHIVE_START"),
    ],
)
def test_reset_for_cut_refuses_when_a_part_is_missing(text: str, what: str) -> None:
    with pytest.raises(NotesError, match=what) as info:
        notes.reset_for_cut(text, template=TEMPLATE, next_version="2.0.0", archived_version="1.0.0", link="L")
    assert info.value.hint


def test_date_unreleased_rewrites_every_unreleased_line() -> None:
    text = "## 2.0.1\n\nUnreleased.\n\n## 2.0.0\n\nUnreleased (draft)\n  Unreleased inside\n"
    assert notes.date_unreleased(text, date(2026, 12, 20)) == (
        "## 2.0.1\n\nReleased 2026-12-20.\n\n## 2.0.0\n\nReleased 2026-12-20.\n  Unreleased inside\n"
    )


def test_date_unreleased_is_identity_when_already_dated() -> None:
    text = "## 2.0.0\n\nReleased 2026-11-20.\n"
    assert notes.date_unreleased(text, date(2026, 12, 20)) == text


def test_date_section_only_touches_that_section() -> None:
    text = f"## 29.0.0\n\nUnreleased.\n\n{DASHES}\n\n## 28.0.0\n\nUnreleased.\n"
    dated = notes.date_section(text, "28.0.0", date(2026, 12, 20))
    assert dated == f"## 29.0.0\n\nUnreleased.\n\n{DASHES}\n\n## 28.0.0\n\nReleased 2026-12-20.\n"
    with pytest.raises(NotesError, match=r"no section `## 30.0.0`"):
        notes.date_section(text, "30.0.0", date(2026, 12, 20))


def test_sections_and_content() -> None:
    assert notes.top_version(MAIN) == "28.0.0"
    assert notes.has_section(MAIN, "28.0.0")
    assert not notes.has_section(MAIN, "27.0.0")  # a bullet is not a section
    assert notes.section_has_content(MAIN, "28.0.0")
    empty = "## 2.0.1\n\nUnreleased.\n\n### Fixed\n\n" + DASHES + "\n"
    assert not notes.section_has_content(empty, "2.0.1")


def test_archive_label() -> None:
    assert notes.archive_label("27.0.0") == "27.0.x"
    assert notes.archive_label("0.114.0-dev") == "0.114.x"


def test_release_drops_the_empty_subsections_of_the_released_section_only() -> None:
    text = (
        f"## 2.0.1\n\nUnreleased.\n\n### Added\n\n### Fixed\n\n* A fix.\n\n#### Details\n\n{DASHES}\n\n"
        f"## 2.0.0\n\nReleased 2026-11-20.\n\n### Changed\n\n{DASHES}\n"
    )
    released = notes.RELEASES_MD.patch(text, "2.0.1", date(2026, 12, 20), allow_empty=False)
    assert released == (
        f"## 2.0.1\n\nReleased 2026-12-20.\n\n### Fixed\n\n* A fix.\n\n{DASHES}\n\n"
        f"## 2.0.0\n\nReleased 2026-11-20.\n\n### Changed\n\n{DASHES}\n"
    )
    assert notes.RELEASES_MD.notes_for(released, "2.0.0") == "Released 2026-11-20.\n"


def test_headings_in_code_blocks_and_comments_are_not_sections() -> None:
    text = "## 1.0.0\n\nUnreleased.\n\n```md\n## 9.9.9\n```\n\n<!--\n## 8.8.8\n-->\n\n* A note.\n"
    assert not notes.has_section(text, "9.9.9")
    assert not notes.has_section(text, "8.8.8")
    assert notes.section_has_content(text, "1.0.0")


def test_the_bundled_template_passes_every_check() -> None:
    from importlib import resources

    template = (resources.files("release_train") / "templates" / "RELEASES.md").read_text(encoding="utf-8")
    text = notes.render_template(template, "1.0.0", "Demo")
    cut = notes.Cut(
        version="1.0.0", next_version="2.0.0", link="release-1.0.0:RELEASES.md", template=template
    )
    assert notes.check(text, name="RELEASES.md", version="1.0.0", cut=cut, day=date(2026, 1, 20)) == []
    assert notes.check(text, name="RELEASES.md", version="1.0.0", cut=None, day=date(2026, 1, 20)) == []
    main = notes.detect(text).after_cut(text, cut)
    second = notes.Cut(version="2.0.0", next_version="3.0.0", link="L", template=template)
    assert notes.check(main, name="RELEASES.md", version="2.0.0", cut=second, day=date(2026, 2, 20)) == []
    assert "{" not in text  # every placeholder is filled


@pytest.mark.parametrize(
    ("text", "what", "line", "fix"),
    [
        ("# Notes\n\nnothing here\n", "has no top section", 1, "`Unreleased.`, the notes and a line of 80"),
        (
            "# Notes\n\n## 1.1.0\n\nUnreleased.\n\n* A fix.\n",
            "no line of 80 dashes",
            3,
            "end the top section",
        ),
        (f"## 1.1.0\n\nSoon.\n{DASHES}\n", "has no pending section on top", 1, "add a section above it"),
    ],
)
def test_release_on_main_refuses_when_a_part_is_missing(text: str, what: str, line: int, fix: str) -> None:
    with pytest.raises(NotesError, match=what) as info:
        releases_md.release_on_main(
            text, "1.1.0", date(2026, 12, 20), next_version="2.0.0", template=TEMPLATE, require_entry=False
        )
    assert info.value.line == line
    assert fix in (info.value.hint or "")


def test_release_on_main_keeps_crlf_line_endings() -> None:
    crlf = f"## 1.1.0\n\nUnreleased.\n\n* A fix.\n\n{DASHES}\n".replace("\n", "\r\n")
    after = releases_md.release_on_main(
        crlf, "1.1.0", date(2026, 12, 20), next_version="2.0.0", template=TEMPLATE, require_entry=True
    )
    assert "\n" not in after.replace("\r\n", "")
    assert after.startswith("## 2.0.0\r\n\r\nUnreleased.\r\n")
    assert "## 1.1.0\r\n\r\nReleased 2026-12-20.\r\n\r\n* A fix.\r\n" in after
