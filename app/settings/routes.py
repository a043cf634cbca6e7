"""The settings pages of the merchant panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from app.core.methods import PaymentMethod
from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.merchants.scoping import get_owned_or_404
from app.merchants.service import ServiceError
from app.settings import blueprint, service
from app.settings.forms import BrandingForm, CheckoutForm, CurrencyForm, FeeForm, TaxRateForm
from app.settings.labels import METHOD_LABELS, unavailable_reason
from app.settings.models import Collect, Fee, TaxRate
from app.web.forms import KassaForm
from app.web.rendering import render, render_after_change


@dataclass(frozen=True)
class SettingsSection:
    label: LazyString
    description: LazyString
    endpoint: str


SETTINGS_SECTIONS: tuple[SettingsSection, ...] = (
    SettingsSection(
        _l("Checkout"),
        _l("Accepted payment methods, addresses and phone."),
        "settings.checkout",
    ),
    SettingsSection(_l("Currencies"), _l("The currencies you sell in."), "settings.currencies"),
    SettingsSection(_l("Fees"), _l("Surcharges for payment methods."), "settings.fees"),
    SettingsSection(_l("Taxes"), _l("Tax rates to assign to products."), "settings.taxes"),
    SettingsSection(
        _l("Branding"), _l("Name, logo and colour of your checkout pages."), "settings.branding"
    ),
    SettingsSection(_l("Password"), _l("Your login and password."), "merchants.account"),
)


def _refuse(form: KassaForm, refusal: ServiceError) -> None:
    form.add_error(refusal.field, str(refusal.message))


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


@blueprint.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout() -> Response:
    merchant = current_merchant()
    settings = service.checkout_settings(db.session, merchant)
    form = CheckoutForm(obj=settings)
    if form.validate_on_submit():
        try:
            service.update_checkout(
                db.session,
                merchant,
                methods=[PaymentMethod(m) for m in form.payment_methods.data or []],
                save_payment_methods=bool(form.save_payment_methods.data),
                billing_address=Collect(form.billing_address.data),
                shipping_address=Collect(form.shipping_address.data),
                phone=Collect(form.phone.data),
            )
        except ServiceError as refusal:
            _refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Checkout settings saved."), "success")
            return render_after_change(
                "settings/_checkout.html",
                url_for("settings.checkout"),
                **_checkout_context(CheckoutForm(formdata=None, obj=settings)),
            )
    status = 422 if form.has_errors() else 200
    return render(
        "settings/checkout.html",
        "settings/_checkout.html",
        status=status,
        **_checkout_context(form),
    )


# Currencies


def _currencies_context(form: CurrencyForm | None = None) -> dict[str, Any]:
    merchant = current_merchant()
    return {
        "currencies": service.account_currencies(db.session, merchant),
        "default_currency": merchant.default_currency,
        "form": form or CurrencyForm(formdata=None),
    }


@blueprint.get("/currencies")
@login_required
def currencies() -> Response:
    return render("settings/currencies.html", "settings/_currencies.html", **_currencies_context())


def _currency_change(change: Any, done_message: str) -> Response:
    form = CurrencyForm()
    if form.validate_on_submit():
        code = form.currency.data or ""
        try:
            change(db.session, current_merchant(), code)
        except ServiceError as refusal:
            _refuse(form, refusal)
        else:
            db.session.commit()
            flash(done_message % {"currency": code}, "success")
            return render_after_change(
                "settings/_currencies.html", url_for("settings.currencies"), **_currencies_context()
            )
    return render(
        "settings/currencies.html",
        "settings/_currencies.html",
        status=422,
        **_currencies_context(form),
    )


@blueprint.post("/currencies")
@login_required
def add_currency() -> Response:
    return _currency_change(service.add_currency, _("%(currency)s added."))


@blueprint.post("/currencies/remove")
@login_required
def remove_currency() -> Response:
    return _currency_change(service.remove_currency, _("%(currency)s removed."))


# Fees


def _fee_form(**kwargs: Any) -> FeeForm:
    return FeeForm(currencies=service.account_currencies(db.session, current_merchant()), **kwargs)


def _fees_context(form: FeeForm | None = None) -> dict[str, Any]:
    return {
        "fees": service.list_fees(db.session, current_merchant()),
        "form": form or _fee_form(formdata=None),
        "method_labels": METHOD_LABELS,
    }


@blueprint.get("/fees")
@login_required
def fees() -> Response:
    return render("settings/fees.html", "settings/_fees.html", **_fees_context())


@blueprint.post("/fees")
@login_required
def add_fee() -> Response:
    form = _fee_form()
    if form.validate_on_submit():
        try:
            service.add_fee(
                db.session,
                current_merchant(),
                name=form.name.data or "",
                method=PaymentMethod(form.method.data),
                fixed=form.fixed_amount.money,
                percent_bps=form.percent.basis_points,
                gross_up=bool(form.gross_up.data),
            )
        except ServiceError as refusal:
            _refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Fee added."), "success")
            return render_after_change(
                "settings/_fees.html", url_for("settings.fees"), **_fees_context()
            )
    return render("settings/fees.html", "settings/_fees.html", status=422, **_fees_context(form))


@blueprint.post("/fees/<int:fee_id>/remove")
@login_required
def remove_fee(fee_id: int) -> Response:
    service.remove_fee(db.session, get_owned_or_404(Fee, fee_id))
    db.session.commit()
    flash(_("Fee removed."), "info")
    return render_after_change("settings/_fees.html", url_for("settings.fees"), **_fees_context())


# Tax rates


def _taxes_context(form: TaxRateForm | None = None) -> dict[str, Any]:
    return {
        "tax_rates": service.list_tax_rates(db.session, current_merchant()),
        "form": form or TaxRateForm(formdata=None),
    }


@blueprint.get("/taxes")
@login_required
def taxes() -> Response:
    return render("settings/taxes.html", "settings/_taxes.html", **_taxes_context())


@blueprint.post("/taxes")
@login_required
def add_tax_rate() -> Response:
    form = TaxRateForm()
    if form.validate_on_submit():
        service.add_tax_rate(
            db.session,
            current_merchant(),
            name=form.name.data or "",
            percent_bps=form.percent.basis_points or 0,
            inclusive=bool(form.inclusive.data),
            country=form.country.data or None,
        )
        db.session.commit()
        flash(_("Tax rate added."), "success")
        return render_after_change(
            "settings/_taxes.html", url_for("settings.taxes"), **_taxes_context()
        )
    return render("settings/taxes.html", "settings/_taxes.html", status=422, **_taxes_context(form))


@blueprint.post("/taxes/<int:tax_rate_id>/remove")
@login_required
def remove_tax_rate(tax_rate_id: int) -> Response:
    service.remove_tax_rate(db.session, get_owned_or_404(TaxRate, tax_rate_id))
    db.session.commit()
    flash(_("Tax rate removed."), "info")
    return render_after_change(
        "settings/_taxes.html", url_for("settings.taxes"), **_taxes_context()
    )


# Branding


@blueprint.route("/branding", methods=["GET", "POST"])
@login_required
def branding() -> Response:
    merchant = current_merchant()
    settings = service.checkout_settings(db.session, merchant)
    form = BrandingForm(obj=settings)
    if form.validate_on_submit():
        try:
            service.update_branding(
                db.session,
                merchant,
                display_name=form.display_name.data or "",
                accent_color=form.accent_color.data or "",
                logo=form.logo.image_bytes,
                remove_logo=bool(form.remove_logo.data),
            )
        except ServiceError as refusal:
            _refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Branding saved."), "success")
            return redirect(url_for("settings.branding"))
    status = 422 if form.has_errors() else 200
    return render(
        "settings/branding.html",
        status=status,
        form=form,
        settings=settings,
        readable=service.accent_is_readable(settings),
    )
