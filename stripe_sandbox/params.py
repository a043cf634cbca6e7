"""Stripe's form encoding: nested brackets in, validated and typed Python values out.

Stripe reads ``a[b][c]=1`` as ``{"a": {"b": {"c": "1"}}}`` and both ``a[]=x`` and
``a[0]=x`` as a list. Every endpoint declares the parameters it accepts as a *schema*
(a dict of name -> type, below); anything else is refused as Stripe refuses it
(``parameter_unknown``), and values are checked and converted (integers, booleans, enums).
An empty string means "unset" (Stripe's way of clearing ``metadata[key]`` or ``description``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import invalid_request, parameter_unknown

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class _ListMarker(dict):
    """A dict built from ``[]`` or ``[0]`` keys, turned into a list after parsing."""


def _split_key(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    return [head, *_SEGMENT.findall("[" + rest)]


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``(key, value)`` pairs of a form or query string into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        segments = _split_key(key)
        node: dict[str, Any] = root
        for depth, segment in enumerate(segments):
            is_last = depth == len(segments) - 1
            next_is_index = not is_last and (
                segments[depth + 1] == "" or segments[depth + 1].isdigit()
            )
            if segment == "" and isinstance(node, _ListMarker):
                segment = str(len(node))
            if is_last:
                node[segment] = value
                break
            child = node.get(segment)
            if not isinstance(child, dict):
                child = _ListMarker() if next_is_index else {}
                node[segment] = child
            node = child
    return _finish_lists(root)


def _finish_lists(value: Any) -> Any:
    if isinstance(value, _ListMarker):
        ordered = sorted(value.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0)
        return [_finish_lists(item) for _, item in ordered]
    if isinstance(value, dict):
        return {key: _finish_lists(item) for key, item in value.items()}
    return value


# ---------------------------------------------------------------------------------------
# Schemas: an endpoint's accepted parameters.
#   INT, STR, BOOL     scalar types
#   MAP                a free-form hash of strings (metadata)
#   Enum("a", "b")     a string from a fixed set
#   {name: type}       a nested hash with exactly these keys
#   [type]             an array of that type
#   Either(a, b)       one of two shapes (e.g. a string or a hash)
# ---------------------------------------------------------------------------------------
INT = "integer"
STR = "string"
BOOL = "boolean"
FLOAT = "number"
MAP = "map"


@dataclass(frozen=True)
class Enum:
    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        object.__setattr__(self, "values", values)


@dataclass(frozen=True)
class Either:
    first: Any
    second: Any


RANGE = Either(INT, {"gt": INT, "gte": INT, "lt": INT, "lte": INT})
EXPAND = [STR]
ADDRESS = {
    "city": STR,
    "country": STR,
    "line1": STR,
    "line2": STR,
    "postal_code": STR,
    "state": STR,
}
BILLING_DETAILS = {"address": ADDRESS, "email": STR, "name": STR, "phone": STR}
LIST_PARAMS = {"limit": INT, "starting_after": STR, "ending_before": STR, "expand": EXPAND}


def validate(params: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Check ``params`` against ``schema`` and return them converted to Python types."""
    return _validate_hash(params, schema, prefix="")


def _name(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _validate_hash(params: Any, schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise invalid_request(
            f"Invalid hash: {prefix}", code="parameter_invalid_hash", param=prefix
        )
    result: dict[str, Any] = {}
    for key, value in params.items():
        if key not in schema:
            raise parameter_unknown(_name(prefix, key))
        result[key] = _validate_value(value, schema[key], _name(prefix, key))
    return result


def _validate_value(value: Any, kind: Any, name: str) -> Any:
    if value == "" and kind not in (STR, MAP):
        return None
    if isinstance(kind, Either):
        try:
            return _validate_value(value, kind.first, name)
        except Exception:
            return _validate_value(value, kind.second, name)
    if isinstance(kind, dict):
        return _validate_hash(value, kind, name)
    if isinstance(kind, list):
        if isinstance(value, dict) and all(key.isdigit() for key in value):
            value = [value[key] for key in sorted(value, key=int)]
        if not isinstance(value, list):
            raise invalid_request(
                f"Invalid array: {name}", code="parameter_invalid_array", param=name
            )
        return [
            _validate_value(item, kind[0], f"{name}[{index}]") for index, item in enumerate(value)
        ]
    if kind == MAP:
        if value == "":
            return ""
        if not isinstance(value, dict):
            raise invalid_request(
                f"Invalid hash: {name}", code="parameter_invalid_hash", param=name
            )
        return {key: item for key, item in value.items()}
    if isinstance(value, (dict, list)):
        raise invalid_request(
            f"Invalid {kind}: {name}", code=f"parameter_invalid_{kind}", param=name
        )
    return _scalar(value, kind, name)


def _scalar(value: Any, kind: Any, name: str) -> Any:
    text = str(value)
    if kind == STR:
        return text
    if kind == INT:
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        raise invalid_request(
            f"Invalid integer: {text}", code="parameter_invalid_integer", param=name
        )
    if kind == FLOAT:
        try:
            return float(text)
        except ValueError:
            raise invalid_request(f"Invalid decimal: {text}", param=name) from None
    if kind == BOOL:
        if text in ("true", "false"):
            return text == "true"
        raise invalid_request(f"Invalid boolean: {text}", param=name)
    if isinstance(kind, Enum):
        if text in kind.values:
            return text
        raise invalid_request(
            f"Invalid {name}: must be one of {', '.join(kind.values)}", param=name
        )
    raise TypeError(f"unknown schema type {kind!r}")


def schema_names(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every parameter path a schema accepts, as tuples of names (for the contract tests)."""
    names: list[tuple[str, ...]] = []
    for key, kind in schema.items():
        path = (*prefix, key)
        names.append(path)
        for nested in _nested_schemas(kind):
            names.extend(schema_names(nested, path))
    return names


def _nested_schemas(kind: Any) -> list[dict[str, Any]]:
    if isinstance(kind, dict):
        return [kind]
    if isinstance(kind, list):
        return _nested_schemas(kind[0])
    if isinstance(kind, Either):
        return _nested_schemas(kind.first) + _nested_schemas(kind.second)
    return []
