"""Locale data for the Stripe.js stand-in.

Each supported locale is one JSON file in ``stripe_sandbox/js/locales/`` (``en.json`` is the
source). Adding a language is a data-only change: drop ``<code>.json`` next to the others.
Missing keys fall back to English.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "en"


def available_locales() -> list[str]:
    """Locale codes that have a data file, sorted, English included."""
    return sorted(path.stem for path in LOCALES_DIR.glob("*.json"))


@cache
def _load_locale_file(code: str) -> dict[str, str]:
    with (LOCALES_DIR / f"{code}.json").open(encoding="utf-8") as handle:
        data: dict[str, str] = json.load(handle)
    return data


def _candidates(requested: str) -> list[str]:
    """'sv-SE' -> ['sv-se', 'sv']; 'pt_BR' -> ['pt-br', 'pt']."""
    normalized = requested.strip().replace("_", "-").lower()
    if not normalized:
        return []
    language = normalized.split("-", 1)[0]
    return [normalized, language] if language != normalized else [normalized]


def resolve_locale(requested: str | None, accept_languages: list[str] | None = None) -> str:
    """Pick the best available locale for a Stripe ``locale`` option.

    ``auto`` (or nothing) uses the browser's ``Accept-Language`` list, as Stripe.js does.
    """
    known = set(available_locales())
    wanted = [] if requested in (None, "", "auto") else [requested or ""]
    if not wanted:
        wanted = list(accept_languages or [])
    for option in wanted:
        for candidate in _candidates(option):
            if candidate in known:
                return candidate
    return DEFAULT_LOCALE


def locale_strings(code: str) -> dict[str, str]:
    """All strings of a locale, English filling any gap."""
    strings = dict(_load_locale_file(DEFAULT_LOCALE))
    if code != DEFAULT_LOCALE and code in available_locales():
        strings.update(_load_locale_file(code))
    return strings
