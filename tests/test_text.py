"""User text is cleaned of invisible and control characters, and fitted to limits honestly."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.text import clean_text, fit


@given(st.text())
def test_clean_text_leaves_no_control_or_format_characters(value: str) -> None:
    cleaned = clean_text(value)
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in cleaned)
    assert cleaned == cleaned.strip()
    assert clean_text(cleaned) == cleaned


@given(st.text())
def test_single_line_has_no_breaks(value: str) -> None:
    assert "\n" not in clean_text(value, multiline=False)


def test_examples() -> None:
    assert clean_text("  hi\u202ethere\x00\r\nfriend\n\n\n\nok ") == "hithere\nfriend\n\nok"
    assert clean_text("a\u200bb") == "ab"
    assert clean_text("line one\nline two", multiline=False) == "line one line two"


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_fit_respects_limit(value: str, limit: int) -> None:
    fitted = fit(value, limit)
    assert len(fitted) <= limit
    if len(value) <= limit:
        assert fitted == value
