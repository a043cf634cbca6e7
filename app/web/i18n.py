"""Locale choice: an explicit choice (cookie), then the language of a document addressed to
its reader (an invoice's), then Accept-Language, then the merchant's default."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.numbers import format_percent, get_currency_name
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request
from flask_babel import format_date, format_datetime, get_locale, refresh
from werkzeug.wrappers import Response

from app.config import PROJECT_ROOT
from app.core.money import Money, format_money, format_typed_decimal
from app.web.safety import safe_next_url

LOCALE_COOKIE = "kassa_locale"
SOURCE_LOCALE = "en"

blueprint = Blueprint("i18n", __name__)


@cache
def shipped_locales(translations: Path = PROJECT_ROOT / "translations") -> tuple[str, ...]:
    """English (the source) and every locale that has a catalogue in ``translations/``."""
    found = sorted(p.name for p in translations.iterdir() if (p / "LC_MESSAGES").is_dir())
    return (SOURCE_LOCALE, *[code for code in found if code != SOURCE_LOCALE])


def locale_name(code: str) -> str:
    """A locale's name in its own language, as a switcher shows it ("Svenska")."""
    return (Locale.parse(code).get_display_name(code) or code).capitalize()


def select_locale() -> str:
    if not has_request_context():  # a task or reconciliation: no reader (emails force theirs)
        return SOURCE_LOCALE
    locales = shipped_locales()
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in locales:
        return chosen
    addressed = getattr(g, "addressed_locale", None)
    if addressed in locales:  # a document written to one reader, in the language they read
        return addressed
    if request.accept_languages:
        matched = request.accept_languages.best_match(locales)
        if matched:
            return matched
    merchant_default = getattr(g, "merchant_locale", None)
    return merchant_default if merchant_default in locales else SOURCE_LOCALE


def address_reader_in(locale: str) -> None:
    """This request shows a document written to one reader (an invoice to its customer): it
    is in their language unless the visitor chose one with the switcher."""
    g.addressed_locale = locale
    refresh()  # a locale already chosen for this request is chosen again


@blueprint.post("/locale")
def choose_locale() -> Response:
    """The language switcher: remember the choice for a year and go back where the person was."""
    code = request.form.get("locale", "")
    response = redirect(safe_next_url(request.form.get("next")))
    if code in shipped_locales():
        response.set_cookie(
            LOCALE_COOKIE,
            code,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def country_name(code: str) -> str:
    """A country's name in the current locale (``SE`` -> ``Sverige`` in Swedish)."""
    return Locale.parse(str(get_locale())).territories.get(code, code)


def currency_name(code: str) -> str:
    """A currency's name in the current locale (``EUR`` -> ``euro`` in Swedish)."""
    return get_currency_name(code, locale=str(get_locale()))


def basis_points(value: int) -> str:
    """Basis points as a percentage in the current locale (1250 is ``12.5%``, ``12,5 %``)."""
    return format_percent(
        Decimal(value).scaleb(-4), locale=str(get_locale()), decimal_quantization=False
    )


def percentage(value: Decimal | str) -> str:
    """A percentage as stored (Decimal("19"), "12.5") as the reader writes it: 19%, 19 %."""
    return basis_points(int(Decimal(value) * 100))


def money(amount: Money | None) -> str:
    """Money formatted for the current locale (in an email: the recipient's); "—" when unknown."""
    return "—" if amount is None else format_money(amount, str(get_locale()))


def number(value: Decimal | str) -> str:
    """A decimal number (or its plain string, as answers are stored) in the current locale."""
    return format_typed_decimal(Decimal(value), str(get_locale()))


def init_i18n(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.jinja_env.globals.update(
        shipped_locales=shipped_locales,
        locale_name=locale_name,
        current_locale=lambda: str(get_locale()),
    )
    app.jinja_env.filters.update(
        country_name=country_name,
        currency_name=currency_name,
        format_date=format_date,
        format_datetime=format_datetime,
        money=money,
        basis_points=basis_points,
        percentage=percentage,
        number=number,
    )
