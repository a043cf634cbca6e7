"""Branding: display name, logo upload (checked by content) and accent colour."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.settings.models import CheckoutSettings
from tests.conftest import csrf_token_from
from tests.support.accounts import sign_up

BRANDING = "/panel/settings/branding"


def save_branding(client: FlaskClient, **fields: object):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client.get(BRANDING).get_data(as_text=True))
    data = {"display_name": "Lindqvist", "accent_color": "#1d4ed8", **fields}
    return client.post(
        BRANDING, data={"csrf_token": token, **data}, content_type="multipart/form-data"
    )


def image(image_format: str = "WEBP", size: tuple[int, int] = (120, 40)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 10, 10)).save(buffer, format=image_format)
    buffer.seek(0)
    return buffer


def stored(app: Flask) -> CheckoutSettings:
    with app.app_context():
        settings = db.session.scalars(select(CheckoutSettings)).one()
        db.session.expunge(settings)
        return settings


def test_defaults_come_from_the_merchant(client: FlaskClient) -> None:
    sign_up(client, business_name="Lindqvist Keramik")
    page = client.get(BRANDING).get_data(as_text=True)
    assert 'value="Lindqvist Keramik"' in page
    assert 'value="#3b4cca"' in page


def test_save_name_colour_and_logo(client: FlaskClient, app: Flask, instance_path: Path) -> None:
    sign_up(client)
    response = save_branding(client, accent_color=" #1D4ED8 ", logo=(image(), "logo.webp"))
    assert response.status_code == 302
    settings = stored(app)
    assert (settings.display_name, settings.accent_color) == ("Lindqvist", "#1d4ed8")
    assert settings.logo_filename and settings.logo_filename.endswith(".webp")
    first_logo = settings.logo_filename
    assert client.get(f"/media/{first_logo}").mimetype == "image/webp"

    save_branding(client, logo=(image("JPEG"), "new.jpg"))
    second_logo = stored(app).logo_filename
    assert second_logo and second_logo.endswith(".jpg")
    assert not (instance_path / "uploads" / first_logo).exists()

    save_branding(client, remove_logo="y")
    assert stored(app).logo_filename is None
    assert not (instance_path / "uploads" / second_logo).exists()


def test_a_text_file_named_png_is_refused(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    response = save_branding(client, logo=(io.BytesIO(b"MZ not an image at all"), "logo.png"))
    assert response.status_code == 422
    assert "Choose a PNG, JPEG or WebP image." in response.get_data(as_text=True)
    assert 'id="logo-error"' in response.get_data(as_text=True)


def test_an_oversized_logo_is_refused(client: FlaskClient) -> None:
    sign_up(client)
    response = save_branding(client, logo=(image("PNG", (4100, 10)), "huge.png"))
    assert response.status_code == 422
    assert "at most 4000 pixels wide and high" in response.get_data(as_text=True)


def test_colours_are_validated_and_low_contrast_is_warned(client: FlaskClient) -> None:
    sign_up(client)
    for bad in ("blue", "#12345", "#gggggg", "1d4ed8"):
        response = save_branding(client, accent_color=bad)
        assert response.status_code == 422, bad
        assert "Enter a colour as # and six hex digits" in response.get_data(as_text=True)
    assert "hard to read" not in client.get(BRANDING).get_data(as_text=True)
    assert save_branding(client, accent_color="#ffd600").status_code == 302
    assert "White text on #ffd600 is hard to read" in client.get(BRANDING).get_data(as_text=True)
