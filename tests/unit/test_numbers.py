"""Whole numbers as typed into addresses and forms (app/core/numbers.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.numbers import LARGEST_ID, page_number, whole_number


@given(st.text(max_size=40))
def test_any_text_is_a_number_in_range_or_none_never_an_error(text: str) -> None:
    number = whole_number(text)
    if number is None:
        assert not (text.isascii() and text.isdigit()) or int(text) > LARGEST_ID
    else:
        assert 0 <= number <= LARGEST_ID and str(number) == text.lstrip("0").rjust(1, "0")


def test_what_str_isdigit_takes_but_a_person_did_not_type_as_a_number() -> None:
    assert [whole_number(t) for t in ["¹", "١٢", "1e3", "-1", " 7", "1_000", "9" * 5000]] == [
        None
    ] * 7
    assert (whole_number("42"), whole_number("007"), whole_number(str(LARGEST_ID))) == (
        42,
        7,
        LARGEST_ID,
    )
    assert whole_number(str(LARGEST_ID + 1)) is None


def test_a_page_is_one_unless_a_page_from_one_to_99999() -> None:
    assert [page_number(t) for t in [None, "", "0", "-3", "¹", "100000", "2", "99999"]] == [
        1, 1, 1, 1, 1, 1, 2, 99_999,
    ]  # fmt: skip
