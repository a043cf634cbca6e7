"""Shop and product addresses made from names."""

from __future__ import annotations

from app.storefront.service import SLUG, _free_slug, slugify


def test_names_become_lower_case_ascii_with_single_hyphens() -> None:
    assert slugify("Café Åkesson AB") == "cafe-akesson-ab"
    assert slugify('  Tom & Jerry\'s  "big" mug!! ') == "tom-jerry-s-big-mug"
    assert slugify("---") == ""
    assert slugify("x" * 50 + " y") == "x" * 40
    assert slugify("ab-" + "c" * 40, limit=4) == "ab-c"


def test_a_taken_address_gets_the_next_free_number_within_the_limit() -> None:
    assert _free_slug(set(), "mug", 80) == "mug"
    assert _free_slug({"mug", "mug-2"}, "mug", 80) == "mug-3"
    assert _free_slug({"a" * 40}, "a" * 40, 40) == "a" * 38 + "-2"
    assert _free_slug(set(), "", 40) == "shop"


def test_the_address_rule() -> None:
    for good in ("acme", "acme-shop", "a1b", "x" * 40):
        assert SLUG.fullmatch(good), good
    for bad in ("ab", "-acme", "acme-", "Acme", "acme shop", "åke", "x" * 41, "acme/shop"):
        assert not SLUG.fullmatch(bad), bad
