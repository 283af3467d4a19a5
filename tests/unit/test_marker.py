from __future__ import annotations

from release_train.model.marker import has_marker, release_message

MARKER = "[automatically-tag-and-release-this-commit]"


def test_marker_on_a_line_of_its_own_counts() -> None:
    assert has_marker(f"Release Demo 2.0.0\n\n{MARKER}\n", MARKER)
    assert has_marker(f"Release Demo 2.0.0\n\n  {MARKER}  \r\n", MARKER)


def test_quoted_marker_does_not_count() -> None:
    assert not has_marker(f"Docs: never put `{MARKER}` in a commit\n", MARKER)
    assert not has_marker(f"Fix\n\n> {MARKER}\n", MARKER)
    assert not has_marker(f"Fix\n\n{MARKER}.\n", MARKER)


def test_release_message_puts_marker_last_on_its_own_line() -> None:
    message = release_message("Release Demo 2.0.0", MARKER)
    assert message == f"Release Demo 2.0.0\n\n{MARKER}\n"
    with_body = release_message("Release Demo 2.0.1", MARKER, "Requested by Ann.")
    assert with_body.splitlines() == ["Release Demo 2.0.1", "", "Requested by Ann.", "", MARKER]
    assert has_marker(with_body, MARKER)
