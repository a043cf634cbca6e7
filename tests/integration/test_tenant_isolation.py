"""A second merchant's user gets 404 for every panel URL that names the first merchant's objects.

The routes are read from the app's URL map, so a new route with an object in its URL joins this
test by itself; it fails until ``OBJECT_FACTORIES`` knows how to make that kind of object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from app import create_app
from app.billing_import.models import (
    BillingImportResult,
    BillingImportRun,
    Outcome,
    RunKind,
    RunStatus,
)
from app.catalog.models import Price, Product
from app.checkout.models import CheckoutSession
from app.core.clock import utcnow
from app.core.tokens import new_public_id, new_secret_token
from app.customers.models import Customer
from app.extensions import db
from app.invoices import balance
from app.invoices.models import Invoice
from app.invoices.service import DOCUMENT_TYPE, finalize_invoice, void_invoice
from app.links.models import PaymentLink, PaymentLinkLine
from app.merchants.models import Invitation, Merchant, Role, User
from app.payments.models import Dispute, Payment, PaymentStatus, WebhookEvent
from app.quotes.models import PaymentMode, Quote, QuoteStatus
from app.reports.jobs import download_token, exports_folder
from app.reports.models import ExportJob, ExportKind, ExportStatus
from app.settings.models import CustomField, Discount, Fee, TaxRate
from app.storefront.models import StorefrontCategory, StorefrontProduct
from app.subscriptions.models import Subscription
from tests.conftest import SECRET_KEY
from tests.integration.test_invitations import invite, invite_and_join
from tests.integration.test_payments import connected
from tests.integration.test_processor_connection import connect
from tests.support.accounts import post_form, sign_up
from tests.support.customers import add_customer
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.invoices import add_customer as add_invoice_customer
from tests.support.invoices import draft_invoice, invoice_row, open_invoice
from tests.support.link_buyers import start_checkout
from tests.support.mailbox import Mailbox
from tests.support.quotes import open_quote, quote_row
from tests.support.settings import (
    add_custom_field,
    add_discount,
    add_fee,
    add_payment_link,
    add_product,
    add_shop_category,
    add_tax_rate,
    list_in_shop,
)
from tests.support.stripe_sandbox import StripeSandbox
from tests.support.subscription_rows import started_subscription


@dataclass
class Tenants:
    app: Flask
    owner_a: FlaskClient
    owner_b: FlaskClient
    mailbox: Mailbox


def staff_member(t: Tenants) -> int:
    invite_and_join(t.owner_a, t.app, t.mailbox, "staff-of-a@example.com")
    with t.app.app_context():
        return db.session.scalars(select(User.id).where(User.role == Role.STAFF)).one()


def pending_invitation(t: Tenants) -> int:
    invite(t.owner_a, "invitee-of-a@example.com")
    with t.app.app_context():
        return db.session.scalars(select(Invitation.id)).one()


def fee(t: Tenants) -> int:
    add_fee(t.owner_a)
    with t.app.app_context():
        return db.session.scalars(select(Fee.id)).one()


def tax_rate(t: Tenants) -> int:
    add_tax_rate(t.owner_a)
    with t.app.app_context():
        return db.session.scalars(select(TaxRate.id)).one()


def custom_field(t: Tenants) -> int:
    add_custom_field(t.owner_a)
    with t.app.app_context():
        return db.session.scalars(select(CustomField.id)).one()


def discount(t: Tenants) -> int:
    add_discount(t.owner_a)
    with t.app.app_context():
        return db.session.scalars(select(Discount.id)).one()


def product(t: Tenants) -> int:
    """Merchant A's product (one, shared by the arguments of a URL that names it and its price)."""
    with t.app.app_context():
        existing = db.session.scalars(select(Product.id)).first()
    if existing is None:
        add_product(t.owner_a, "Mug", "SEK", "129")
        with t.app.app_context():
            existing = db.session.scalars(select(Product.id)).one()
    return existing


def price(t: Tenants) -> int:
    product_id = product(t)
    with t.app.app_context():
        return db.session.scalars(select(Price.id).where(Price.product_id == product_id)).one()


def payment_of_a(t: Tenants) -> int:
    with t.app.app_context():
        merchant_a = db.session.scalars(
            select(User.merchant_id).where(User.email == "a@example.com")
        ).one()
        payment = Payment(
            merchant_id=merchant_a,
            intent_id="pi_of_merchant_a",
            status=PaymentStatus.SUCCEEDED,
            currency="SEK",
            amount=12500,
            receipt_number="R-2026-0001",  # paid: its receipt is numbered
        )
        db.session.add(payment)
        db.session.commit()
        return payment.id


def webhook_event_of_a(t: Tenants) -> int:
    """An event Stripe sent merchant A (its replay would read it from A's account)."""
    with t.app.app_context():
        merchant_a = db.session.scalars(
            select(User.merchant_id).where(User.email == "a@example.com")
        ).one()
        event = WebhookEvent(
            merchant_id=merchant_a, stripe_event_id="evt_of_merchant_a", type="charge.succeeded"
        )
        db.session.add(event)
        db.session.commit()
        return event.id


def payment_link(t: Tenants) -> int:
    """Merchant A's link (one, shared by a URL that names it and its line)."""
    with t.app.app_context():
        existing = db.session.scalars(select(PaymentLink.id)).first()
    if existing is None:
        add_payment_link(t.owner_a)
        with t.app.app_context():
            existing = db.session.scalars(select(PaymentLink.id)).one()
    return existing


def payment_link_line(t: Tenants) -> int:
    link_id = payment_link(t)
    with t.app.app_context():
        return db.session.scalars(
            select(PaymentLinkLine.id).where(PaymentLinkLine.link_id == link_id)
        ).one()


def listed_product(t: Tenants) -> int:
    """Merchant A's product listed in A's storefront."""
    list_in_shop(t.owner_a, product(t))
    with t.app.app_context():
        return db.session.scalars(select(StorefrontProduct.id)).one()


def shop_category(t: Tenants) -> int:
    add_shop_category(t.owner_a, "Mugs")
    with t.app.app_context():
        return db.session.scalars(select(StorefrontCategory.id)).one()


def customer(t: Tenants) -> int:
    add_customer(t.owner_a)
    with t.app.app_context():
        return db.session.scalars(select(Customer.id)).one()


def invoice_of_a(t: Tenants) -> int:
    """A draft invoice of merchant A to one of A's customers (one, shared by a URL that names
    it and its credit note)."""
    with t.app.app_context():
        existing = db.session.scalars(select(Invoice.id)).first()
    if existing is None:
        customer_id = add_invoice_customer(t.app, "a@example.com")
        existing = draft_invoice(t.app, "a@example.com", customer_id=customer_id)
    return existing


def credit_note_of_a(t: Tenants) -> int:
    """The credit note of merchant A's invoice, finalized, sent and voided."""
    invoice_id = invoice_of_a(t)
    with t.app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        finalize_invoice(db.session, invoice, date.today(), SECRET_KEY)
        invoice.sent_at = utcnow()
        note = void_invoice(db.session, invoice, date.today())
        assert note is not None
        db.session.commit()
        return note.id


def quote_of_a(t: Tenants) -> int:
    """An open (sent) quote of merchant A to one of A's customers."""
    with t.app.app_context():
        existing = db.session.scalars(select(Quote.id)).first()
    if existing is None:
        customer_id = add_invoice_customer(t.app, "a@example.com")
        existing, _token = open_quote(t.app, "a@example.com", customer_id=customer_id)
    return existing


def export_job_of_a(t: Tenants) -> int:
    """Merchant A's finished background export, its file written (one, shared by the URLs that
    name it and its download link)."""
    with t.app.app_context():
        existing = db.session.scalars(select(ExportJob.id)).first()
        if existing is not None:
            return existing
        owner = db.session.scalars(select(User).where(User.email == "a@example.com")).one()
        job = ExportJob(merchant_id=owner.merchant_id, user_id=owner.id, email=owner.email,
                        kind=ExportKind.PAYMENTS, status=ExportStatus.DONE, file_name="a.csv",
                        expires_at=utcnow() + timedelta(days=1))  # fmt: skip
        db.session.add(job)
        db.session.commit()
        (exports_folder() / job.file_name).write_text("\ufeffType\r\n", encoding="utf-8")
        return job.id


def import_run_of_a(t: Tenants) -> int:
    """Merchant A's finished dry run of an import from Stripe, with one subscription found."""
    with t.app.app_context():
        owner = db.session.scalars(select(User).where(User.email == "a@example.com")).one()
        run = BillingImportRun(
            merchant_id=owner.merchant_id,
            kind=RunKind.DRY_RUN,
            status=RunStatus.DONE,
            account_id="acct_a",
            total=1,
            done=1,
        )
        db.session.add(run)
        db.session.flush()
        db.session.add(
            BillingImportResult(
                merchant_id=owner.merchant_id,
                run_id=run.id,
                stripe_subscription_id="sub_of_a",
                customer_email="buyer-of-a@example.com",
                outcome=Outcome.ELIGIBLE,
            )
        )
        db.session.commit()
        return run.id


def export_link_of_a(t: Tenants) -> str:
    job_id = export_job_of_a(t)
    with t.app.app_context():
        return download_token(db.session.get_one(ExportJob, job_id))


def subscription_of_a(t: Tenants) -> int:
    """A monthly subscription of one of merchant A's customers."""
    with t.app.app_context():
        existing = db.session.scalars(select(Subscription.id)).first()
    return existing if existing is not None else started_subscription(t.app, "a@example.com")


# URL argument name -> makes merchant A's object and returns the value for the URL.
OBJECT_FACTORIES: dict[str, Callable[[Tenants], object]] = {
    "member_id": staff_member,
    "invitation_id": pending_invitation,
    "fee_id": fee,
    "tax_rate_id": tax_rate,
    "custom_field_id": custom_field,
    "discount_id": discount,
    "product_id": product,
    "price_id": price,
    "payment_id": payment_of_a,
    "event_id": webhook_event_of_a,
    "link_id": payment_link,
    "line_id": payment_link_line,
    "listing_id": listed_product,
    "category_id": shop_category,
    "customer_id": customer,
    "invoice_id": invoice_of_a,
    "note_id": credit_note_of_a,
    "quote_id": quote_of_a,
    "job_id": export_job_of_a,
    "run_id": import_run_of_a,
    "token": export_link_of_a,
    "subscription_id": subscription_of_a,
}


def object_rules() -> list[Rule]:
    """Every panel rule with an object in its URL (read from a fresh app's URL map)."""
    app = create_app({"KASSA_ENV": "testing", "KASSA_DATABASE_URL": "sqlite://"})
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith("/panel") and r.arguments),
        key=lambda r: r.rule,
    )


def rule_id(rule: Rule) -> str:
    return f"{','.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))} {rule.rule}"  # type: ignore[operator]


def test_there_are_object_routes_to_check() -> None:
    assert {r.endpoint for r in object_rules()} >= {
        "merchants.remove_member",
        "merchants.resend_invitation",
        "merchants.revoke_invitation",
    }


@pytest.mark.parametrize("rule", object_rules(), ids=rule_id)
def test_another_merchant_gets_404(rule: Rule, app: Flask, mailbox: Mailbox) -> None:
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    tenants = Tenants(app, owner_a, owner_b, mailbox)

    unknown = sorted(rule.arguments - OBJECT_FACTORIES.keys())
    assert not unknown, f"add a factory for {unknown} to OBJECT_FACTORIES"
    values = {name: OBJECT_FACTORIES[name](tenants) for name in rule.arguments}
    url = rule.build(values)[1]  # type: ignore[index]

    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[operator]
        if method == "GET":
            foreign = owner_b.get(url)
        else:
            foreign = post_form(owner_b, "/panel/team", url, {})
        assert foreign.status_code == 404, f"{method} {url} answered {foreign.status_code}"
        assert "Page not found" in foreign.get_data(as_text=True)

    # The same URL does reach merchant A's own object: the 404 above is isolation, not a typo.
    own = owner_a.get(url) if "GET" in rule.methods else post_form(owner_a, "/panel/team", url, {})  # type: ignore[operator]
    assert own.status_code != 404


# Buyer pages find their rows by a token, never by an id; what a token leads to is then looked
# up within the merchant it belongs to.


def test_an_invoice_and_its_payments_are_found_only_within_their_merchant(
    app: Flask, mailbox: Mailbox, stripe_sandbox: StripeSandbox
) -> None:
    """Merchant B's checkout claiming to sell A's invoice (its id) finds nothing, B's payment
    naming A's invoice is not shown as paid on it, and B cannot claim A's balance."""
    owner_a, owner_b = app.test_client(), app.test_client()
    invoicing_merchant(owner_a, app, stripe_sandbox)
    invoice_id, token = open_invoice(app, currency="EUR")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    with app.app_context():
        merchant_b = db.session.scalars(
            select(User.merchant_id).where(User.email == "b@example.com")
        ).one()
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        forged = CheckoutSession(
            merchant_id=merchant_b,
            public_id=new_public_id("chk"),
            token=new_secret_token(),
            document_type=DOCUMENT_TYPE,
            document_id=str(invoice_id),
            locale="en",
        )
        db.session.add(forged)
        db.session.add(
            Payment(
                merchant_id=merchant_b,
                intent_id="pi_of_merchant_b",
                status=PaymentStatus.SUCCEEDED,
                currency="EUR",
                amount=112500,
                document_type=DOCUMENT_TYPE,
                document_id=str(invoice_id),
            )
        )
        assert not balance.claim(db.session, invoice_id, merchant_b, 100)
        db.session.commit()
        forged_page = f"/c/{forged.token}"

    buyer = app.test_client()
    for path in (forged_page, forged_page + "/pay", forged_page + "/return"):
        assert buyer.get(path).status_code == 404, path
    page = buyer.get(f"/i/{token}").get_data(as_text=True)
    assert "pi_of_merchant_b" not in page and "Payments so far" not in page
    assert 'data-testid="amount-paid">€0.00<' in page
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).amount_pending == 0  # type: ignore[union-attr]


def test_an_invoice_cannot_be_addressed_to_another_merchants_customer(
    app: Flask, mailbox: Mailbox
) -> None:
    """Neither ``?customer=`` nor a posted customer id reaches another merchant's customer."""
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    customer_of_a = add_invoice_customer(app, "a@example.com", name="Secret Customer")

    editor = owner_b.get(f"/panel/invoices/new?customer={customer_of_a}").get_data(as_text=True)
    assert "Secret Customer" not in editor
    assert f'<option selected value="{customer_of_a}"' not in editor
    page = "/panel/invoices/new"
    data = {"customer": str(customer_of_a), "currency": "SEK", "locale": "en", "terms": "net_14",
            "lines-0-description": "Work", "lines-0-quantity": "1",
            "lines-0-unit_amount": "10"}  # fmt: skip
    refused = post_form(owner_b, page, page, data)
    assert refused.status_code == 422
    totals = post_form(owner_b, page, "/panel/invoices/totals", data)
    assert "Secret Customer" not in totals.get_data(as_text=True)
    with app.app_context():
        from app.invoices.models import Invoice

        assert db.session.scalars(select(Invoice)).all() == []


def test_another_merchants_tax_rates_and_products_stay_out_of_an_invoice(
    app: Flask, mailbox: Mailbox
) -> None:
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    rate_of_a = tax_rate(Tenants(app, owner_a, owner_b, mailbox))
    product_of_a = product(Tenants(app, owner_a, owner_b, mailbox))
    customer_of_b = add_invoice_customer(app, "b@example.com")
    page = "/panel/invoices/new"
    base = {"customer": str(customer_of_b), "currency": "SEK", "locale": "en",
            "terms": "net_14", "lines-0-description": "Work", "lines-0-quantity": "1",
            "lines-0-unit_amount": "10"}  # fmt: skip
    for extra in ({"lines-0-tax_rates": str(rate_of_a)}, {"lines-0-product": str(product_of_a)}):
        refused = post_form(owner_b, page, page, {**base, **extra})
        assert refused.status_code == 422, extra
    draft = post_form(owner_b, page, page, base)
    assert draft.status_code == 302
    invoice_id = int(draft.headers["Location"].rsplit("/", 1)[-1])
    assert invoice_row(app, invoice_id).total == 1000


def test_a_quote_cannot_be_addressed_to_another_merchants_customer_or_countersigner(
    app: Flask, mailbox: Mailbox
) -> None:
    """B's quote editor neither lists nor accepts A's customer or A's staff as countersigner,
    and B's editor prices nothing for them."""
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    customer_of_a = add_invoice_customer(app, "a@example.com", name="Secret Customer")
    editor = owner_b.get(f"/panel/quotes/new?customer={customer_of_a}").get_data(as_text=True)
    assert "Secret Customer" not in editor and "a@example.com" not in editor
    from tests.integration.test_quotes_panel import editor_data

    page = "/panel/quotes/new"
    refused = post_form(owner_b, page, page, editor_data(customer_of_a))
    assert refused.status_code == 422
    with app.app_context():
        staff_of_a = db.session.scalars(
            select(User.id).join(Merchant).where(Merchant.name == "Merchant A")
        ).one()
    customer_of_b = add_invoice_customer(app, "b@example.com")
    foreign_signer = editor_data(customer_of_b, countersigner=str(staff_of_a))
    assert post_form(owner_b, page, page, foreign_signer).status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Quote)).all() == []


def test_a_quote_address_reaches_only_its_quote(app: Flask, mailbox: Mailbox) -> None:
    """A quote's buyer address is its token: another merchant's staff signed in change
    nothing, a token of a draft or a made-up one is a 404, and what it accepts is that
    quote only."""
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    customer_of_a = add_invoice_customer(app, "a@example.com")
    quote_id, token = open_quote(app, "a@example.com", customer_id=customer_of_a)
    other_id, _other = open_quote(app, "a@example.com", customer_id=customer_of_a)
    assert owner_b.get(f"/q/{token}x").status_code == 404
    page = owner_b.get(f"/q/{token}")
    assert page.status_code == 200
    assert quote_row(app, quote_id).first_viewed_at is not None  # B is not A's staff
    accepted = post_form(
        owner_b, f"/q/{token}", f"/q/{token}/accept",
        {"revision": str(other_id), "agree": "y", "signature": "Mallory"},
    )  # fmt: skip
    assert accepted.status_code == 422
    assert quote_row(app, other_id).status is QuoteStatus.OPEN
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN


def test_a_links_first_action_reaches_only_its_own_lines_codes_and_checkouts(
    app: Flask, mailbox: Mailbox, stripe_sandbox: StripeSandbox
) -> None:
    """On merchant A's link page a buyer's first action cannot add merchant B's optional line,
    use B's discount code, or resume a checkout the same browser opened of B's link."""
    owner_a, owner_b = app.test_client(), app.test_client()
    connected(owner_a, app, stripe_sandbox, "SE", "sek")
    add_payment_link(owner_a, "Of A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    assert connect(owner_b, stripe_sandbox.create_account("SE", "sek")).status_code == 302
    add_payment_link(owner_b, "Of B")
    add_discount(owner_b, "BONLY")
    with app.app_context():
        links = {link.name: link for link in db.session.scalars(select(PaymentLink))}
        slug_a, slug_b = links["Of A"].slug, links["Of B"].slug
        line_b = links["Of B"].lines[0].id
        db.session.get(PaymentLinkLine, line_b).optional = True  # type: ignore[union-attr]
        db.session.commit()
    buyer = app.test_client()
    page_a = f"/l/{slug_a}"
    assert post_form(buyer, page_a, f"{page_a}/items/{line_b}/add", {}).status_code == 404
    code = post_form(buyer, page_a, page_a + "/discount", {"code": "BONLY"})
    assert code.status_code == 422
    assert "This code does not work here." in code.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).all() == []
    of_b = start_checkout(buyer, slug_b)
    assert buyer.get(page_a).status_code == 200  # B's checkout is not A's page's to resume
    assert start_checkout(buyer, slug_a) != of_b


def test_the_payments_index_shows_only_the_signed_in_merchants_payments(
    app: Flask, mailbox: Mailbox
) -> None:
    """Whatever B filters or searches by (A's customer id, A's buyer, A's intent id, its last
    four digits), B's index lists none of A's payments and counts none in its totals."""
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    tenants = Tenants(app, owner_a, owner_b, mailbox)
    customer_of_a = customer(tenants)
    payment_id = payment_of_a(tenants)
    with app.app_context():
        payment = db.session.get_one(Payment, payment_id)
        payment.customer_id = customer_of_a
        payment.buyer_email, payment.buyer_name = "secret@example.com", "Secret Buyer"
        payment.method_type, payment.method_details = "card", {"last4": "4242"}
        db.session.commit()
    queries = [
        {},
        {"customer": str(customer_of_a)},
        {"q": "secret"},
        {"q": "pi_of_merchant_a"},
        {"q": "4242"},
        {"currency": "SEK", "status": "succeeded", "method": "card"},
    ]
    for query in queries:
        page = owner_b.get("/panel/payments", query_string=query).get_data(as_text=True)
        assert f"/panel/payments/{payment_id}" not in page, query
        assert "Secret Buyer" not in page and "secret@example.com" not in page, query
        totals = owner_b.get("/panel/payments/totals", query_string=query)
        assert 'data-testid="totals-SEK"' not in totals.get_data(as_text=True), query
    own = owner_a.get("/panel/payments", query_string={"q": "secret"}).get_data(as_text=True)
    assert "Secret Buyer" in own
    own_totals = owner_a.get("/panel/payments/totals", query_string={"q": "secret"})
    assert 'data-testid="totals-SEK"' in own_totals.get_data(as_text=True)


def test_the_disputes_list_shows_only_the_signed_in_merchants_disputes(
    app: Flask, mailbox: Mailbox
) -> None:
    owner_a, owner_b = app.test_client(), app.test_client()
    sign_up(owner_a, email="a@example.com", business_name="Merchant A")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    payment_id = payment_of_a(Tenants(app, owner_a, owner_b, mailbox))
    with app.app_context():
        payment = db.session.get_one(Payment, payment_id)
        payment.buyer_name = "Disputing Buyer"
        db.session.add(
            Dispute(
                merchant_id=payment.merchant_id, payment_id=payment_id,
                stripe_dispute_id="dp_of_merchant_a", amount=12500, currency="SEK",
                reason="fraudulent", status="needs_response",
            )
        )  # fmt: skip
        db.session.commit()
    theirs = owner_b.get("/panel/payments/disputes").get_data(as_text=True)
    assert "Disputing Buyer" not in theirs and "No disputes." in theirs
    own = owner_a.get("/panel/payments/disputes").get_data(as_text=True)
    assert "Disputing Buyer" in own and "Needs your response" in own


def test_a_setup_intent_saves_a_method_only_on_its_own_merchants_quote(
    app: Flask, mailbox: Mailbox, stripe_sandbox: StripeSandbox
) -> None:
    """A SetupIntent of merchant A's quote, handed to merchant B (a webhook of B's endpoint, a
    forged one), saves nothing: B's account cannot read it and its metadata names A; B's
    staff reach A's method page only through its token."""
    from app.payments.service import record_setup_intent
    from app.processors.access import connected_gateway
    from app.processors.gateway import GatewayError
    from tests.integration.test_quote_saved_methods import (
        ALL_LATER,
        accepted_quote,
        merchant_taking,
    )
    from tests.support.quotes import save_method_as_browser, setup_secret_of

    owner_a, owner_b, buyer = app.test_client(), app.test_client(), app.test_client()
    account_a = merchant_taking(owner_a, app, stripe_sandbox, "card")
    sign_up(owner_b, email="b@example.com", business_name="Merchant B")
    assert connect(owner_b, stripe_sandbox.create_account("DE", "eur")).status_code == 302
    quote_id, token = accepted_quote(app, buyer, payment_mode=PaymentMode.SCHEDULE, parts=ALL_LATER)
    assert owner_b.get(f"/q/{token}x/method").status_code == 404
    secret = setup_secret_of(buyer.get(f"/q/{token}/method").get_data(as_text=True))
    save_method_as_browser(stripe_sandbox, account_a, secret, payment_method="pm_card_visa")
    with app.app_context():
        merchant_a = db.session.scalars(select(Merchant).where(Merchant.name != "Merchant B")).one()
        merchant_b = db.session.scalars(select(Merchant).where(Merchant.name == "Merchant B")).one()
        setup = connected_gateway(db.session, merchant_a.id).retrieve_setup_intent(
            secret.split("_secret_")[0]
        )
        assert not record_setup_intent(db.session, merchant_b, setup)
        with pytest.raises(GatewayError):
            connected_gateway(db.session, merchant_b.id).retrieve_setup_intent(setup.id)
        db.session.commit()
    assert quote_row(app, quote_id).saved_method_id == ""
