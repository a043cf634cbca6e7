"""No stored setting can turn a buyer page into a server error (issue 18, findings 1 and 2).

The forms keep out the settings the pricing engine refuses, but an old database, or two panel
tabs saving at once, may not. Here each refusing setting is written straight into the database,
bypassing the forms, and then every buyer page of a payment link and of a shop is opened and
posted to as a buyer would: each answers with a page that says, in the buyer's words, why they
cannot pay (never "We could not reach the payment provider", never a 500), and the panel warns
the merchant in theirs.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from app.catalog.models import BillingInterval, Price, Product
from app.checkout.models import CheckoutSession
from app.core.methods import PaymentMethod
from app.core.pricing import Refusal
from app.extensions import db
from app.links import labels as link_labels
from app.links.models import PaymentLink
from app.settings import labels as settings_labels
from app.settings.models import Discount, Fee, TaxRate
from app.storefront import labels as shop_labels
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.link_buyers import start_checkout
from tests.support.settings import (
    add_discount,
    add_fee,
    add_payment_link,
    add_product,
    list_in_shop,
    save_storefront,
)
from tests.support.stripe_sandbox import StripeSandbox

BUYER = {"email": "ada@example.com", "name": "Ada"}
CART = "/s/acme/cart"
UNREACHABLE = "We could not reach the payment provider"
# What the pricing engine refuses about the settings themselves (its PricingError).
SETTING_KINDS = (
    Refusal.CONFLICTING_FEES,
    Refusal.UNUSABLE_FEE,
    Refusal.UNUSABLE_DISCOUNT,
    Refusal.UNUSABLE_TAX_RATE,
    Refusal.UNUSABLE_ITEM,
)


def test_every_refusal_has_words_for_the_buyer_and_for_the_merchant() -> None:
    for reason in Refusal:
        assert reason in link_labels.REFUSAL_MESSAGES, f"no editor message for {reason}"
        assert reason in link_labels.BUYER_REFUSALS, f"no link buyer message for {reason}"
        assert reason in shop_labels.BUYER_REFUSALS, f"no shop buyer message for {reason}"
    assert set(settings_labels.SETTING_REFUSALS) == set(SETTING_KINDS)
    assert set(settings_labels.BUYER_SETTING_REFUSALS) == set(SETTING_KINDS)


# The world each case breaks: a Swedish merchant connected to the sandbox, selling Mug
# (SEK 129) through a payment link and an open shop. A buyer has opened the link's checkout and
# put a mug in their cart before the setting broke.


@dataclass
class World:
    merchant_id: int
    link_slug: str
    link_id: int
    checkout: str  # the buyer's /c/<token>


def world(owner: FlaskClient, buyer: FlaskClient, app: Flask, sandbox: StripeSandbox) -> World:
    _account, merchant_id = connected(owner, app, sandbox, "SE", "sek")
    assert add_product(owner, "Mug", "SEK", "129").status_code == 302
    assert list_in_shop(owner, 1).status_code == 302
    assert save_storefront(owner).status_code == 302
    assert add_payment_link(owner, product="1", description="", amount="").status_code == 302
    with app.app_context():
        link = db.session.scalars(select(PaymentLink)).one()
        slug, link_id = link.slug, link.id
    opened = start_checkout(buyer, slug)
    post_form(buyer, "/s/acme/p/mug", "/s/acme/p/mug/add", {"quantity": "1"})
    return World(merchant_id, slug, link_id, opened)


def mug(merchant_id: int) -> Product:
    return db.session.scalars(select(Product).where(Product.merchant_id == merchant_id)).one()


def set_price(amount: int) -> Callable[[int], None]:
    def change(merchant_id: int) -> None:
        db.session.scalars(select(Price)).one().unit_amount = amount

    return change


def add_fees(*fees: dict[str, object]) -> Callable[[int], None]:
    def change(merchant_id: int) -> None:
        for number, fields in enumerate(fees):
            db.session.add(
                Fee(merchant_id=merchant_id, name=f"Card fee {number + 1}",
                    method=PaymentMethod.CARD, **fields)
            )  # fmt: skip

    return change


def add_code(code: str, percent_bps: int) -> Callable[[int], None]:
    def change(merchant_id: int) -> None:
        db.session.add(Discount(merchant_id=merchant_id, code=code, percent_bps=percent_bps))

    return change


def tax_mug_at(percent_bps: int) -> Callable[[int], None]:
    def change(merchant_id: int) -> None:
        rate = TaxRate(merchant_id=merchant_id, name="Moms", percent_bps=percent_bps)
        db.session.add(rate)
        mug(merchant_id).tax_rate = rate

    return change


def schedule_mug(**fields: object) -> Callable[[int], None]:
    def change(merchant_id: int) -> None:
        product = mug(merchant_id)
        product.interval = BillingInterval.MONTH
        for name, value in fields.items():
            setattr(product, name, value)

    return change


def line_quantity_zero(merchant_id: int) -> None:
    line = db.session.scalars(select(PaymentLink)).one().lines[0]
    line.quantity = line.min_quantity = line.max_quantity = 0


def link_valid_forever(merchant_id: int) -> None:
    db.session.scalars(select(PaymentLink)).one().last_day = date.max


@dataclass
class Case:
    change: Callable[[int], None]
    reason: Refusal | None  # what the link's buyer reads (None: the link can be paid)
    shop_says: LazyString | Refusal | None  # what the shop's buyer reads
    code: str = ""  # a code the buyers type
    on_dashboard: bool = True  # a merchant-wide setting (a link's own line is the editor's)


NOT_SOLD = "These items are no longer sold"
CASES = {
    "two card fees": Case(
        add_fees({"percent_bps": 100}, {"percent_bps": 200}),
        Refusal.CONFLICTING_FEES, Refusal.CONFLICTING_FEES,
    ),
    "a card fee in every currency and one in SEK": Case(
        add_fees({"percent_bps": 100}, {"fixed_amount": 300, "fixed_currency": "SEK"}),
        Refusal.CONFLICTING_FEES, Refusal.CONFLICTING_FEES,
    ),
    "a 100 % grossed-up fee": Case(
        add_fees({"percent_bps": 10_000, "gross_up": True}),
        Refusal.UNUSABLE_FEE, Refusal.UNUSABLE_FEE,
    ),
    "a 99.99 % grossed-up fee": Case(
        add_fees({"percent_bps": 9_999, "gross_up": True}),
        Refusal.UNUSABLE_FEE, Refusal.UNUSABLE_FEE,
    ),
    "a 150 % fee": Case(
        add_fees({"percent_bps": 15_000}), Refusal.UNUSABLE_FEE, Refusal.UNUSABLE_FEE
    ),
    "a negative fee": Case(
        add_fees({"fixed_amount": -500, "fixed_currency": "SEK"}),
        Refusal.UNUSABLE_FEE, Refusal.UNUSABLE_FEE,
    ),
    "a 200 % tax rate": Case(tax_mug_at(20_000), Refusal.UNUSABLE_TAX_RATE, NOT_SOLD),
    "a schedule of 0 months": Case(
        schedule_mug(interval_count=0), Refusal.UNUSABLE_ITEM, NOT_SOLD
    ),
    "a start date and trial days": Case(
        schedule_mug(first_charge_on=date(2099, 1, 1), trial_days=14),
        Refusal.UNUSABLE_ITEM, NOT_SOLD,
    ),
    "a negative price": Case(set_price(-100), Refusal.UNUSABLE_ITEM, NOT_SOLD),
    "a link line of quantity 0": Case(
        line_quantity_zero, Refusal.UNUSABLE_ITEM, None, on_dashboard=False
    ),
    "a 150 % code": Case(
        add_code("BROKEN", 15_000), Refusal.UNUSABLE_DISCOUNT, Refusal.UNUSABLE_DISCOUNT,
        code="BROKEN",
    ),
    "a 100 % code": Case(
        add_code("FREE", 10_000), Refusal.NOTHING_TO_PAY, Refusal.NOTHING_TO_PAY, code="FREE"
    ),
    "a free product": Case(set_price(0), Refusal.NOTHING_TO_PAY, Refusal.NOTHING_TO_PAY),
    "a price below Stripe's minimum": Case(
        set_price(100), Refusal.BELOW_MINIMUM, Refusal.BELOW_MINIMUM
    ),
    "a price above Stripe's maximum": Case(
        set_price(200_000_000), Refusal.ABOVE_MAXIMUM, Refusal.ABOVE_MAXIMUM
    ),
    "a card fee that doubles SEK 600,000": Case(
        lambda merchant_id: (
            set_price(60_000_000)(merchant_id),
            add_fees({"percent_bps": 10_000})(merchant_id),
        ),
        Refusal.FEE_ABOVE_MAXIMUM, Refusal.FEE_ABOVE_MAXIMUM,
    ),
    "a product that renews (a subscription follows)": Case(schedule_mug(), None, None),
    "a link valid until the calendar's last day": Case(link_valid_forever, None, None),
}  # fmt: skip


def words(app: Flask, text: LazyString | str) -> str:
    with app.test_request_context():
        return str(text)


def visit_every_buyer_page(buyer: FlaskClient, the_world: World, code: str) -> dict[str, str]:
    """Every buyer page of the link and of the shop, opened and posted to; the bodies by what
    was done. Each must answer without a server error."""
    page = the_world.checkout
    bodies = {}

    def keep(what: str, response) -> None:  # type: ignore[no-untyped-def]
        assert response.status_code < 500, f"{what} answered {response.status_code}"
        bodies[what] = html.unescape(response.get_data(as_text=True))

    keep("link page", buyer.get(f"/l/{the_world.link_slug}", follow_redirects=True))
    link_page = f"/l/{the_world.link_slug}"
    newcomer = buyer.application.test_client()  # a first view, and a first action on it
    keep("first view", newcomer.get(link_page))
    keep("first action", post_form(newcomer, link_page, link_page + "/discount", {"code": code},
                                   follow_redirects=True))  # fmt: skip
    keep("checkout page", buyer.get(page))
    keep("code", post_form(buyer, page, page + "/discount", {"code": code},
                           follow_redirects=True))  # fmt: skip
    keep("method", post_form(buyer, page, page + "/method", {"method": "card"},
                             follow_redirects=True))  # fmt: skip
    keep("details", post_form(buyer, page, page + "/details", BUYER, follow_redirects=True))
    keep("pay", buyer.get(page + "/pay", follow_redirects=True))
    keep("shop", buyer.get("/s/acme"))
    keep("cart", buyer.get(CART))
    keep("cart code", post_form(buyer, CART, CART + "/discount", {"code": code},
                                follow_redirects=True))  # fmt: skip
    shop_checkout = post_form(buyer, CART, CART + "/checkout", {})
    keep("shop checkout", shop_checkout)
    if shop_checkout.status_code == 302:
        shop_page = shop_checkout.headers["Location"]
        keep("shop checkout page", buyer.get(shop_page))
        keep("shop details", post_form(buyer, shop_page, shop_page + "/details", BUYER,
                                       follow_redirects=True))  # fmt: skip
        keep("shop pay", buyer.get(shop_page + "/pay", follow_redirects=True))
    return bodies


@pytest.mark.parametrize("name", list(CASES))
def test_no_stored_setting_makes_a_buyer_page_fail(
    name: str, client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    case = CASES[name]
    buyer = app.test_client()
    the_world = world(client, buyer, app, stripe_sandbox)
    with app.app_context():
        case.change(the_world.merchant_id)
        db.session.commit()

    bodies = visit_every_buyer_page(buyer, the_world, case.code)

    link_pages = ("link page", "checkout page", "code", "method", "details", "pay")
    shop_pages = [what for what in bodies if what.startswith(("cart", "shop"))]
    for what, body in bodies.items():
        assert UNREACHABLE not in body, f"{what}: the buyer was told Stripe is unreachable"
    if case.reason is None:
        assert "Pay SEK129.00" in bodies["pay"]
    else:
        expected = words(app, link_labels.BUYER_REFUSALS[case.reason])
        assert any(expected in bodies[what] for what in link_pages), expected
    if case.shop_says is not None:
        says = case.shop_says
        expected = words(app, shop_labels.BUYER_REFUSALS[says] if isinstance(says, Refusal)
                         else says)  # fmt: skip
        assert any(expected in bodies[what] for what in shop_pages), expected

    if case.reason in SETTING_KINDS:  # the merchant is warned on the dashboard and the editor
        warning = words(app, settings_labels.SETTING_REFUSALS[case.reason])
        dashboard = html.unescape(client.get("/panel/").get_data(as_text=True))
        assert (warning in dashboard) == case.on_dashboard
        editor = client.get(f"/panel/links/{the_world.link_id}")
        assert editor.status_code == 200 and warning in html.unescape(editor.get_data(as_text=True))
        preview = client.get(f"/panel/links/{the_world.link_id}/preview")
        assert preview.status_code == 200


def test_two_fees_for_cards_in_the_panel_are_refused_and_checkouts_stay_up(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Finding 1 as the probe sent it: a second card fee with the normal form. It is refused
    beside the method, and the buyer's checkout, details and the link's preview still work."""
    buyer = app.test_client()
    the_world = world(client, buyer, app, stripe_sandbox)
    assert add_fee(client, percent="1.5").status_code == 302
    second = add_fee(client, "Another card fee", percent="2")
    body = html.unescape(second.get_data(as_text=True))
    assert second.status_code == 422
    assert "Card already has a fee on payments in SEK: Card fee." in body
    with app.app_context():
        assert len(db.session.scalars(select(Fee)).all()) == 1
    page = the_world.checkout
    assert buyer.get(page).status_code == 200
    details = post_form(buyer, page, page + "/details", BUYER)
    assert details.status_code == 302 and buyer.get(page + "/pay").status_code == 200
    assert client.get(f"/panel/links/{the_world.link_id}/preview").status_code == 200


def test_card_fees_in_different_currencies_are_one_fee_per_payment(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """A fee with a fixed part applies in that part's currency only, so a card fee in SEK and
    another in EUR never meet on one payment; a percentage alone applies in every currency."""
    connected(client, app, stripe_sandbox, "SE", "sek")
    post_form(client, "/panel/settings/currencies", "/panel/settings/currencies",
              {"currency": "EUR"})  # fmt: skip
    assert add_fee(client, fixed_amount="3", percent="").status_code == 302
    euro = add_fee(client, "Euro card fee", fixed_currency="EUR", fixed_amount="0.30", percent="")
    assert euro.status_code == 302
    everywhere = add_fee(client, "Card percentage", fixed_amount="", percent="1")
    assert everywhere.status_code == 422
    assert "Card already has a fee on payments in SEK" in html.unescape(
        everywhere.get_data(as_text=True)
    )


@pytest.mark.parametrize("percent", ["50.01", "99.99", "100"])
def test_a_grossed_up_fee_above_half_is_refused_at_the_form(
    percent: str, client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected(client, app, stripe_sandbox, "SE", "sek")
    refused = add_fee(client, percent=percent, gross_up="y")
    assert refused.status_code == 422
    assert "A grossed-up fee can be at most 50%" in refused.get_data(as_text=True)
    assert add_fee(client, percent="50", gross_up="y").status_code == 302


def test_what_can_never_be_paid_is_refused_in_the_editors_and_explained_to_buyers(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Finding 2 as the probe sent it: a link of 0, a 100 % code, a 99.99 % grossed-up fee are
    refused where they are made; a code worth more than the order (it may suit a larger one)
    passes, and its buyer is told the order comes to nothing, before anything reaches Stripe."""
    buyer = app.test_client()
    the_world = world(client, buyer, app, stripe_sandbox)
    free_link = add_payment_link(client, amount="0")
    assert free_link.status_code == 422
    assert "a payment of nothing cannot be taken" in free_link.get_data(as_text=True)
    free_code = add_discount(client, "FREE", percent="100")
    assert free_code.status_code == 422
    assert "leaves nothing to pay" in free_code.get_data(as_text=True)
    absurd_fee = add_fee(client, percent="99.99", gross_up="y")
    assert absurd_fee.status_code == 422
    assert "at most 50%" in absurd_fee.get_data(as_text=True)

    assert add_discount(client, "BIG", percent="", amount="500").status_code == 302
    page = the_world.checkout
    post_form(buyer, page, page + "/discount", {"code": "BIG"})
    post_form(buyer, page, page + "/details", BUYER)
    paid = buyer.get(page + "/pay", follow_redirects=True)
    body = html.unescape(paid.get_data(as_text=True))
    assert words(app, link_labels.BUYER_REFUSALS[Refusal.NOTHING_TO_PAY]) in body
    assert UNREACHABLE not in body
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert checkout.payment_intent_id is None  # nothing was sent to Stripe
