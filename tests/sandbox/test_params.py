"""Stripe's form encoding: nested brackets, arrays, typed validation."""

from __future__ import annotations

import pytest

from stripe_sandbox.errors import StripeError
from stripe_sandbox.params import BOOL, INT, MAP, STR, Enum, parse_pairs, validate


def test_nested_brackets_and_arrays() -> None:
    parsed = parse_pairs(
        [
            ("a[b][c]", "1"),
            ("expand[]", "x"),
            ("expand[]", "y"),
            ("items[0][price]", "p1"),
            ("items[1][price]", "p2"),
            ("items[0][quantity]", "2"),
            ("metadata[order]", "7"),
            ("plain", "v"),
        ]
    )
    assert parsed == {
        "a": {"b": {"c": "1"}},
        "expand": ["x", "y"],
        "items": [{"price": "p1", "quantity": "2"}, {"price": "p2"}],
        "metadata": {"order": "7"},
        "plain": "v",
    }


def test_indexed_arrays_keep_their_order() -> None:
    pairs = [(f"amounts[{index}]", str(index)) for index in (10, 2, 0, 1)]
    assert parse_pairs(pairs) == {"amounts": ["0", "1", "2", "10"]}


SCHEMA = {
    "amount": INT,
    "confirm": BOOL,
    "metadata": MAP,
    "usage": Enum("on", "off"),
    "nested": {"name": STR},
    "list": [INT],
}


def test_validate_converts_types() -> None:
    assert validate(
        {
            "amount": "150",
            "confirm": "true",
            "metadata": {"k": "v"},
            "usage": "on",
            "nested": {"name": "x"},
            "list": ["1", "2"],
        },
        SCHEMA,
    ) == {
        "amount": 150,
        "confirm": True,
        "metadata": {"k": "v"},
        "usage": "on",
        "nested": {"name": "x"},
        "list": [1, 2],
    }


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"amount": "1.5"}, "parameter_invalid_integer", "amount"),
        ({"confirm": "maybe"}, None, "confirm"),
        ({"usage": "sometimes"}, None, "usage"),
        ({"nested": {"other": "x"}}, "parameter_unknown", "nested[other]"),
        ({"surprise": "x"}, "parameter_unknown", "surprise"),
        ({"list": ["a"]}, "parameter_invalid_integer", "list[0]"),
    ],
)
def test_validate_refuses_like_stripe(params: dict, code: str | None, param: str) -> None:
    with pytest.raises(StripeError) as caught:
        validate(params, SCHEMA)
    assert caught.value.status == 400
    assert (caught.value.code, caught.value.param) == (code, param)


def test_empty_string_unsets() -> None:
    assert validate({"nested": "", "metadata": ""}, SCHEMA) == {"nested": None, "metadata": ""}
