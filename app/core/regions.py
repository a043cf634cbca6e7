"""Sign-up countries, their currencies and languages, from Babel's CLDR data."""

from __future__ import annotations

from datetime import date
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies

# Countries where Stripe accounts can be opened (Stripe's published list).
STRIPE_ACCOUNT_COUNTRIES: tuple[str, ...] = (
    "AE", "AT", "AU", "BE", "BG", "BR", "CA", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI",
    "FR", "GB", "GI", "GR", "HK", "HR", "HU", "IE", "IT", "JP", "LI", "LT", "LU", "LV", "MT",
    "MX", "MY", "NL", "NO", "NZ", "PL", "PT", "RO", "SE", "SG", "SI", "SK", "TH", "US",
)  # fmt: skip


def country_currency(country: str) -> str:
    """The legal tender of ``country`` today (``SE`` -> ``SEK``)."""
    return get_territory_currencies(country, date.today(), tender=True)[0]


@cache
def current_currencies() -> tuple[str, ...]:
    """ISO 4217 codes that are legal tender somewhere today, sorted."""
    today = date.today()
    territories = get_global("territory_currencies").keys()
    codes = {code for t in territories for code in get_territory_currencies(t, today, tender=True)}
    return tuple(sorted(codes))


@cache
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, name in ``locale``) for every sign-up country, sorted by name."""
    names = Locale.parse(locale).territories
    return tuple(
        sorted(((c, names.get(c, c)) for c in STRIPE_ACCOUNT_COUNTRIES), key=lambda item: item[1])
    )


# CLDR territories with a currency that are not countries (the EU, the unknown region, ...).
NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ"})


@cache
def world_country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, name in ``locale``) for every country that has a currency, sorted by name.

    Cached per locale: buyer pages list it up to three times (billing, shipping, tax country).
    """
    names = Locale.parse(locale).territories
    codes = {
        t
        for t in get_global("territory_currencies")
        if len(t) == 2 and t in names and t not in NOT_COUNTRIES
    }
    return tuple(sorted(((c, names[c]) for c in codes), key=lambda item: item[1]))


@cache
def currency_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, "SEK: Swedish krona") for every current currency, in ``locale``."""
    return tuple(
        (code, f"{code}: {get_currency_name(code, locale=locale)}") for code in current_currencies()
    )
