"""Whole numbers as visitors type them into addresses and forms."""

from __future__ import annotations

LARGEST_ID = 2**63 - 1  # the databases' 64-bit integers
LAST_PAGE = 99_999


def whole_number(text: str | None, *, largest: int = LARGEST_ID) -> int | None:
    """``text`` read as a whole number from 0 to ``largest`` when it is ASCII digits only; None
    for anything else.

    ``str.isdigit`` alone lets through "¹" (which ``int`` refuses: a server error) and "١٢"
    (which ``int`` reads); a number past 64 bits fails in the database instead of here, and one
    of thousands of digits fails ``int`` itself."""
    if not text or len(text) > len(str(largest)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= largest else None


def page_number(text: str | None) -> int:
    """A list's page from the address: 1 unless ``text`` is a page from 1 to 99,999."""
    return whole_number(text, largest=LAST_PAGE) or 1
