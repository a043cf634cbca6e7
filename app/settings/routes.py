"""The settings pages of the merchant panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

# The module, not its function: the catalog's models import the settings package while the
# catalog's service is still loading.
from app.catalog import service as catalog_service
from app.core.methods import PaymentMethod
from app.core.pricing import Refusal
from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.merchants.business import stored_details, update_business_details
from app.merchants.models import Merchant
from app.merchants.scoping import get_owned_or_404
from app.settings import blueprint, service
from app.settings.forms import (
    BrandingForm,
    BusinessDetailsForm,
    CheckoutForm,
    CurrencyForm,
    CustomFieldForm,
    DiscountForm,
    FeeForm,
    PolicyConsentForm,
    PolicyForm,
    TaxRateForm,
)
from app.settings.labels import (
    CUSTOM_FIELD_LABELS,
    METHOD_LABELS,
    POLICY_LABELS,
    SETTING_REFUSALS,
    unavailable_reason,
)
from app.settings.models import (
    CheckoutSettings,
    Collect,
    CustomField,
    CustomFieldKind,
    Discount,
    Fee,
    PolicyKind,
    TaxRate,
)
from app.web.form_views import ListPage, submit_form
from app.web.i18n import locale_name, shipped_locales
from app.web.rendering import render, render_after_change


@dataclass(frozen=True)
class SettingsSection:
    label: LazyString
    description: LazyString
    endpoint: str


SETTINGS_SECTIONS: tuple[SettingsSection, ...] = (
    SettingsSection(
        _l("Stripe account"),
        _l("Connect or disconnect the Stripe account that takes your payments."),
        "processors.payments",
    ),
    SettingsSection(
        _l("Checkout"),
        _l("Accepted payment methods, addresses and phone."),
        "settings.checkout",
    ),
    SettingsSection(_l("Currencies"), _l("The currencies you sell in."), "settings.currencies"),
    SettingsSection(_l("Fees"), _l("Surcharges for payment methods."), "settings.fees"),
    SettingsSection(_l("Taxes"), _l("Tax rates to assign to products."), "settings.taxes"),
    SettingsSection(
        _l("Policies"), _l("Terms, refunds and cancellations, and consent."), "settings.policies"
    ),
    SettingsSection(
        _l("Custom fields"), _l("Up to five questions the checkout asks."), "settings.custom_fields"
    ),
    SettingsSection(_l("Discounts"), _l("Codes buyers type for money off."), "settings.discounts"),
    SettingsSection(
        _l("Business details"),
        _l("Legal name, address and VAT number that your invoices show."),
        "settings.business",
    ),
    SettingsSection(
        _l("Branding"), _l("Name, logo and colour of your checkout pages."), "settings.branding"
    ),
    SettingsSection(
        _l("Storefront"),
        _l("Your public shop: its address, texts, products and categories."),
        "storefront.settings",
    ),
    SettingsSection(
        _l("Import from Stripe"),
        _l("Move your subscriptions from Stripe Billing to Kassa."),
        "billing_import.index",
    ),
    SettingsSection(_l("Password"), _l("Your login and password."), "merchants.account"),
)


@blueprint.get("/")
@login_required
def hub() -> Response:
    return render("settings/hub.html", sections=SETTINGS_SECTIONS)


# Checkout: methods, addresses, phone


def _checkout_context(form: CheckoutForm) -> dict[str, Any]:
    merchant = current_merchant()
    options = service.method_options(db.session, merchant)
    return {
        "form": form,
        "connected": service.connected_account(db.session, merchant) is not None,
        "method_notes": {
            o.method.value: unavailable_reason(o.method, o.unavailable)
            for o in options
            if o.unavailable
        },
    }


def _update_checkout(merchant: Merchant, form: CheckoutForm) -> None:
    service.update_checkout(
        db.session,
        merchant,
        methods=[PaymentMethod(m) for m in form.payment_methods.data or []],
        billing_address=Collect(form.billing_address.data),
        shipping_address=Collect(form.shipping_address.data),
        phone=Collect(form.phone.data),
    )


@blueprint.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout() -> Response:
    merchant = current_merchant()
    settings = service.checkout_settings(db.session, merchant)
    form = CheckoutForm(obj=settings)
    return submit_form(
        form,
        lambda: _update_checkout(merchant, form),
        message=_("Checkout settings saved."),
        on_success=lambda _result: render_after_change(
            "settings/_checkout.html",
            url_for("settings.checkout"),
            **_checkout_context(CheckoutForm(formdata=None, obj=settings)),
        ),
        template="settings/checkout.html",
        partial="settings/_checkout.html",
        context=lambda: _checkout_context(form),
    )


# Currencies


def _currencies_context(form: CurrencyForm | None = None) -> dict[str, Any]:
    merchant = current_merchant()
    return {
        "currencies": service.account_currencies(db.session, merchant),
        "default_currency": merchant.default_currency,
        "form": form or CurrencyForm(formdata=None),
    }


CURRENCIES = ListPage(
    "settings/currencies.html",
    "settings/_currencies.html",
    "settings.currencies",
    _currencies_context,
)


@blueprint.get("/currencies")
@login_required
def currencies() -> Response:
    return CURRENCIES.show()


@blueprint.post("/currencies")
@login_required
def add_currency() -> Response:
    form = CurrencyForm()
    code = form.currency.data or ""
    return CURRENCIES.submit(
        form,
        lambda: service.add_currency(db.session, current_merchant(), code),
        _("%(currency)s added.", currency=code),
    )


@blueprint.post("/currencies/remove")
@login_required
def remove_currency() -> Response:
    form = CurrencyForm()
    code = form.currency.data or ""
    return CURRENCIES.submit(
        form,
        lambda: service.remove_currency(db.session, current_merchant(), code),
        _("%(currency)s removed.", currency=code),
    )


# Fees


def _fee_form(**kwargs: Any) -> FeeForm:
    return FeeForm(currencies=service.account_currencies(db.session, current_merchant()), **kwargs)


def _refused(*kinds: Refusal) -> dict[str, Any]:
    """The stored settings of these kinds that the pricing engine refuses, for the page's
    warning (the forms keep them out; an old database or two tabs saving at once may not)."""
    refused = catalog_service.refused_settings(db.session, current_merchant())
    return {
        "refused": [item for item in refused if item.refusal in kinds],
        "refusal_messages": SETTING_REFUSALS,
    }


def _fees_context(form: FeeForm | None = None) -> dict[str, Any]:
    return {
        "fees": service.list_fees(db.session, current_merchant()),
        "form": form or _fee_form(formdata=None),
        "method_labels": METHOD_LABELS,
        **_refused(Refusal.CONFLICTING_FEES, Refusal.UNUSABLE_FEE),
    }


FEES = ListPage("settings/fees.html", "settings/_fees.html", "settings.fees", _fees_context)


@blueprint.get("/fees")
@login_required
def fees() -> Response:
    return FEES.show()


@blueprint.post("/fees")
@login_required
def add_fee() -> Response:
    form = _fee_form()
    return FEES.submit(
        form,
        lambda: service.add_fee(
            db.session,
            current_merchant(),
            name=form.name.data or "",
            method=PaymentMethod(form.method.data),
            fixed=form.fixed_amount.money,
            percent_bps=form.percent.basis_points,
            gross_up=bool(form.gross_up.data),
        ),
        _("Fee added."),
    )


@blueprint.post("/fees/<int:fee_id>/remove")
@login_required
def remove_fee(fee_id: int) -> Response:
    service.remove_listed(db.session, get_owned_or_404(Fee, fee_id))
    return FEES.changed(_("Fee removed."))


# Tax rates


def _taxes_context(form: TaxRateForm | None = None) -> dict[str, Any]:
    return {
        "tax_rates": service.list_tax_rates(db.session, current_merchant()),
        "form": form or TaxRateForm(formdata=None),
        **_refused(Refusal.UNUSABLE_TAX_RATE),
    }


TAXES = ListPage("settings/taxes.html", "settings/_taxes.html", "settings.taxes", _taxes_context)


@blueprint.get("/taxes")
@login_required
def taxes() -> Response:
    return TAXES.show()


@blueprint.post("/taxes")
@login_required
def add_tax_rate() -> Response:
    form = TaxRateForm()
    return TAXES.submit(
        form,
        lambda: service.add_tax_rate(
            db.session,
            current_merchant(),
            name=form.name.data or "",
            percent_bps=form.percent.basis_points or 0,
            inclusive=bool(form.inclusive.data),
            country=form.country.data or None,
        ),
        _("Tax rate added."),
    )


@blueprint.post("/taxes/<int:tax_rate_id>/remove")
@login_required
def remove_tax_rate(tax_rate_id: int) -> Response:
    service.remove_listed(db.session, get_owned_or_404(TaxRate, tax_rate_id))
    return TAXES.changed(_("Tax rate removed."))


# Branding


def _branding_context(form: BrandingForm, settings: CheckoutSettings) -> dict[str, Any]:
    return {"form": form, "settings": settings, "readable": service.accent_is_readable(settings)}


@blueprint.route("/branding", methods=["GET", "POST"])
@login_required
def branding() -> Response:
    merchant = current_merchant()
    settings = service.checkout_settings(db.session, merchant)
    form = BrandingForm(obj=settings)
    return submit_form(
        form,
        lambda: service.update_branding(
            db.session,
            merchant,
            display_name=form.display_name.data or "",
            accent_color=form.accent_color.data or "",
            logo=form.logo.image_bytes,
            remove_logo=bool(form.remove_logo.data),
        ),
        message=_("Branding saved."),
        on_success=lambda _result: redirect(url_for("settings.branding")),
        template="settings/branding.html",
        context=lambda: _branding_context(form, settings),
    )


# Business details: the seller block of invoices


@blueprint.route("/business", methods=["GET", "POST"])
@login_required
def business() -> Response:
    merchant = current_merchant()
    form = BusinessDetailsForm()
    if not form.is_submitted():
        form.fill(stored_details(merchant), default_country=merchant.country)
    return submit_form(
        form,
        lambda: update_business_details(db.session, merchant, form.details()),
        message=_("Business details saved."),
        on_success=lambda _result: redirect(url_for("settings.business")),
        template="settings/business.html",
        context=lambda: {"form": form, "merchant": merchant},
    )


# Policies


def _policies_context(form: PolicyForm, consent_form: PolicyConsentForm) -> dict[str, Any]:
    merchant = current_merchant()
    return {
        "form": form,
        "consent_form": consent_form,
        "written": {(p.kind, p.locale): p for p in service.list_policies(db.session, merchant)},
        "kinds": list(PolicyKind),
        "policy_labels": POLICY_LABELS,
        "locales": [(code, locale_name(code)) for code in shipped_locales()],
    }


def _consent_form() -> PolicyConsentForm:
    settings = service.checkout_settings(db.session, current_merchant())
    return PolicyConsentForm(formdata=None, obj=settings)


@blueprint.get("/policies")
@login_required
def policies() -> Response:
    """One policy in one language is edited at a time, chosen by ``?kind=&locale=``."""
    kind = request.args.get("kind", PolicyKind.TERMS.value)
    locale = request.args.get("locale", shipped_locales()[0])
    if kind not in {k.value for k in PolicyKind} or locale not in shipped_locales():
        return redirect(url_for("settings.policies"))
    written = {(p.kind, p.locale): p for p in service.list_policies(db.session, current_merchant())}
    policy = written.get((PolicyKind(kind), locale))
    form = PolicyForm(
        formdata=None, kind=kind, locale=locale,
        url=policy.url if policy else "", text=policy.text if policy else "",
    )  # fmt: skip
    return render("settings/policies.html", **_policies_context(form, _consent_form()))


@blueprint.post("/policies")
@login_required
def save_policy() -> Response:
    form = PolicyForm()
    return submit_form(
        form,
        lambda: service.save_policy(
            db.session,
            current_merchant(),
            PolicyKind(form.kind.data),
            form.locale.data or "",
            form.url.data or "",
            form.text.data or "",
        ),
        message=_("Policy saved."),
        on_success=lambda _result: redirect(
            url_for("settings.policies", kind=form.kind.data, locale=form.locale.data)
        ),
        template="settings/policies.html",
        context=lambda: _policies_context(form, _consent_form()),
    )


@blueprint.post("/policies/consent")
@login_required
def policy_consent() -> Response:
    form = PolicyConsentForm()
    return submit_form(
        form,
        lambda: service.set_policy_consent(
            db.session, current_merchant(), bool(form.require_policy_consent.data)
        ),
        message=_("Consent setting saved."),
        on_success=lambda _result: redirect(url_for("settings.policies")),
        template="settings/policies.html",
        context=lambda: _policies_context(PolicyForm(formdata=None), form),
    )


# Custom fields


def _custom_fields_context(form: CustomFieldForm | None = None) -> dict[str, Any]:
    custom_fields = service.list_custom_fields(db.session, current_merchant())
    return {
        "custom_fields": custom_fields,
        "form": form or CustomFieldForm(formdata=None),
        "full": len(custom_fields) >= service.MAX_CUSTOM_FIELDS,
        "kind_labels": CUSTOM_FIELD_LABELS,
        "label_fields": [f"label_{code}" for code in shipped_locales()],
    }


QUESTIONS = ListPage(
    "settings/custom_fields.html",
    "settings/_custom_fields.html",
    "settings.custom_fields",
    _custom_fields_context,
)


@blueprint.get("/custom-fields")
@login_required
def custom_fields() -> Response:
    return QUESTIONS.show()


@blueprint.post("/custom-fields")
@login_required
def add_custom_field() -> Response:
    form = CustomFieldForm()
    return QUESTIONS.submit(
        form,
        lambda: service.add_custom_field(
            db.session,
            current_merchant(),
            kind=CustomFieldKind(form.kind.data),
            labels=form.labels(),
            options=(form.options.data or "").splitlines(),
            required=bool(form.required.data),
        ),
        _("Question added."),
    )


@blueprint.post("/custom-fields/<int:custom_field_id>/remove")
@login_required
def remove_custom_field(custom_field_id: int) -> Response:
    service.remove_listed(db.session, get_owned_or_404(CustomField, custom_field_id))
    return QUESTIONS.changed(_("Question removed."))


# Discounts


def _discount_form(**kwargs: Any) -> DiscountForm:
    return DiscountForm(
        currencies=service.account_currencies(db.session, current_merchant()), **kwargs
    )


def _discounts_context(form: DiscountForm | None = None) -> dict[str, Any]:
    return {
        "discounts": service.list_discounts(db.session, current_merchant()),
        "form": form or _discount_form(formdata=None),
        **_refused(Refusal.UNUSABLE_DISCOUNT),
    }


DISCOUNTS = ListPage(
    "settings/discounts.html", "settings/_discounts.html", "settings.discounts", _discounts_context
)


@blueprint.get("/discounts")
@login_required
def discounts() -> Response:
    return DISCOUNTS.show()


@blueprint.post("/discounts")
@login_required
def add_discount() -> Response:
    form = _discount_form()
    return DISCOUNTS.submit(
        form,
        lambda: service.add_discount(
            db.session,
            current_merchant(),
            code=form.code.data or "",
            percent_bps=form.percent.basis_points,
            amount=form.amount.money,
            valid_until=form.expires_on.data,
            max_redemptions=form.max_redemptions.value,
        ),
        _("Discount code added."),
    )


@blueprint.post("/discounts/<int:discount_id>/remove")
@login_required
def remove_discount(discount_id: int) -> Response:
    service.remove_listed(db.session, get_owned_or_404(Discount, discount_id))
    return DISCOUNTS.changed(_("Discount code removed."))
