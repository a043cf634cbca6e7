"""Locale choice and the completeness of every shipped catalogue."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from app.cli import extract_command
from app.web.i18n import shipped_locales
from tests.support.accounts import post_form, sign_up

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_accept_language_picks_a_shipped_locale(client: FlaskClient) -> None:
    assert '<html lang="sv">' in client.get("/login", headers={"Accept-Language": "sv"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "ja"}).get_data(
        as_text=True
    )


def test_an_explicit_choice_beats_accept_language(client: FlaskClient) -> None:
    response = post_form(client, "/login", "/locale", {"locale": "sv", "next": "/signup"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup"
    assert "kassa_locale=sv" in response.headers["Set-Cookie"]
    page = client.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Logga in" in page


def test_the_switcher_never_redirects_off_site_or_to_unknown_locales(client: FlaskClient) -> None:
    response = post_form(
        client, "/login", "/locale", {"locale": "xx", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    assert "kassa_locale" not in response.headers.get("Set-Cookie", "")


def test_without_a_preference_the_merchants_default_applies(client: FlaskClient) -> None:
    response = post_form(client, "/login", "/locale", {"locale": "sv", "next": "/"})
    assert response.status_code == 302
    sign_up(client, country="SE")  # signed up in Swedish: the merchant's default is sv
    client.delete_cookie("kassa_locale")
    page = client.get("/panel/", headers={"Accept-Language": ""}).get_data(as_text=True)
    assert "Översikt" in page


def test_country_names_follow_the_locale(client: FlaskClient) -> None:
    sign_up(client, country="DE")
    english = client.get("/panel/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    swedish = client.get("/panel/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Germany" in english
    assert "Tyskland" in swedish


def test_the_template_catalogue_is_current(tmp_path: Path) -> None:
    """messages.pot holds exactly the strings the code and templates use today."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(extract_command(fresh), cwd=ROOT, check=True, capture_output=True)
    ids = lambda path: {m.id for m in read_po(path.open("rb")) if m.id}  # noqa: E731
    stale = ids(ROOT / "translations" / "messages.pot") ^ ids(fresh)
    assert not stale, f"run `make translations-update`: {sorted(map(str, stale))[:10]}"


@pytest.mark.parametrize("locale", [code for code in shipped_locales() if code != "en"])
def test_every_message_is_translated(locale: str) -> None:
    template = {m.id for m in read_po((ROOT / "translations" / "messages.pot").open("rb")) if m.id}
    catalogue = read_po((ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb"))
    assert not catalogue.fuzzy, f"{locale}: the catalogue header is fuzzy, so compiling skips it"
    translated = {m.id: m for m in catalogue if m.id}
    missing = sorted(
        str(mid)
        for mid in template
        if mid not in translated or not translated[mid].string or translated[mid].fuzzy
    )
    assert not missing, f"{locale} lacks {len(missing)} translations, first: {missing[:5]}"
    for mid in template:
        message = translated[mid]
        assert sorted(PLACEHOLDER.findall(str(message.id))) == sorted(
            PLACEHOLDER.findall(str(message.string))
        ), f"{locale}: placeholders differ in {message.id!r}"


def test_swedish_is_shipped() -> None:
    assert "sv" in shipped_locales()
