"""Payment links in the panel: create, edit, lines (optional ones too), the minimum-charge
warning, status and sales, deactivate and reactivate, duplicate, QR codes."""

from __future__ import annotations

import io
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from PIL import Image
from sqlalchemy import select

from app import create_app
from app.core.clock import utcnow
from app.extensions import db
from app.links.models import PaymentLink
from app.links.service import DOCUMENT_TYPE, claim_link_payment
from app.payments.models import Payment, PaymentStatus
from app.payments.service import PAID
from tests.support.accounts import log_in, post_form, sign_up
from tests.support.settings import add_payment_link, add_product


def only_link(app: Flask) -> PaymentLink:
    return db.session.scalars(select(PaymentLink)).one()


def link_url(app: Flask) -> str:
    with app.app_context():
        return f"/panel/links/{only_link(app).id}"


def record_payment(app: Flask, status: PaymentStatus, amount: int, intent_id: str) -> None:
    """A payment of the link as the recording path leaves it: a paid one (or a debit on its
    way) has claimed its place in the link's limit."""
    with app.app_context():
        link = only_link(app)
        if status in (*PAID, PaymentStatus.PROCESSING):
            assert claim_link_payment(db.session, link)
        db.session.add(
            Payment(
                merchant_id=link.merchant_id,
                intent_id=intent_id,
                status=status,
                currency=link.currency,
                amount=amount,
                document_type=DOCUMENT_TYPE,
                document_id=str(link.id),
            )
        )
        db.session.commit()


def test_payment_links_are_in_the_navigation(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get("/panel/links/").get_data(as_text=True)
    assert 'href="/panel/links/" aria-current="page">Payment links</a>' in page
    assert "No payment links yet." in page


def test_create_a_link_with_a_product_and_a_described_line(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_product(client, "Mug", "SEK", "129")
    response = add_payment_link(
        client, "Mugs", product="1", description="", amount="", quantity="2",
        adjustable_quantity="y", min_quantity="1", max_quantity="6", shipping_address="required",
        message="Handmade in Malmö.",
    )  # fmt: skip
    assert response.status_code == 302
    url = link_url(app)
    assert response.headers["Location"] == url
    post_form(client, url, url + "/lines", {
        "currency": "SEK", "product": "", "description": "Gift wrap", "amount": "25",
        "quantity": "1", "min_quantity": "1", "max_quantity": "1",
    })  # fmt: skip
    with app.app_context():
        link = only_link(app)
        assert link.currency == "SEK" and link.message == "Handmade in Malmö."
        assert link.shipping_address is not None and link.shipping_address.value == "required"
        assert link.billing_address is None and link.payment_methods is None  # as in settings
        assert [(line.title, line.quantity, line.min_quantity, line.max_quantity)
                for line in link.lines] == [("Mug", 2, 1, 6), ("Gift wrap", 1, 1, 1)]  # fmt: skip
        assert link.slug.startswith("pl_") and len(link.slug) >= 3 + 16  # 96 random bits
    page = client.get(url).get_data(as_text=True)
    assert f"/l/{link.slug}" in page
    assert "SEK129.00" in page and "SEK25.00" in page


def test_a_line_needs_a_priced_product_or_a_description_and_amount(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client, country="SE")
    response = add_payment_link(client, description="", amount="")
    assert response.status_code == 422
    assert "Describe what the buyer pays for." in response.get_data(as_text=True)
    post_form(client, "/panel/settings/currencies", "/panel/settings/currencies",
              {"currency": "EUR"})  # fmt: skip
    add_product(client, "Mug", "EUR", "12")
    response = add_payment_link(client, product="1", description="", amount="")
    assert response.status_code == 422
    assert "This product has no price in SEK." in response.get_data(as_text=True)
    response = add_payment_link(client, quantity="9", adjustable_quantity="y", max_quantity="5")
    assert "The quantity must lie between the smallest and the largest." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalars(select(PaymentLink)).all() == []


def test_the_editor_warns_when_the_total_is_below_stripes_minimum(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client, country="SE")
    # SEK 1 a unit, the buyer takes 1 to 5: the smallest order cannot be paid, larger ones can.
    add_payment_link(client, amount="1", adjustable_quantity="y", max_quantity="5")
    url = link_url(app)
    assert "below the smallest charge Stripe accepts" in client.get(url).get_data(as_text=True)
    post_form(client, url, url + "/lines", {
        "currency": "SEK", "product": "", "description": "More", "amount": "10",
        "quantity": "1", "min_quantity": "1", "max_quantity": "1",
    })  # fmt: skip
    assert "below the smallest charge" not in client.get(url).get_data(as_text=True)


def test_the_editor_refuses_a_link_no_buyer_could_ever_pay(client: FlaskClient, app: Flask) -> None:
    """The link probe's inputs: an amount of 0, SEK 1 that no quantity lifts to Stripe's
    minimum, and SEK 999,999 twice (above Stripe's largest charge at the smallest order)."""
    sign_up(client, country="SE")
    for fields, reason in (
        ({"amount": "0"}, "a payment of nothing cannot be taken"),
        ({"amount": "1"}, "below the smallest charge Stripe accepts"),
        ({"amount": "999999", "quantity": "2"}, "above the largest charge Stripe accepts"),
    ):
        refused = add_payment_link(client, **fields)
        assert refused.status_code == 422 and reason in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PaymentLink)).all() == []
    # A free line beside a paid one is fine; taking the paid one away is refused, and so is
    # adding a line no order could pay for.
    add_payment_link(client, amount="500")
    url = link_url(app)
    assert add_line(client, url, "Sticker", "0").status_code == 302
    with app.app_context():
        paid_line = only_link(app).lines[0].id
    refused = post_form(client, url, f"{url}/lines/{paid_line}/remove", {}, follow_redirects=True)
    assert "a payment of nothing cannot be taken" in refused.get_data(as_text=True)
    huge = add_line(client, url, "Yacht", "999999", quantity="2", max_quantity="2")
    assert huge.status_code == 422
    assert "above the largest charge Stripe accepts" in huge.get_data(as_text=True)
    with app.app_context():
        lines = only_link(app).lines
        assert [(line.title, line.optional) for line in lines] == [
            ("One hour", False), ("Sticker", False),
        ]  # fmt: skip


def test_the_last_line_stays(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    with app.app_context():
        line_id = only_link(app).lines[0].id
    response = post_form(client, url, f"{url}/lines/{line_id}/remove", {}, follow_redirects=True)
    assert "A payment link needs at least one line." in response.get_data(as_text=True)


def test_methods_may_narrow_the_checkout_settings_only(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    response = add_payment_link(client, methods="sepa_debit")
    assert response.status_code == 422  # SEPA is not accepted: not even a choice
    response = add_payment_link(client, methods="card")
    assert response.status_code == 302
    with app.app_context():
        assert only_link(app).payment_methods == ["card"]


def test_edit_the_details(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    response = post_form(client, url, url, {
        "name": "Two hours", "billing_address": "", "shipping_address": "", "phone": "required",
        "payment_limit": "3", "last_day": "2099-01-31", "redirect_url": "https://example.com/ok",
    })  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        link = only_link(app)
        assert (link.name, link.payment_limit, str(link.last_day), link.redirect_url) == (
            "Two hours", 3, "2099-01-31", "https://example.com/ok",
        )  # fmt: skip
        assert link.active is True  # the details form does not (de)activate a link
    response = post_form(client, url, url, {"name": "x", "last_day": "2020-01-01",
                                            "billing_address": "", "shipping_address": "",
                                            "phone": ""})  # fmt: skip
    assert "Choose a date from today on." in response.get_data(as_text=True)


def test_the_list_shows_status_times_paid_and_revenue(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client, payment_limit="3")  # a debit on its way holds its place
    record_payment(app, PaymentStatus.SUCCEEDED, 50000, "pi_1")
    record_payment(app, PaymentStatus.FAILED, 50000, "pi_2")
    record_payment(app, PaymentStatus.PROCESSING, 50000, "pi_3")
    row = client.get("/panel/links/").get_data(as_text=True)
    assert "Active" in row and "<td>1</td>" in row and "SEK500.00" in row
    record_payment(app, PaymentStatus.PARTIALLY_REFUNDED, 50000, "pi_4")
    row = client.get("/panel/links/").get_data(as_text=True)
    assert "Limit reached" in row and "<td>2</td>" in row and "SEK1,000.00" in row
    with app.app_context():
        link = only_link(app)
        link.payment_limit = None
        link.last_day = (utcnow() - timedelta(days=2)).date()
        db.session.commit()
    assert "Expired" in client.get("/panel/links/").get_data(as_text=True)
    with app.app_context():
        only_link(app).active = False
        db.session.commit()
    assert "Inactive" in client.get("/panel/links/").get_data(as_text=True)


HTMX = {"HX-Request": "true"}


def test_deactivate_and_reactivate_from_the_editor(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    editor = client.get(url).get_data(as_text=True)
    assert "Status: Active" in editor and "Deactivate link" in editor
    assert 'name="active"' not in editor  # one way to do it: the buttons, not a checkbox
    response = post_form(client, url, url + "/deactivate", {})
    assert response.status_code == 302 and response.headers["Location"] == url
    editor = client.get(url).get_data(as_text=True)
    assert "Consultation deactivated. Buyers now see that the link is not active." in editor
    assert "Status: Inactive" in editor and "Reactivate link" in editor
    with app.app_context():
        slug = only_link(app).slug
        assert only_link(app).active is False
    buyer_page = app.test_client().get(f"/l/{slug}").get_data(as_text=True)
    assert "This payment link is not active. Nothing was charged." in buyer_page

    response = post_form(client, url, url + "/reactivate", {}, headers=HTMX)
    status = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in status
    assert 'id="link-status"' in status and "Status: Active" in status
    assert "Consultation reactivated." in status and 'hx-swap-oob="true"' in status
    buyer_page = app.test_client().get(f"/l/{slug}").get_data(as_text=True)
    assert "not active" not in buyer_page  # open again (this merchant has no Stripe yet)


def test_deactivate_and_reactivate_from_the_list(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    response = post_form(client, "/panel/links/", url + "/deactivate?from=list", {}, headers=HTMX)
    table = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="links"' in table and "<html" not in table
    assert "<td>Inactive</td>" in table and "Reactivate<span" in table
    without_js = post_form(client, "/panel/links/", url + "/reactivate?from=list", {})
    assert without_js.status_code == 302 and without_js.headers["Location"] == "/panel/links/"
    listing = client.get("/panel/links/").get_data(as_text=True)
    assert "<td>Active</td>" in listing and "Consultation reactivated." in listing


def test_a_reactivated_link_past_its_last_day_stays_closed(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    post_form(client, url, url + "/deactivate", {})
    with app.app_context():
        only_link(app).last_day = (utcnow() - timedelta(days=2)).date()
        db.session.commit()
    post_form(client, url, url + "/reactivate", {})
    editor = client.get(url).get_data(as_text=True)
    assert "Status: Expired" in editor and "buyers see that the link has expired" in editor


def add_line(client: FlaskClient, url: str, description: str, amount: str, **fields: str):  # type: ignore[no-untyped-def]
    return post_form(client, url, url + "/lines", {
        "currency": "SEK", "product": "", "description": description, "amount": amount,
        "quantity": "1", "min_quantity": "1", "max_quantity": "1", **fields,
    })  # fmt: skip


def test_an_optional_line(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    assert add_line(client, url, "Gift wrap", "25", optional="y").status_code == 302
    with app.app_context():
        required, wrap = only_link(app).lines
        assert (required.optional, wrap.optional) == (False, True)
    editor = client.get(url).get_data(as_text=True)
    assert '<span class="badge">Optional</span>' in editor
    assert "Make required<span" in editor and "Make optional<span" in editor

    response = post_form(client, url, f"{url}/lines/{required.id}/optional", {},
                         follow_redirects=True)  # fmt: skip
    assert "A payment link needs at least one line that is not optional." in response.get_data(
        as_text=True
    )
    response = post_form(client, url, f"{url}/lines/{required.id}/remove", {},
                         follow_redirects=True)  # fmt: skip
    assert "A payment link needs at least one line that is not optional." in response.get_data(
        as_text=True
    )
    response = post_form(client, url, f"{url}/lines/{wrap.id}/required", {}, headers=HTMX)
    lines = response.get_data(as_text=True)
    assert 'id="lines"' in lines and "Gift wrap is no longer optional." in lines
    response = post_form(client, url, f"{url}/lines/{required.id}/optional", {}, headers=HTMX)
    assert "One hour is optional: buyers may add it." in response.get_data(as_text=True)
    with app.app_context():
        assert [line.optional for line in only_link(app).lines] == [True, False]


def test_a_new_links_first_line_is_never_optional(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    assert 'name="optional"' not in client.get("/panel/links/new").get_data(as_text=True)
    response = add_payment_link(client, optional="y")
    assert response.status_code == 422
    assert "A payment link needs at least one line that is not optional." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalars(select(PaymentLink)).all() == []


def test_the_minimum_charge_warning_leaves_optional_lines_out(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client, country="SE")
    add_payment_link(client, amount="1", adjustable_quantity="y", max_quantity="5")
    url = link_url(app)
    add_line(client, url, "Gift wrap", "100", optional="y")
    assert "below the smallest charge Stripe accepts" in client.get(url).get_data(as_text=True)


def test_duplicate_a_link(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_product(client, "Mug", "SEK", "129")
    add_payment_link(
        client, "Mugs", product="1", description="", amount="", quantity="2",
        adjustable_quantity="y", min_quantity="1", max_quantity="6", shipping_address="required",
        message="Handmade in Malmö.", methods="card", payment_limit="1", last_day="2099-01-31",
        redirect_url="https://example.com/thanks",
    )  # fmt: skip
    url = link_url(app)
    add_line(client, url, "Gift wrap", "25", optional="y")
    record_payment(app, PaymentStatus.SUCCEEDED, 25800, "pi_1")  # the original's limit is reached
    post_form(client, url, url + "/deactivate", {})

    response = post_form(client, url, url + "/duplicate", {})
    assert response.status_code == 302
    with app.app_context():
        original, copy = db.session.scalars(select(PaymentLink).order_by(PaymentLink.id)).all()
        assert response.headers["Location"] == f"/panel/links/{copy.id}"
        assert copy.name == "Copy of Mugs" and original.name == "Mugs"
        assert copy.slug != original.slug and copy.slug.startswith("pl_")
        settings = ("currency", "payment_methods", "billing_address", "shipping_address", "phone",
                    "message", "redirect_url", "payment_limit", "last_day")  # fmt: skip
        assert all(getattr(copy, name) == getattr(original, name) for name in settings)
        assert copy.active is True and original.active is False

        def line_settings(link: PaymentLink) -> list[tuple[object, ...]]:
            return [(line.product_id, line.description, line.unit_amount, line.quantity,
                     line.adjustable_quantity, line.min_quantity, line.max_quantity,
                     line.optional) for line in link.lines]  # fmt: skip

        assert line_settings(copy) == line_settings(original)
        assert {line.id for line in copy.lines}.isdisjoint(line.id for line in original.lines)
    editor = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Copy made. You are now editing Copy of Mugs." in editor
    assert "Status: Active" in editor  # its own payments: none yet
    listing = client.get("/panel/links/").get_data(as_text=True)
    assert "Copy of Mugs" in listing and "Mugs" in listing


def test_the_editor_shows_the_links_qr_code(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    editor = client.get(url).get_data(as_text=True)
    assert '<img class="qr-code" src="data:image/svg+xml;base64,' in editor
    assert 'alt="QR code of this address"' in editor
    assert f'href="{url}/qr.svg" download>Download QR code (SVG)' in editor
    assert f'href="{url}/qr.png" download>Download QR code (PNG)' in editor


def test_download_the_qr_code_as_svg_and_png(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client, "Café för två")
    url = link_url(app)
    with app.app_context():
        address = f"http://localhost/l/{only_link(app).slug}"  # KASSA_PUBLIC_URL of the tests

    svg = client.get(url + "/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == "attachment; filename=cafe-for-tva-qr.svg"
    root = ElementTree.fromstring(svg.data)  # noqa: S314  (our own SVG)
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{namespace}svg"
    assert root.findtext(f"{namespace}title") == address
    assert root.findall(f".//{namespace}path")

    png = client.get(url + "/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == "attachment; filename=cafe-for-tva-qr.png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png.data))
    assert image.size[0] == image.size[1] >= 250
    [decoded] = zxingcpp.read_barcodes(image.convert("L"))
    assert decoded.format == zxingcpp.BarcodeFormat.QRCode and decoded.text == address


def test_a_qr_file_without_a_latin_name_is_named_by_the_slug(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client, country="SE")
    add_payment_link(client, "Консультация")
    url = link_url(app)
    with app.app_context():
        slug = only_link(app).slug
    response = client.get(url + "/qr.png")
    assert response.headers["Content-Disposition"] == f"attachment; filename={slug}-qr.png"


def test_qr_codes_need_a_login(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    anonymous = app.test_client()
    for kind in ("svg", "png"):
        response = anonymous.get(f"{url}/qr.{kind}")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_copy_is_named_in_the_merchants_language(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client, "Konsultation")
    url = link_url(app)
    post_form(client, url, url + "/duplicate", {}, headers={"Accept-Language": "sv"})
    with app.app_context():
        names = db.session.scalars(select(PaymentLink.name).order_by(PaymentLink.id)).all()
    assert names == ["Konsultation", "Kopia av Konsultation"]


# Issue #18, 9: the address buyers are sent to after paying.

SCHEME = "Enter an address starting with https:// (http:// only while Kassa takes test payments)."
USER_INFO = "Leave out the user name and password: buyers would see them in the address."
IP_ADDRESS = "Enter a domain name, like shop.example.com, not an IP address."
LOCAL_HOST = "Enter the address of a public website, not localhost."
BAD_REDIRECTS = {
    "https://user:secret@shop.example/thanks": USER_INFO,
    "https://shop.example@evil.example/": USER_INFO,
    "https://127.0.0.1/thanks": IP_ADDRESS,
    "https://10.0.0.8:8443/admin": IP_ADDRESS,
    "https://[::1]/thanks": IP_ADDRESS,
    "https://2130706433/": IP_ADDRESS,
    "https://0x7f.1/": IP_ADDRESS,
    "https://localhost/thanks": LOCAL_HOST,
    "https://shop.localhost./thanks": LOCAL_HOST,
    "ftp://shop.example/thanks": SCHEME,
    "javascript:alert(1)": SCHEME,
    "https://shop.example\\@evil.example/": "Enter a web address starting with https://.",
}


def save_redirect(client: FlaskClient, url: str, address: str):  # type: ignore[no-untyped-def]
    return post_form(client, url, url, {
        "name": "Two hours", "billing_address": "", "shipping_address": "", "phone": "",
        "redirect_url": address,
    })  # fmt: skip


@pytest.mark.parametrize(("address", "message"), BAD_REDIRECTS.items(), ids=BAD_REDIRECTS.keys())
def test_an_address_after_paying_that_is_not_a_public_https_page_is_refused(
    client: FlaskClient, app: Flask, address: str, message: str
) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)

    response = save_redirect(client, url, address)

    assert response.status_code == 422
    assert escape(message) in response.get_data(as_text=True)
    with app.app_context():
        assert only_link(app).redirect_url == ""


def test_https_is_accepted_and_http_only_while_payments_are_tests(
    client: FlaskClient, app: Flask, app_settings: dict[str, str]
) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    url = link_url(app)
    assert save_redirect(client, url, "https://shop.example/thanks?order=1").status_code == 302
    assert save_redirect(client, url, "http://shop.example/thanks").status_code == 302  # test mode

    live = create_app({**app_settings, "KASSA_STRIPE_MODE": "live"}).test_client()
    log_in(live, "owner@example.com")
    refused = save_redirect(live, url, "http://shop.example/thanks")
    assert refused.status_code == 422 and escape(SCHEME) in refused.get_data(as_text=True)
    assert save_redirect(live, url, "https://shop.example/thanks").status_code == 302
