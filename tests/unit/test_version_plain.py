"""The regex-free reading of plain `MAJOR.MINOR.PATCH` agrees with the semver grammar."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from release_train.model.version import Version, _plain, _semver

texts = st.text(alphabet="0123456789.-+rcdev²٣ \n", max_size=12)


@given(texts)
def test_plain_reading_agrees_with_the_grammar(text: str) -> None:
    match = _semver().match(text)
    plain = _plain(text)
    if plain is not None:
        assert match is not None
        assert match.group(4) is None and match.group(5) is None
        assert plain == (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    elif match is not None:
        assert match.group(4) is not None or match.group(5) is not None
    assert Version.is_valid(text) == (match is not None)


def test_examples() -> None:
    assert Version.parse("1.20.3") == Version(1, 20, 3)
    assert not Version.is_valid(" 1.20.3 ")  # cargo's semver takes no spaces
    assert str(Version.parse("0.114.0")) == "0.114.0"
    assert Version.parse("1.2.3-rc.1") == Version(1, 2, 3, "rc.1")
    assert not Version.is_valid("01.2.3")
    assert not Version.is_valid("1.2")
    assert not Version.is_valid("1.2.٣")
    assert not Version.is_valid("1.2.1٣")  # a digit of another script, after an ASCII one
