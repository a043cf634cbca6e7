from app.core.regions import (
    STRIPE_ACCOUNT_COUNTRIES,
    country_choices,
    country_currency,
    current_currencies,
    world_country_choices,
)


def test_country_currencies_come_from_cldr() -> None:
    assert [country_currency(c) for c in ("SE", "DE", "GB", "US", "JP")] == [
        "SEK",
        "EUR",
        "GBP",
        "USD",
        "JPY",
    ]


def test_every_signup_country_has_a_current_currency() -> None:
    currencies = set(current_currencies())
    assert all(country_currency(c) in currencies for c in STRIPE_ACCOUNT_COUNTRIES)
    assert "DEM" not in currencies  # the mark is history


def test_choices_are_localized_and_sorted() -> None:
    swedish = dict(country_choices("sv"))
    assert swedish["DE"] == "Tyskland"
    names = [name for _code, name in country_choices("en")]
    assert names == sorted(names)


def test_world_countries_for_tax_rates_include_non_stripe_countries() -> None:
    countries = dict(world_country_choices("sv"))
    assert countries["SE"] == "Sverige"
    assert countries["IS"] == "Island"  # no Stripe accounts there, but buyers are
    assert not {"EU", "ZZ", "001"} & countries.keys()
