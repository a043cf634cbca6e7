"""Bad input in every form field: a clear error next to the field, what was typed kept, no 500.

Every KassaForm subclass must appear in FORMS, so a new form joins this test.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from wtforms.fields.core import UnboundField

import app as app_package
from app.billing_import import forms as billing_import_forms
from app.catalog import forms as catalog_forms
from app.catalog.models import Product
from app.catalog.service import refused_settings
from app.checkout import forms as checkout_forms
from app.checkout.service import open_checkout
from app.core.clock import utcnow
from app.customers import forms as customer_forms
from app.extensions import db
from app.invoices import delivery_forms as invoice_delivery_forms
from app.invoices import forms as invoice_forms
from app.invoices.buyer_forms import PayInvoiceForm
from app.links import forms as link_forms
from app.links.document import LinkDocument
from app.links.models import PaymentLink
from app.links.service import never_payable
from app.merchants import forms as merchant_forms
from app.merchants.models import Merchant
from app.payments import forms as payment_forms
from app.payments.models import Payment, WebhookEvent
from app.portal import forms as portal_forms
from app.processors import forms as processor_forms
from app.quotes import forms as quote_forms
from app.quotes.models import Quote
from app.reports import forms as report_forms
from app.settings import forms as settings_forms
from app.storefront import forms as storefront_forms
from app.subscriptions import forms as billing_forms
from app.subscriptions import panel_forms as subscription_forms
from app.web.forms import DateInputField, KassaForm
from tests.conftest import PROJECT_ROOT
from tests.integration.test_invitations import invitation_link, invite
from tests.integration.test_processor_connection import connect
from tests.support.accounts import DEFAULT_PASSWORD, emailed_link, post_form, sign_up
from tests.support.customers import CUSTOMER, add_customer
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.invoices import add_customer as add_invoice_customer
from tests.support.invoices import open_invoice
from tests.support.mailbox import Mailbox
from tests.support.quotes import open_quote
from tests.support.settings import (
    BUSINESS_DETAILS,
    add_currency,
    add_custom_field,
    add_payment_link,
    add_product,
    list_in_shop,
    save_storefront,
)
from tests.support.stripe_sandbox import StripeSandbox, session_sandbox
from tests.support.subscription_rows import started_subscription
from tests.unit.test_images import png_declaring

SCRIPT = "<script>alert('x')</script>"
BAD_VALUES = {
    "empty": "",
    "overlong": "x" * 5000,
    "wrong-type": "\x00\x07\x1b",
    "script": SCRIPT,
}


@dataclass
class FormCase:
    form: type[KassaForm]
    page: Callable[
        [FlaskClient, Flask, Mailbox], str
    ]  # prepares the client, returns the form's URL
    valid: dict[str, str]
    optional: set[str] = field(default_factory=set)  # fields where empty is a valid answer
    secret: set[str] = field(default_factory=set)  # fields never echoed back (passwords)
    # Passwords may contain anything printable, markup included.
    accepts_markup: set[str] = field(default_factory=set)
    # Fields whose limit is above the "overlong" value (their limit is tested on its own).
    long_text: set[str] = field(default_factory=set)
    # A baseline that needs real Stripe keys (made on the sandbox).
    live_valid: Callable[[StripeSandbox], dict[str, str]] | None = None
    # The form answers with a redirect and a flashed error instead of re-rendering.
    refuses_by_redirect: bool = False
    # The form is sent with GET (a search): its fields go in the query string, without CSRF.
    sent_with_get: bool = False


def anonymous(path: str) -> Callable[[FlaskClient, Flask, Mailbox], str]:
    return lambda _client, _app, _mailbox: path


def owner_page(path: str) -> Callable[[FlaskClient, Flask, Mailbox], str]:
    def prepare(client: FlaskClient, _app: Flask, _mailbox: Mailbox) -> str:
        sign_up(client, email="owner@example.com")
        return path

    return prepare


def invitation_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    owner = app.test_client()
    sign_up(owner, email="owner@example.com")
    invite(owner, "joiner@example.com")
    return invitation_link(mailbox, "joiner@example.com")


def reset_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The page an emailed password reset link opens."""
    sign_up(app.test_client(), email="owner@example.com")
    post_form(client, "/password/forgot", "/password/forgot", {"email": "owner@example.com"})
    return urlsplit(emailed_link("owner@example.com", "Choose a new password")).path


def product_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A Swedish merchant's product edit page, with EUR among its currencies."""
    sign_up(client, email="owner@example.com")
    add_currency(client, "EUR")
    add_product(client, "Mug", "SEK", "129")
    with app.app_context():
        product_id = db.session.scalars(select(Product.id)).one()
    return f"/panel/products/{product_id}"


def policies_page(client: FlaskClient, _app: Flask, _mailbox: Mailbox) -> str:
    """The policies page of a merchant that has written a policy (consent needs one)."""
    sign_up(client, email="owner@example.com")
    page = "/panel/settings/policies"
    post_form(client, page, page, {"kind": "terms", "locale": "en", "url": "", "text": "Terms."})
    return page


def link_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A Swedish merchant's payment link edit page (the link sells one described line)."""
    sign_up(client, email="owner@example.com")
    add_payment_link(client)
    with app.app_context():
        link_id = db.session.scalars(select(PaymentLink.id)).one()
    return f"/panel/links/{link_id}"


def checkout_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A buyer's checkout of a link that asks for both addresses and lets the quantity change,
    and the merchant's three questions: a text (answer_1), a number and a dropdown."""
    owner = app.test_client()
    sign_up(owner, email="owner@example.com")
    return _checkout_of_a_link(owner, app)


def _checkout_of_a_link(owner: FlaskClient, app: Flask) -> str:
    add_payment_link(
        owner, billing_address="required", shipping_address="required", phone="optional",
        quantity="2", adjustable_quantity="y", max_quantity="5",
    )  # fmt: skip
    add_custom_field(owner, "Company", required="y")
    add_custom_field(owner, "Guests", kind="number")
    add_custom_field(owner, "T-shirt", kind="dropdown", options="S\nM\nL", required="y")
    with app.app_context():
        link = db.session.scalars(select(PaymentLink)).one()
        token = open_checkout(db.session, LinkDocument(link), "en", browser_key=None).token
        db.session.commit()
    return f"/c/{token}"


def link_first_view(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The same link's page as a new buyer sees it, before any checkout (its merchant
    connected to the sandbox, so the page takes buyers): its forms post to ``/l/<slug>/...``,
    where the first action opens the checkout."""
    owner = app.test_client()
    sign_up(owner, email="owner@example.com")
    assert connect(owner, session_sandbox().create_account("SE", "sek")).status_code == 302
    _checkout_of_a_link(owner, app)
    with app.app_context():
        slug = db.session.scalars(select(PaymentLink.slug)).one()
    return f"/l/{slug}"


def invoice_buyer_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A customer's invoice of EUR 1,125 that may be paid in parts of at least EUR 100, from
    a merchant connected to the sandbox (so "Pay" is offered)."""
    invoicing_merchant(app.test_client(), app, session_sandbox())
    _invoice_id, token = open_invoice(app, currency="EUR", allow_partial=True, minimum_part=10000)
    return f"/i/{token}"


def quote_editor_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A new quote for the merchant's one customer (id 1)."""
    sign_up(client, email="owner@example.com")
    add_invoice_customer(app)
    return "/panel/quotes/new"


def quote_buyer_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A customer's open quote (id 1), signed by a typed name."""
    owner = app.test_client()
    sign_up(owner, email="owner@example.com")
    quote_id, token = open_quote(app)
    assert quote_id == 1
    return f"/q/{token}"


def unregistered_events_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The Stripe account page of a merchant connected without a webhook endpoint (Stripe
    refused it), where a forwarded signing secret can be given."""
    from app.core.crypto import encrypt
    from app.merchants.models import Merchant
    from app.processors.models import ProcessorConnection
    from tests.conftest import SECRET_KEY

    sign_up(client, email="owner@example.com")
    with app.app_context():
        merchant = db.session.scalars(select(Merchant)).one()
        db.session.add(
            ProcessorConnection(
                merchant_id=merchant.id, account_id="acct_unreachable", livemode=False,
                country="SE", default_currency="SEK", capabilities=["card_payments"],
                secret_key_encrypted=encrypt("sk_test_" + "x" * 24, SECRET_KEY),
                secret_key_hint="sk_test_…xxxx", publishable_key="pk_test_" + "x" * 24,
                webhook_problem="url_refused",
            )
        )  # fmt: skip
        db.session.commit()
    return "/panel/settings/payments"


def import_from_stripe_page(client: FlaskClient, _app: Flask, _mailbox: Mailbox) -> str:
    """Settings → Import from Stripe of a merchant connected to a sandbox account (with no
    subscriptions: a run started by a valid post finds nothing to move)."""
    sign_up(client, email="owner@example.com")
    assert connect(client, session_sandbox().create_account("SE", "sek")).status_code == 302
    return "/panel/settings/import-from-stripe/"


def storefront_products_page(client: FlaskClient, _app: Flask, _mailbox: Mailbox) -> str:
    """The storefront's products page of a merchant with one product (listed or not)."""
    sign_up(client, email="owner@example.com")
    add_product(client, "Mug", "SEK", "129")
    return "/panel/settings/storefront/products"


def listed_products_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    page = storefront_products_page(client, app, mailbox)
    list_in_shop(client, 1)
    return page


def customer_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The edit page of a customer the owner made."""
    sign_up(client, email="owner@example.com")
    add_customer(client)
    return "/panel/customers/1/edit"


def erase_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    customer_page(client, app, mailbox)
    return "/panel/customers/1/erase"


def shop_with_mug(app: Flask) -> None:
    """An open shop at /s/acme selling a mug in SEK and EUR, buyers may switch currency."""
    owner = app.test_client()
    sign_up(owner, email="owner@example.com")
    add_currency(owner, "EUR")
    add_product(owner, "Mug", "SEK", "129")
    page = "/panel/products/1"
    post_form(owner, page, page + "/prices", {"currency": "EUR", "amount": "12"})
    list_in_shop(owner, 1)
    save_storefront(owner, currency_switch="y")


def shop_product_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    shop_with_mug(app)
    return "/s/acme/p/mug"


def shop_cart_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A buyer's cart holding two mugs."""
    shop_with_mug(app)
    post_form(client, "/s/acme/p/mug", "/s/acme/p/mug/add", {"quantity": "2"})
    return "/s/acme/cart"


def invoice_emails_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The emails page of the merchant's first invoice, finalized, its customer addressed."""
    sign_up(client, email="owner@example.com")
    invoice_id, _token = open_invoice(app)
    assert invoice_id == 1
    return "/panel/invoices/1/deliveries"


def invoice_editor_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """A new invoice for the merchant's one customer (id 1)."""
    sign_up(client, email="owner@example.com")
    add_invoice_customer(app)
    return "/panel/invoices/new"


def open_invoice_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The page of a finalized invoice of SEK 1,125 (manual payments and voiding post there)."""
    sign_up(client, email="owner@example.com")
    invoice_id, _ = open_invoice(app)
    return f"/panel/invoices/{invoice_id}"


IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()
INVOICE_FIELDS = {
    "customer": "1", "currency": "SEK", "locale": "en", "terms": "custom",
    "due_date": IN_A_MONTH, "lines-0-product": "", "lines-0-description": "Consulting",
    "lines-0-quantity": "2", "lines-0-unit_amount": "100", "lines-0-discount_percent": "10",
    "discount_percent": "", "discount_amount": "5", "memo": "", "footer": "",
    "payment_methods": "card", "allow_partial": "y", "minimum_part": "10",
}  # fmt: skip
INVOICE_OPTIONAL = {
    "lines-0-product", "lines-0-discount_percent", "discount_percent", "discount_amount",
    "memo", "footer", "payment_methods", "allow_partial", "minimum_part",
}  # fmt: skip
INVOICE_SETTINGS = {
    "invoice_pattern": "INV-{YYYY}-", "invoice_padding": "4",
    "credit_note_pattern": "CN-{YYYY}-", "credit_note_padding": "4", "terms": "net_14",
    "reminder_days": "-3, 0, 7", "memo_en": "", "memo_sv": "", "footer_en": "", "footer_sv": "",
}  # fmt: skip

ADDRESSES = {
    f"{kind}_{part}": value
    for kind in ("billing", "shipping")
    for part, value in (("line1", "Storgatan 1"), ("postal_code", "11122"),
                        ("city", "Stockholm"), ("country", "SE"))
}  # fmt: skip

BUYER_DETAILS = {
    "email": "ada@example.com", "name": "Ada Buyer", "phone": "+46701234567", **ADDRESSES,
    "answer_1": "Acme", "answer_2": "3", "answer_3": "M", "consent": "",
}  # fmt: skip
BUYER_DETAILS_OPTIONAL = {"name", "phone", "answer_2", "consent"}

LINK_DETAILS = {
    "name": "Consultation",
    "methods": "card",
    "billing_address": "",
    "shipping_address": "required",
    "phone": "optional",
    "message": "",
    "redirect_url": "https://example.com/thanks",
    "payment_limit": "10",
    "last_day": "2099-12-31",
}
LINK_OPTIONAL = {
    "methods", "billing_address", "shipping_address", "phone", "message", "redirect_url",
    "payment_limit", "last_day",
}  # fmt: skip
LINE_FIELDS = {
    "currency": "SEK",
    "product": "",
    "description": "One hour",
    "amount": "500",
    "quantity": "2",
    "adjustable_quantity": "y",
    "min_quantity": "1",
    "max_quantity": "5",
}
LINE_OPTIONAL = {"product", "adjustable_quantity", "optional"}

PRODUCT_DETAILS = {
    "name": "Mug",
    "description": "",
    "sku": "MUG-1",
    "interval": "month",
    "interval_count": "1",
    "first_charge_on": "",
    "trial_days": "14",
    "tax_rate": "",
}
PRODUCT_OPTIONAL = {"description", "sku", "interval", "first_charge_on", "trial_days", "tax_rate"}

FORMS = [
    FormCase(
        merchant_forms.SignupForm,
        anonymous("/signup"),
        {
            "business_name": "Acme AB",
            "country": "SE",
            "currency": "",
            "email": "new@example.com",
            "password": DEFAULT_PASSWORD,
        },
        optional={"currency"},
        secret={"password"},
        accepts_markup={"password"},
    ),
    FormCase(
        merchant_forms.LoginForm,
        anonymous("/login"),
        {"email": "owner@example.com", "password": DEFAULT_PASSWORD},
        secret={"password"},
    ),
    FormCase(
        merchant_forms.PasswordChangeForm,
        owner_page("/panel/account"),
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "another secret 1",
            "confirm_password": "another secret 1",
        },
        secret={"current_password", "new_password", "confirm_password"},
        accepts_markup={"new_password"},
    ),
    FormCase(
        merchant_forms.ForgotPasswordForm,
        anonymous("/password/forgot"),
        {"email": "owner@example.com"},
    ),
    FormCase(
        merchant_forms.ResetPasswordForm,
        reset_page,
        {"password": "lantern otter ninety", "confirm_password": "lantern otter ninety"},
        secret={"password", "confirm_password"},
        accepts_markup={"password"},
    ),
    FormCase(
        merchant_forms.InviteForm,
        owner_page("/panel/team"),
        {"email": "invitee@example.com", "locale": "en"},
    ),
    FormCase(
        processor_forms.StripeKeysForm,
        owner_page("/panel/settings/payments"),
        {"secret_key": "", "publishable_key": ""},
        secret={"secret_key"},
        live_valid=lambda sandbox: _sandbox_keys(sandbox),
    ),
    FormCase(
        processor_forms.ConfirmConnectionForm,
        owner_page("/panel/settings/payments"),
        {"sealed": "x"},
        refuses_by_redirect=True,
    ),
    FormCase(processor_forms.DisconnectForm, owner_page("/panel/settings/payments/disconnect"), {}),
    FormCase(
        processor_forms.SigningSecretForm,
        unregistered_events_page,
        {"signing_secret": "whsec_" + "a" * 32},
        secret={"signing_secret"},
    ),
    FormCase(processor_forms.RegisterWebhookForm, unregistered_events_page, {}),
    FormCase(
        merchant_forms.AcceptInvitationForm,
        invitation_page,
        {"name": "Sam", "password": "harbour lantern 7", "confirm_password": "harbour lantern 7"},
        secret={"password", "confirm_password"},
        accepts_markup={"password"},
    ),
    FormCase(
        settings_forms.CheckoutForm,
        owner_page("/panel/settings/checkout"),
        {
            "payment_methods": "card",
            "billing_address": "off",
            "shipping_address": "optional",
            "phone": "required",
        },
    ),
    FormCase(
        settings_forms.CurrencyForm,
        owner_page("/panel/settings/currencies"),
        {"currency": "EUR"},
    ),
    FormCase(
        settings_forms.FeeForm,
        owner_page("/panel/settings/fees"),
        {
            "name": "Card fee",
            "method": "card",
            "fixed_currency": "SEK",
            "fixed_amount": "2.50",
            "percent": "1.5",
            "gross_up": "y",
        },
        optional={"fixed_amount", "percent", "gross_up"},
    ),
    FormCase(
        settings_forms.TaxRateForm,
        owner_page("/panel/settings/taxes"),
        {"name": "Moms", "percent": "25", "inclusive": "y", "country": "SE"},
        optional={"inclusive", "country"},
    ),
    FormCase(
        settings_forms.PolicyForm,
        owner_page("/panel/settings/policies"),
        {"kind": "refund", "locale": "sv", "url": "https://example.com/refunds", "text": ""},
        optional={"url", "text"},
        long_text={"text"},  # a policy may run to 20,000 characters (tested with the policies)
    ),
    FormCase(
        settings_forms.PolicyConsentForm,
        policies_page,
        {"require_policy_consent": "y"},
        optional={"require_policy_consent"},
    ),
    FormCase(
        settings_forms.CustomFieldForm,
        owner_page("/panel/settings/custom-fields"),
        {
            "label_en": "Size",
            "label_sv": "Storlek",
            "kind": "dropdown",
            "options": "",
            "required": "y",
        },
        optional={"required"},
    ),
    FormCase(
        settings_forms.DiscountForm,
        owner_page("/panel/settings/discounts"),
        {
            "code": "SPRING25",
            "percent": "",
            "currency": "SEK",
            "amount": "50",
            "expires_on": "2099-12-31",
            "max_redemptions": "100",
        },
        optional={"percent", "expires_on", "max_redemptions"},
    ),
    FormCase(
        settings_forms.BrandingForm,
        owner_page("/panel/settings/branding"),
        {"display_name": "Lindqvist", "accent_color": "#1d4ed8"},
    ),
    FormCase(
        settings_forms.BusinessDetailsForm,
        owner_page("/panel/settings/business"),
        BUSINESS_DETAILS,
        optional=set(BUSINESS_DETAILS),  # all optional: invoices warn while they are missing
    ),
    FormCase(
        catalog_forms.NewProductForm,
        owner_page("/panel/products/new"),
        {**PRODUCT_DETAILS, "currency": "SEK", "amount": "129.50"},
        optional=PRODUCT_OPTIONAL,
    ),
    FormCase(
        catalog_forms.ProductForm,
        product_page,
        PRODUCT_DETAILS,
        optional=PRODUCT_OPTIONAL,
    ),
    FormCase(
        catalog_forms.PriceForm,
        product_page,
        {"currency": "EUR", "amount": "12.50"},
    ),
    FormCase(
        link_forms.NewLinkForm,
        owner_page("/panel/links/new"),
        {**LINE_FIELDS, "optional": "", **LINK_DETAILS},  # a first line is never optional
        optional=LINE_OPTIONAL | LINK_OPTIONAL,
    ),
    FormCase(link_forms.LinkForm, link_page, LINK_DETAILS, optional=LINK_OPTIONAL),
    FormCase(
        link_forms.LineForm, link_page, {**LINE_FIELDS, "optional": "y"}, optional=LINE_OPTIONAL
    ),
    FormCase(
        checkout_forms.QuantityForm,
        checkout_page,
        {"line": "1", "quantity": "2"},
    ),
    FormCase(
        checkout_forms.DiscountCodeForm, checkout_page, {"code": "SPRING25"}, optional={"code"}
    ),
    FormCase(checkout_forms.MethodForm, checkout_page, {"method": "card"}),
    FormCase(checkout_forms.CountryForm, checkout_page, {"country": "SE"}, optional={"country"}),
    FormCase(
        checkout_forms.BuyerForm, checkout_page, BUYER_DETAILS, optional=BUYER_DETAILS_OPTIONAL
    ),
]
# The same forms on a link's page before any checkout: the buyer's first action.
FORMS += [
    FormCase(checkout_forms.QuantityForm, link_first_view, {"line": "1", "quantity": "2"}),
    FormCase(
        checkout_forms.DiscountCodeForm, link_first_view, {"code": "SPRING25"}, optional={"code"}
    ),
    FormCase(checkout_forms.MethodForm, link_first_view, {"method": "card"}),
    FormCase(checkout_forms.CountryForm, link_first_view, {"country": "SE"}, optional={"country"}),
    FormCase(
        checkout_forms.BuyerForm, link_first_view, BUYER_DETAILS, optional=BUYER_DETAILS_OPTIONAL
    ),
]


FORMS += [
    FormCase(invoice_delivery_forms.SendInvoiceForm, invoice_emails_page, valid={}),
    FormCase(
        storefront_forms.StorefrontForm,
        owner_page("/panel/settings/storefront"),
        {
            "enabled": "y",
            "slug": "acme-shop",
            "title_en": "Acme shop",
            "title_sv": "Acmes butik",
            "intro_en": "",
            "intro_sv": "",
            "currency_switch": "y",
            "payment_methods": "card",
        },
        optional={
            "enabled",
            "title_en",
            "title_sv",
            "intro_en",
            "intro_sv",
            "currency_switch",
            "payment_methods",
        },
    ),
    FormCase(
        storefront_forms.ListProductForm,
        storefront_products_page,
        {"product": "1", "category": ""},
        optional={"category"},
    ),
    FormCase(
        storefront_forms.ListingCategoryForm,
        listed_products_page,
        {"listing-1-category": ""},
        optional={"listing-1-category"},
    ),
    FormCase(
        storefront_forms.CategoryForm,
        owner_page("/panel/settings/storefront/categories"),
        {"name_en": "Mugs", "name_sv": "Muggar"},
    ),
    FormCase(storefront_forms.AddToCartForm, shop_product_page, {"quantity": "2"}),
    FormCase(storefront_forms.CartQuantityForm, shop_cart_page, {"line": "1", "quantity": "2"}),
    FormCase(storefront_forms.RemoveLineForm, shop_cart_page, {"line": "1"}),
    FormCase(
        storefront_forms.CartDiscountForm, shop_cart_page, {"code": "SPRING25"}, optional={"code"}
    ),
    FormCase(
        storefront_forms.ShopCurrencyForm,
        shop_product_page,
        {"currency": "EUR"},
        refuses_by_redirect=True,
    ),
    FormCase(PayInvoiceForm, invoice_buyer_page, {"amount": "400"}),
    FormCase(
        invoice_forms.InvoiceForm, invoice_editor_page, INVOICE_FIELDS, optional=INVOICE_OPTIONAL
    ),
    FormCase(
        invoice_forms.ManualPaymentForm,
        open_invoice_page,
        {
            "amount": "10",
            "paid_on": date.today().isoformat(),
            "method": "cash",
            "reference": "OCR 1234",
        },
        optional={"reference"},
    ),
    FormCase(
        invoice_forms.VoidForm, open_invoice_page, {"reason": "Billed twice"}, optional={"reason"}
    ),
    FormCase(
        invoice_forms.InvoiceSettingsForm,
        owner_page("/panel/invoices/settings"),
        INVOICE_SETTINGS,
        optional={"reminder_days", "memo_en", "memo_sv", "footer_en", "footer_sv"},
    ),
]

QUOTE_FIELDS = {
    "customer": "1", "currency": "SEK", "locale": "en", "title": "Kitchen",
    "expires_on": IN_A_MONTH, "lines-0-product": "", "lines-0-description": "Cabinets",
    "lines-0-quantity": "4", "lines-0-unit_amount": "500", "lines-0-discount_percent": "10",
    "lines-0-interval": "", "lines-0-adjustable": "y", "lines-0-min_quantity": "2",
    "lines-0-max_quantity": "8", "discount_percent": "", "discount_amount": "5",
    "terms_en": "Net 30", "terms_sv": "", "notes_en": "", "notes_sv": "",
    "acceptance_mode": "signature", "countersigner": "", "payment_methods": "card",
    "payment_mode": "deposit", "deposit_percent": "30", "deposit_amount": "",
}  # fmt: skip
QUOTE_OPTIONAL = {
    "lines-0-product", "lines-0-discount_percent", "lines-0-interval", "lines-0-adjustable",
    "lines-0-min_quantity", "lines-0-max_quantity", "discount_percent", "discount_amount",
    "title", "expires_on", "terms_en", "terms_sv", "notes_en", "notes_sv", "countersigner",
    "payment_methods", "deposit_amount",
}  # fmt: skip
FORMS += [
    FormCase(quote_forms.QuoteForm, quote_editor_page, QUOTE_FIELDS, optional=QUOTE_OPTIONAL),
    FormCase(
        quote_forms.AcceptQuoteForm,
        quote_buyer_page,
        {"revision": "1", "agree": "y", "signature": "Grace Hopper"},
    ),
    FormCase(quote_forms.PayQuoteForm, quote_buyer_page, {}),
    FormCase(
        quote_forms.DeclineQuoteForm,
        quote_buyer_page,
        {"revision": "1", "reason": "Too dear"},
        optional={"reason"},
    ),
]

CUSTOMER_OPTIONAL = {name for name in CUSTOMER if name not in ("name", "locale", "currency")}
FORMS += [
    FormCase(
        customer_forms.CustomerForm,
        owner_page("/panel/customers/new"),
        CUSTOMER,
        optional=CUSTOMER_OPTIONAL,
        long_text={"notes"},  # notes may run to 5,000 characters (tested with the customers)
    ),
    FormCase(
        customer_forms.CustomerForm,
        customer_page,
        CUSTOMER,
        optional=CUSTOMER_OPTIONAL,
        long_text={"notes"},
    ),
    FormCase(customer_forms.EraseForm, erase_page, {"confirm": "y"}),
    FormCase(
        customer_forms.SearchForm,
        owner_page("/panel/customers/"),
        {"q": "Zebulon"},
        optional={"q"},
        sent_with_get=True,
    ),
]

PAYMENT_FILTERS = {
    "q": "Ada",
    "status": "succeeded",
    "method": "card",
    "currency": "SEK",
    "document": "payment_link",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "sort": "largest",
    "customer": "12",
}


def paid_payment_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The page of a SEK 125 card payment that succeeded, where the refund form is."""
    from tests.integration.test_refunds import paid_by_card

    _account, payment_id, _intent = paid_by_card(client, app, session_sandbox())
    return f"/panel/payments/{payment_id}"


def subscription_page(client: FlaskClient, app: Flask, _mailbox: Mailbox) -> str:
    """The page of a monthly subscription of the signed-in owner's customer."""
    sign_up(client, email="owner@example.com")
    return f"/panel/subscriptions/{started_subscription(app)}"


def subscription_lines_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    """The lines page of that subscription, with a monthly EUR product (id 1) to add."""
    subscription = subscription_page(client, app, mailbox)
    add_currency(client, "EUR")
    made = add_product(client, "Tea club", "EUR", "5.00", interval="month")
    assert made.status_code == 302, made.get_data(as_text=True)
    return subscription + "/lines"


def subscription_edit_page(path: str) -> Callable[[FlaskClient, Flask, Mailbox], str]:
    return lambda client, app, mailbox: subscription_page(client, app, mailbox) + path


# The lines forms' shared fields: the change from the next period, past the 2-day rule (its
# next charge is today), from the page that showed no change yet.
LINE_RULES = {"timing": "next_period", "override": "y", "version": "0"}


def portal_link_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    """The page of the portal link the owner emailed their subscriber."""
    page = subscription_page(client, app, mailbox)
    assert post_form(client, page, page + "/portal-link", {}).status_code == 302
    return urlsplit(emailed_link("grace@example.com", path="/portal/open/")).path


def ask_portal_link_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    """A seller's "email me a link" page (in the owner's browser; a failed charge's email
    leads a customer there)."""
    sign_up(client, email="owner@example.com")
    with app.app_context():
        public_id = db.session.scalars(select(Merchant.public_id)).one()
    return f"/portal/ask/{public_id}"


def portal_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    """The subscriber's portal, opened with the link (in the owner's browser)."""
    link = portal_link_page(client, app, mailbox)
    assert post_form(client, link, link, {}).status_code == 302
    return "/portal/"


def stored_event_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    """The events page of a merchant whose card payment's event Kassa stored (a delivery that
    failed): replaying it is the form. The page lists events before the id in ``before``."""
    from tests.integration.test_refunds import paid_by_card
    from tests.integration.test_webhook_probes import paid_event

    sandbox = session_sandbox()
    account, payment_id, intent_id = paid_by_card(client, app, sandbox)
    event_id = json.loads(paid_event(sandbox, account, intent_id))["id"]
    with app.app_context():
        payment = db.session.get_one(Payment, payment_id)
        event = WebhookEvent(
            merchant_id=payment.merchant_id,
            stripe_event_id=event_id,
            type="payment_intent.succeeded",
            error="GatewayError: down",
        )
        db.session.add(event)
        db.session.commit()
        return f"/panel/settings/payments/events?before={event.id + 1}"


FORMS += [
    FormCase(payment_forms.ReplayEventForm, stored_event_page, {}),
    FormCase(
        payment_forms.RefundForm,
        paid_payment_page,
        {"amount": "10", "reason": "requested_by_customer", "request": "rfd_one_request"},
        optional={"reason"},
    ),
    FormCase(payment_forms.ResendReceiptForm, paid_payment_page, {}),
    FormCase(
        payment_forms.PaymentFilterForm,
        owner_page("/panel/payments"),
        PAYMENT_FILTERS,
        optional=set(PAYMENT_FILTERS),  # each filter may be left out; the order is the newest
        sent_with_get=True,
    ),
    FormCase(
        report_forms.RevenueReportForm,
        owner_page("/panel/reports/"),
        {"period": "week", "start": "2026-01-05", "end": "2026-03-01"},
        optional={"period", "start", "end"},  # left out: this year so far, by month
        sent_with_get=True,
    ),
    FormCase(
        report_forms.ExportFormatForm,
        owner_page("/panel/reports/exports"),
        {"delimiter": ";", "decimal_mark": ","},
    ),
    FormCase(
        report_forms.ExportForm,
        owner_page("/panel/reports/exports"),
        {
            "kind": "payments",
            "status": "succeeded",
            "method": "card",
            "currency": "SEK",
            "document_type": "cart",
            "start": "2026-01-05",
            "end": "2026-02-01",
        },
        # left out: payments, and a filter left out does not narrow
        optional={"kind", "status", "method", "currency", "document_type", "start", "end"},
    ),
    FormCase(
        subscription_forms.SubscriptionFilterForm,
        owner_page("/panel/subscriptions/"),
        {"status": "active", "q": "grace"},
        optional={"status", "q"},
        sent_with_get=True,
    ),
    FormCase(
        subscription_forms.PauseForm,
        subscription_page,
        {"until": (date.today() + timedelta(days=30)).isoformat()},
        optional={"until"},  # left out: until resumed
    ),
    FormCase(subscription_forms.ActionForm, subscription_page, {}),
    FormCase(
        subscription_forms.CancelForm,
        subscription_page,
        {"when": "period_end", "reason": "Moving abroad"},
        optional={"reason"},
    ),
    FormCase(
        subscription_forms.BillingAddressForm,
        subscription_page,
        {
            "billing_line1": "Storgatan 1",
            "billing_line2": "",
            "billing_postal_code": "111 22",
            "billing_city": "Stockholm",
            "billing_state": "",
            "billing_country": "SE",
            "override": "y",  # its next charge is today
        },
        optional={
            "billing_line1",
            "billing_line2",
            "billing_postal_code",
            "billing_city",
            "billing_state",
            "billing_country",
            "override",
        },
    ),
    FormCase(
        subscription_forms.LineQuantityForm,
        subscription_lines_page,
        {"line": "0", "quantity": "2", **LINE_RULES},
    ),
    FormCase(
        subscription_forms.RemoveLineForm,
        subscription_lines_page,
        {"line": "0", **LINE_RULES},  # its only line: refused in words, as is every bad value
    ),
    FormCase(
        subscription_forms.AddLineForm,
        subscription_lines_page,
        {"product": "1", "quantity": "2", **LINE_RULES},
    ),
    FormCase(
        subscription_forms.NextChargeForm,
        subscription_edit_page("/next-charge"),
        {"on": (date.today() + timedelta(days=20)).isoformat(), "override": "y"},
    ),
    FormCase(
        subscription_forms.ContactForm,
        subscription_edit_page("/contact"),
        {"name": "Grace Hopper", "email": "grace@example.com", "override": "y"},
        optional={"name"},
    ),
    FormCase(portal_forms.OpenForm, portal_link_page, {}),
    FormCase(
        portal_forms.PortalCancelForm, portal_page, {"reason": "Too much"}, optional={"reason"}
    ),
    FormCase(portal_forms.PortalActionForm, portal_page, {}),
    FormCase(portal_forms.AskLinkForm, ask_portal_link_page, {"email": "grace@example.com"}),
]

FORMS += [
    FormCase(
        billing_import_forms.StartRunForm,
        import_from_stripe_page,
        {"kind": "import", "import_charges": "y"},
        optional={"kind", "import_charges"},  # left out: a dry run; subscriptions only
    ),
]

BILLING_SETTINGS = {
    "card_retry_days": "1, 3, 5, 7", "retry_bank_debits": "y", "after_last_try": "cancel",
    "reminder_week": "0", "reminder_month": "3", "reminder_quarter": "7", "reminder_year": "14",
    "customers_may_cancel": "y", "customers_may_pause": "y",
}  # fmt: skip
FORMS += [
    FormCase(
        billing_forms.BillingSettingsForm,
        owner_page("/panel/subscriptions/settings"),
        BILLING_SETTINGS,
        optional={
            "card_retry_days",
            "retry_bank_debits",
            "customers_may_cancel",
            "customers_may_pause",
        },
    ),
]


def test_every_form_is_covered() -> None:
    for module in sorted(Path(app_package.__file__).parent.rglob("forms.py")):
        importlib.import_module(".".join(module.relative_to(PROJECT_ROOT).with_suffix("").parts))

    def subclasses(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    covered = {case.form for case in FORMS}
    assert subclasses(KassaForm) - covered == set()


def cases() -> list[tuple[FormCase, str, str]]:
    result = []
    for case in FORMS:
        for name in case.valid:
            result.extend((case, name, kind) for kind in BAD_VALUES)
    return result


def _sandbox_keys(sandbox: StripeSandbox) -> dict[str, str]:
    account = sandbox.create_account()
    return {"secret_key": account.secret_key, "publishable_key": account.publishable_key}


ACTIONS = {
    merchant_forms.InviteForm: "/panel/team/invitations",
    processor_forms.StripeKeysForm: "/panel/settings/payments/verify",
    processor_forms.ConfirmConnectionForm: "/panel/settings/payments/connect",
    processor_forms.SigningSecretForm: "/panel/settings/payments/webhooks/secret",
    storefront_forms.ListingCategoryForm: "/panel/settings/storefront/products/1/category",
    storefront_forms.CartQuantityForm: "/s/acme/cart/quantity",
    storefront_forms.RemoveLineForm: "/s/acme/cart/remove",
    storefront_forms.CartDiscountForm: "/s/acme/cart/discount",
    storefront_forms.ShopCurrencyForm: "/s/acme/currency",
    invoice_delivery_forms.SendInvoiceForm: "/panel/invoices/1/send",
    report_forms.ExportFormatForm: "/panel/reports/exports/format",
    report_forms.ExportForm: "/panel/reports/exports",
    portal_forms.PortalCancelForm: "/portal/subscriptions/1/cancel",
    portal_forms.PortalActionForm: "/portal/subscriptions/1/pause",
}


ACTIONS_BELOW_PAGE = {
    catalog_forms.PriceForm: "/prices",
    link_forms.LineForm: "/lines",
    checkout_forms.QuantityForm: "/quantity",
    checkout_forms.DiscountCodeForm: "/discount",
    checkout_forms.MethodForm: "/method",
    checkout_forms.CountryForm: "/country",
    checkout_forms.BuyerForm: "/details",
    settings_forms.PolicyConsentForm: "/consent",
    storefront_forms.AddToCartForm: "/add",
    PayInvoiceForm: "/pay",
    invoice_forms.ManualPaymentForm: "/payments",
    invoice_forms.VoidForm: "/void",
    quote_forms.AcceptQuoteForm: "/accept",
    quote_forms.DeclineQuoteForm: "/decline",
    quote_forms.PayQuoteForm: "/pay",
    payment_forms.RefundForm: "/refund",
    payment_forms.ResendReceiptForm: "/receipt",
    subscription_forms.PauseForm: "/pause",
    subscription_forms.ActionForm: "/portal-link",
    subscription_forms.CancelForm: "/cancel",
    subscription_forms.BillingAddressForm: "/billing-address",
    subscription_forms.LineQuantityForm: "/quantity",
    subscription_forms.RemoveLineForm: "/remove",
    subscription_forms.AddLineForm: "/add",
}


def action_of(case: FormCase, url: str) -> str:
    """Where the form posts, when that is not the page it is on."""
    if case.form is payment_forms.ReplayEventForm:  # the event the page lists first
        listed_before = int(url.rsplit("before=", 1)[1])
        return f"/panel/settings/payments/events/{listed_before - 1}/replay"
    if case.form in ACTIONS_BELOW_PAGE:
        return url + ACTIONS_BELOW_PAGE[case.form]
    return ACTIONS.get(case.form, url)


@pytest.mark.parametrize(
    ("case", "field_name", "kind"),
    cases(),
    ids=[f"{c.form.__name__}-{f}-{k}" for c, f, k in cases()],
)
def test_bad_value_gets_a_clear_error(
    case: FormCase,
    field_name: str,
    kind: str,
    client: FlaskClient,
    app: Flask,
    mailbox: Mailbox,
    stripe_sandbox: StripeSandbox,
) -> None:
    url = case.page(client, app, mailbox)
    valid = {**case.valid, **(case.live_valid(stripe_sandbox) if case.live_valid else {})}
    data = {**valid, field_name: BAD_VALUES[kind]}
    response = _post(client, case, url, data)
    body = response.get_data(as_text=True)

    assert response.status_code < 500
    assert SCRIPT not in body, "markup was echoed back unescaped"
    accepted = (
        (kind == "empty" and field_name in case.optional)
        or (kind == "script" and field_name in case.accepts_markup)
        or (kind == "overlong" and field_name in case.long_text)
    )
    if accepted:
        return
    if case.refuses_by_redirect:
        assert 'class="alert alert-error"' in body, f"{kind} {field_name} was accepted"
        return
    assert response.status_code in (400, 422), f"{kind} {field_name} was accepted"
    has_field_error = f'id="{field_name}-error"' in body
    has_form_error = 'class="alert alert-error" role="alert"' in body
    assert has_field_error or has_form_error
    for other, value in valid.items():
        if other != field_name and other not in case.secret and value:
            assert (
                f'value="{value}"' in body
                or f'<option selected value="{value}"' in body
                or (f'value="{value}" selected' in body)
                or f"{value}</textarea>" in body
            ), f"{other} lost what was typed"


# The same forms, tried the other ways people and probes send them: with a field left out,
# with dates at the ends of the calendar, twice in a row (a row that exists already), and with
# settings the pricing engine refuses. Never a server error; a refusal says why.


def _post(client: FlaskClient, case: FormCase, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """Send the form as a browser does: posted with its page's CSRF token, or for a form sent
    with GET, its fields in the query string."""
    from tests.conftest import csrf_token_from

    if case.sent_with_get:
        return client.get(url, query_string=data)
    token = csrf_token_from(client.get(url, follow_redirects=True).get_data(as_text=True))
    return client.post(
        action_of(case, url),
        data={"csrf_token": token, **data},
        follow_redirects=case.refuses_by_redirect,
    )


def _valid(case: FormCase, sandbox: StripeSandbox) -> dict[str, str]:
    return {**case.valid, **(case.live_valid(sandbox) if case.live_valid else {})}


def _refused_with_a_reason(case: FormCase, response) -> bool:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    if case.refuses_by_redirect:
        return 'class="alert alert-error"' in body
    return response.status_code in (400, 422) and (
        'class="field-error"' in body or 'class="alert alert-error" role="alert"' in body
    )


# A radio group always has one option chosen: a post without it leaves the setting as it was.
KEPT_WHEN_MISSING = {
    (settings_forms.CheckoutForm, name) for name in ("billing_address", "shipping_address", "phone")
}


def missing_cases() -> list[tuple[FormCase, str]]:
    return [(case, name) for case in FORMS for name in case.valid]


@pytest.mark.parametrize(
    ("case", "field_name"),
    missing_cases(),
    ids=[f"{c.form.__name__}-{f}" for c, f in missing_cases()],
)
def test_a_missing_field_is_empty_never_a_server_error(
    case: FormCase,
    field_name: str,
    client: FlaskClient,
    app: Flask,
    mailbox: Mailbox,
    stripe_sandbox: StripeSandbox,
) -> None:
    """A post without one of the form's fields, as a script (not a browser) sends it: the
    field counts as left empty, so a required one is refused beside it."""
    url = case.page(client, app, mailbox)
    data = {k: v for k, v in _valid(case, stripe_sandbox).items() if k != field_name}
    response = _post(client, case, url, data)
    assert response.status_code < 500
    if field_name not in case.optional and (case.form, field_name) not in KEPT_WHEN_MISSING:
        assert _refused_with_a_reason(case, response), f"{field_name} left out was accepted"


def _date_fields(form: type[KassaForm]) -> list[str]:
    return [
        name
        for cls in form.__mro__
        for name, value in vars(cls).items()
        if isinstance(value, UnboundField) and issubclass(value.field_class, DateInputField)
    ]


def date_cases() -> list[tuple[FormCase, str, str]]:
    return [
        (case, name, value)
        for case in FORMS
        for name in _date_fields(case.form)
        for value in ("9999-12-31", "0001-01-01", "2026-02-30", "2126-13-01")
    ]


@pytest.mark.parametrize(
    ("case", "field_name", "value"),
    date_cases(),
    ids=[f"{c.form.__name__}-{f}-{v}" for c, f, v in date_cases()],
)
def test_dates_at_the_ends_of_the_calendar_get_a_clear_error(
    case: FormCase,
    field_name: str,
    value: str,
    client: FlaskClient,
    app: Flask,
    mailbox: Mailbox,
    stripe_sandbox: StripeSandbox,
) -> None:
    url = case.page(client, app, mailbox)
    response = _post(client, case, url, {**_valid(case, stripe_sandbox), field_name: value})
    assert response.status_code == 422, f"{field_name}={value} was accepted"
    assert _refused_with_a_reason(case, response)


# Forms whose second identical post would duplicate a row that must stay unique: a second fee
# for the same method and currency (finding 1), the same code, the same currency.
REFUSE_DUPLICATES = {settings_forms.FeeForm, settings_forms.DiscountForm,
                     settings_forms.CurrencyForm}  # fmt: skip


# Forms that use up what their page offers (a portal link opens once).
SINGLE_USE = {portal_forms.OpenForm}


@pytest.mark.parametrize("case", FORMS, ids=[c.form.__name__ for c in FORMS])
def test_the_same_post_twice_never_fails(
    case: FormCase,
    client: FlaskClient,
    app: Flask,
    mailbox: Mailbox,
    stripe_sandbox: StripeSandbox,
) -> None:
    """A double submit, or a second tab saving what the first saved: a row that exists already."""
    url = case.page(client, app, mailbox)
    valid = _valid(case, stripe_sandbox)
    if case.form in SINGLE_USE:  # the second post, from the page shown before the first: gone
        from tests.conftest import csrf_token_from

        token = csrf_token_from(client.get(url).get_data(as_text=True))
        posts = [client.post(url, data={"csrf_token": token, **valid}) for _ in range(2)]
        assert [post.status_code for post in posts] == [302, 410]
        return
    first = _post(client, case, url, valid)
    second = _post(client, case, url, valid)
    assert first.status_code < 500 and second.status_code < 500
    if case.form in REFUSE_DUPLICATES:
        assert first.status_code == 302
        assert second.status_code == 422 and _refused_with_a_reason(case, second)


def _case_of(form: type[KassaForm]) -> FormCase:
    return next(case for case in FORMS if case.form is form)


# Settings the pricing engine refuses (or that no buyer could ever pay), sent through the forms.
ENGINE_REFUSED = [
    (settings_forms.FeeForm, {"percent": "50.01", "gross_up": "y"}),
    (settings_forms.FeeForm, {"percent": "99.99", "gross_up": "y"}),
    (settings_forms.FeeForm, {"percent": "100", "gross_up": "y"}),
    (settings_forms.FeeForm, {"percent": "100.01", "gross_up": ""}),
    (settings_forms.DiscountForm, {"percent": "100", "amount": ""}),
    (settings_forms.TaxRateForm, {"percent": "100.01"}),
    (catalog_forms.NewProductForm, {"interval_count": "0"}),
    (catalog_forms.NewProductForm, {"first_charge_on": "2099-01-01", "trial_days": "14"}),
    (catalog_forms.NewProductForm, {"amount": "-1"}),
    (catalog_forms.PriceForm, {"amount": "-5"}),
    (link_forms.NewLinkForm, {"amount": "0"}),
    (link_forms.NewLinkForm, {"amount": "1", "adjustable_quantity": ""}),
    (link_forms.NewLinkForm, {"amount": "999999", "quantity": "2", "min_quantity": "2"}),
    (link_forms.LineForm, {"amount": "999999", "quantity": "2", "min_quantity": "2",
                           "optional": ""}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("form", "overrides"),
    ENGINE_REFUSED,
    ids=[f"{f.__name__}-{'-'.join(f'{k}={v}' for k, v in o.items())}" for f, o in ENGINE_REFUSED],
)
def test_settings_the_pricing_engine_refuses_are_refused_at_the_form(
    form: type[KassaForm],
    overrides: dict[str, str],
    client: FlaskClient,
    app: Flask,
    mailbox: Mailbox,
    stripe_sandbox: StripeSandbox,
) -> None:
    case = _case_of(form)
    url = case.page(client, app, mailbox)
    response = _post(client, case, url, {**_valid(case, stripe_sandbox), **overrides})
    assert response.status_code == 422, f"{overrides} was accepted"
    assert _refused_with_a_reason(case, response)
    with app.app_context():
        merchant = db.session.scalars(select(Merchant)).one()
        assert refused_settings(db.session, merchant) == []
        today = utcnow().date()
        for link in db.session.scalars(select(PaymentLink)):
            assert never_payable(link.lines, link.currency, today) is None


# The probes of finding 3, as they were sent.


def test_a_link_valid_until_9999_12_31_is_refused_not_a_server_error(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    url = link_page(client, app, mailbox)
    case = _case_of(link_forms.LinkForm)
    response = _post(client, case, url, {**LINK_DETAILS, "last_day": "9999-12-31"})
    assert response.status_code == 422
    assert "Choose a date within 100 years." in response.get_data(as_text=True)


def test_a_code_valid_until_9999_12_31_is_refused_not_a_server_error(
    client: FlaskClient, app: Flask, mailbox: Mailbox, stripe_sandbox: StripeSandbox
) -> None:
    case = _case_of(settings_forms.DiscountForm)
    url = case.page(client, app, mailbox)
    response = _post(client, case, url, {**case.valid, "expires_on": "9999-12-31"})
    assert response.status_code == 422
    assert "Choose a date within 100 years." in response.get_data(as_text=True)


def test_a_product_form_without_interval_count_is_refused_not_a_server_error(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    url = product_page(client, app, mailbox)
    case = _case_of(catalog_forms.ProductForm)
    data = {k: v for k, v in PRODUCT_DETAILS.items() if k != "interval_count"}
    response = _post(client, case, url, data)
    assert response.status_code == 422
    assert 'id="interval_count-error"' in response.get_data(as_text=True)


def test_a_20000_pixel_square_png_is_refused_for_its_size(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    from tests.conftest import csrf_token_from

    url = product_page(client, app, mailbox)
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, **PRODUCT_DETAILS,
              "image": (io.BytesIO(png_declaring(20_000, 20_000)), "huge.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose an image of at most 4000 pixels wide and high." in body
    assert "Choose a PNG, JPEG or WebP image." not in body


@pytest.mark.parametrize("field_name", sorted(PAYMENT_FILTERS))
def test_the_payment_totals_refuse_bad_filters_with_reasons(
    field_name: str, client: FlaskClient
) -> None:
    """The totals the payments index loads take the same filters: each bad value is a 422 that
    names the field, never a server error (the empty value is "any")."""
    sign_up(client, email="owner@example.com")
    for kind, value in BAD_VALUES.items():
        query = {**PAYMENT_FILTERS, field_name: value}
        response = client.get("/panel/payments/totals", query_string=query)
        body = response.get_data(as_text=True)
        assert SCRIPT not in body
        if kind == "empty":
            assert response.status_code == 200 if field_name != "sort" else 422
            continue
        assert response.status_code == 422, (field_name, kind)
        assert 'class="alert alert-error" role="alert"' in body


def test_a_quotes_method_pages_refuse_what_cannot_be_saved_and_ignore_a_forged_setup_intent(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    """The method page of a quote not accepted (or with nothing to save) sends the customer
    back to the quote with the reason; the return page reads the quote's own SetupIntent, never
    one named in the address, so a forged or mistyped ``setup_intent`` saves nothing."""
    page = quote_buyer_page(client, app, mailbox)
    refused = client.get(f"{page}/method")
    assert refused.status_code == 302 and refused.headers["Location"] == page
    shown = client.get(page).get_data(as_text=True)
    assert "There is no payment method to save on this quote now." in shown
    for forged in ("seti_of_another_quote", SCRIPT, "", "x" * 5000):
        back = client.get(f"{page}/method/return", query_string={"setup_intent": forged})
        assert back.status_code == 302 and back.headers["Location"] == page
    with app.app_context():
        quote = db.session.scalars(select(Quote)).one()
        assert quote.saved_method_id == "" and quote.setup_intent_id == ""


# Numbers in a query string as a careless or hostile visitor types them: "¹" passes
# str.isdigit() and fails int(); a negative page makes a negative OFFSET; the last two are
# beyond PostgreSQL's bigint.
HOSTILE_NUMBERS = ["-1", "0", "¹", "١٢", "1e3", "9223372036854775808", "9" * 30]
NUMBERED_PAGES = [
    "/panel/customers/",
    "/panel/invoices/",
    "/panel/invoices/new",
    "/panel/quotes/",
    "/panel/quotes/new",
    "/panel/subscriptions/",
    "/panel/payments",
    "/panel/payments/totals",
    "/panel/settings/payments/events",
]


@pytest.mark.parametrize("path", NUMBERED_PAGES)
def test_numbers_in_the_address_never_make_a_server_error(path: str, client: FlaskClient) -> None:
    sign_up(client, email="owner@example.com")
    for value in HOSTILE_NUMBERS:
        query = {"page": value, "customer": value, "before": value}
        response = client.get(path, query_string=query)
        assert response.status_code in (200, 422), (path, value, response.status_code)
