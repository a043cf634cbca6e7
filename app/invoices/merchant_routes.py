"""The invoice pages of the merchant panel: the list, the editor (new, draft, or an open
invoice's revision), the invoice's page with its actions, and the invoice settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.catalog.service import list_products
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.numbers import page_number, whole_number
from app.customers.models import Customer
from app.documents.models import SeriesKind
from app.documents.numbering import peek_number, series_of
from app.extensions import db
from app.invoices import blueprint, service
from app.invoices.delivery import send_credit_note
from app.invoices.forms import InvoiceForm, InvoiceSettingsForm, ManualPaymentForm, VoidForm
from app.invoices.labels import EVENT_LABELS, MANUAL_METHOD_LABELS, SHOWN_STATUS_LABELS
from app.invoices.models import (
    CreditNote,
    Invoice,
    InvoiceDelivery,
    InvoiceStatus,
    PaymentTerms,
)
from app.invoices.service import DOCUMENT_TYPE, ShownStatus
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.business import seller_details
from app.merchants.scoping import get_owned_or_404, scoped_select
from app.payments.documents import register_document_page
from app.settings.service import accepted_methods, account_currencies, list_tax_rates
from app.web.form_views import submit_form
from app.web.i18n import number, shipped_locales
from app.web.rendering import go_to, render


def _today() -> date:
    return utcnow().date()


def _secret_key() -> str:
    return str(current_app.extensions["kassa_settings"].secret_key)


def _public_url() -> str:
    return str(current_app.extensions["kassa_settings"].public_url)


# The list


def _shown_filter() -> ShownStatus | None:
    chosen = request.args.get("status", "")
    return ShownStatus(chosen) if chosen in ShownStatus.__members__.values() else None


@blueprint.get("/")
@login_required
def invoices() -> Response:
    search = request.args.get("q", "")[:100]
    found = service.list_invoices(
        db.session,
        current_merchant(),
        _today(),
        shown=_shown_filter(),
        search=search,
        page=page_number(request.args.get("page")),
    )
    return render(
        "invoices/invoices.html",
        "invoices/_invoices.html",
        found=found,
        search=search,
        shown=_shown_filter(),
        today=_today(),
        status_labels=SHOWN_STATUS_LABELS,
        shown_status=service.shown_status,
    )


# The editor


def _editor_form(invoice: Invoice | None = None, **kwargs: Any) -> InvoiceForm:
    merchant = current_merchant()
    form = InvoiceForm(
        obj=invoice,
        customers=service.billable_customers(db.session, merchant),
        currencies=account_currencies(db.session, merchant),
        products=list_products(db.session, merchant),
        tax_rates=list_tax_rates(db.session, merchant),
        methods=accepted_methods(db.session, merchant),
        **kwargs,
    )
    if not form.is_submitted():
        _fill_unposted(form, invoice)
    else:
        _texts_follow_language(form)
    return form


def _texts_follow_language(form: InvoiceForm) -> None:
    """A posted editor whose language changed gets that language's default memo and footer
    where the merchant had not typed their own (live by HTMX, or when saved without it)."""
    was, now = form.texts_locale.data or "", form.locale.data or ""
    if not was or was == now or now not in shipped_locales():
        return
    typed = (form.memo.data or "", form.footer.data or "")
    texts = service.texts_in_language(db.session, current_merchant(), typed, was, now)
    form.memo.data, form.footer.data = texts
    form.texts_locale.data = now


def _fill_unposted(form: InvoiceForm, invoice: Invoice | None) -> None:
    """A form not posted shows the invoice as it is, or a new one's defaults (and
    ``?customer=`` preselected when it is one of the merchant's)."""
    merchant = current_merchant()
    if invoice is None:
        settings = service.invoice_settings(db.session, merchant)
        chosen = db.session.scalar(
            scoped_select(Customer).where(Customer.id == whole_number(request.args.get("customer")))
        )
        locale = chosen.locale if chosen else shipped_locales()[0]
        form.customer.data = str(chosen.id) if chosen else ""
        form.currency.data = (chosen.currency if chosen else None) or merchant.default_currency
        form.locale.data = locale
        form.terms.data = settings.terms.value
        form.memo.data, form.footer.data = service.default_texts(db.session, merchant, locale)
        form.texts_locale.data = locale
        form.prepare_lines()
        return
    form.texts_locale.data = invoice.locale
    form.customer.data = str(invoice.customer_id)
    form.terms.data = invoice.terms.value
    form.payment_methods.data = list(invoice.payment_methods or [])
    form.discount_percent.data = _typed(invoice.discount_percent)
    form.discount_amount.data = _typed_money(invoice, invoice.discount_amount)
    form.minimum_part.data = _typed_money(invoice, invoice.minimum_part)
    while len(form.lines):
        form.lines.pop_entry()
    for line in invoice.lines:
        form.lines.append_entry(
            {
                "product": str(line.product_id or ""),
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_amount": _typed_money(invoice, line.unit_amount),
                "discount_percent": _typed(line.discount_percent),
                "tax_rates": [str(rate) for rate in line.tax_rate_ids],
            }
        )
    form.prepare_lines()


def _typed(value: Any) -> str:
    return number(value) if value else ""


def _typed_money(invoice: Invoice, amount: int | None) -> str:
    return _typed(invoice.money(amount).to_decimal()) if amount else ""


def _line_edit(form: InvoiceForm) -> bool:
    """Add or remove a line (the editor's buttons): the form is shown again, nothing saved."""
    if "add_line" in request.form:
        form.add_line()
        return True
    removed = request.form.get("remove_line", "")
    position = whole_number(removed)
    if position is not None:
        form.remove_line(position)
        return True
    return False


def _chosen_customer(form: InvoiceForm) -> Customer:
    customer_id = whole_number(form.customer.data) or 0
    customer = db.session.scalar(scoped_select(Customer).where(Customer.id == customer_id))
    if customer is None:
        raise ServiceError(_("Choose one of your customers."), "customer")
    return customer


def _editor(form: InvoiceForm, invoice: Invoice | None, save: Any, message: str) -> Response:
    if _line_edit(form):
        return render(
            "invoices/editor.html",
            "invoices/_editor.html",
            **{**_editor_context(form, invoice), "new_line": "add_line" in request.form},
        )
    return submit_form(
        form,
        save,
        message=message,
        on_success=lambda saved: go_to(url_for("invoices.invoice", invoice_id=saved.id)),
        template="invoices/editor.html",
        partial="invoices/_editor.html",
        context=lambda: _editor_context(form, invoice),
    )


def _editor_context(form: InvoiceForm, invoice: Invoice | None) -> dict[str, Any]:
    return {"form": form, "invoice": invoice, "totals": _totals(form), "new_line": False}


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new_invoice() -> Response:
    form = _editor_form()
    return _editor(
        form,
        None,
        lambda: service.create_invoice(
            db.session,
            current_merchant(),
            _chosen_customer(form),
            currency=form.currency.data or "",
            lines=form.line_inputs(),
            **form.invoice_fields(),
        ),
        _("Draft saved."),
    )


@blueprint.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
@login_required
def edit_invoice(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    if not service.can_edit(invoice):
        return _refused(invoice, _("This invoice can no longer be changed."))
    form = _editor_form(invoice)
    return _editor(form, invoice, lambda: _save(invoice, form), _("Invoice saved."))


def _save(invoice: Invoice, form: InvoiceForm) -> Invoice:
    if invoice.status is InvoiceStatus.DRAFT:
        return service.update_draft(
            db.session,
            invoice,
            customer=_chosen_customer(form),
            currency=form.currency.data or "",
            lines=form.line_inputs(),
            **form.invoice_fields(),
        )
    return service.revise_invoice(
        db.session,
        invoice,
        _today(),
        lines=form.line_inputs(),
        user_id=signed_in_user().id,
        **form.invoice_fields(),
    )


@blueprint.post("/totals")
@login_required
def invoice_totals() -> Response:
    """The editor's totals as typed so far (HTMX, on every change): nothing is saved."""
    form = _editor_form()
    form.validate()
    return render("invoices/_totals.html", "invoices/_totals.html", totals=_totals(form))


@blueprint.post("/texts")
@login_required
def invoice_texts() -> Response:
    """The editor's memo and footer after its language changed (HTMX): nothing is saved."""
    form = _editor_form()
    return render("invoices/_texts.html", "invoices/_texts.html", form=form)


def _totals(form: InvoiceForm) -> Invoice | None:
    """An unsaved invoice priced from the editor's fields, or None while they do not price."""
    if not form.is_submitted() or form.errors:
        return None
    try:
        with db.session.no_autoflush:
            preview = service.preview_invoice(
                db.session,
                current_merchant(),
                _chosen_customer(form),
                currency=form.currency.data or "",
                lines=form.line_inputs(),
                **form.invoice_fields(),
            )
    except ServiceError:
        return None
    return preview


# The invoice's page and its actions


def _refused(invoice: Invoice, message: str) -> Response:
    flash(message, "error")
    return go_to(url_for("invoices.invoice", invoice_id=invoice.id))


def _invoice_context(invoice: Invoice, **forms: Any) -> dict[str, Any]:
    deliveries = db.session.scalars(
        scoped_select(InvoiceDelivery)
        .where(InvoiceDelivery.invoice_id == invoice.id)
        .order_by(InvoiceDelivery.id.desc())
    ).all()
    address = None
    if invoice.token_encrypted:
        address = f"{_public_url()}/i/{service.buyer_token(invoice, _secret_key())}"
    return {
        "invoice": invoice,
        "shown": service.shown_status(invoice, _today()),
        "status_labels": SHOWN_STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "method_labels": MANUAL_METHOD_LABELS,
        "deliveries": deliveries,
        "address": address,
        "can_edit": service.can_edit(invoice),
        "can_void": service.can_void(invoice),
        # Warned, never blocked: an invoice without them is still owed.
        "seller_incomplete": not seller_details(invoice.merchant).complete,
        "disputed_payments": service.disputed_payments(db.session, invoice),
        "payment_form": forms.get("payment_form")
        or ManualPaymentForm(formdata=None, currency=invoice.currency),
        "void_form": forms.get("void_form") or VoidForm(formdata=None),
        "today": _today(),
    }


@blueprint.get("/<int:invoice_id>")
@login_required
def invoice(invoice_id: int) -> Response:
    return render(
        "invoices/invoice.html", **_invoice_context(get_owned_or_404(Invoice, invoice_id))
    )


def _action(invoice: Invoice, act: Any, message: str) -> Response:
    """A one-button action on the invoice page: done and committed, or its refusal shown."""
    try:
        act()
    except ServiceError as refusal:
        db.session.rollback()
        return _refused(invoice, str(refusal.message))
    db.session.commit()
    flash(message, "success")
    return go_to(url_for("invoices.invoice", invoice_id=invoice.id))


@blueprint.post("/<int:invoice_id>/finalize")
@login_required
def finalize(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    return _action(
        invoice,
        lambda: service.finalize_invoice(
            db.session, invoice, _today(), _secret_key(), user_id=signed_in_user().id
        ),
        _("Invoice finalized."),
    )


@blueprint.post("/<int:invoice_id>/delete")
@login_required
def delete_draft(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    try:
        service.delete_draft(db.session, invoice)
    except ServiceError as refusal:
        db.session.rollback()
        return _refused(invoice, str(refusal.message))
    db.session.commit()
    flash(_("Draft deleted."), "info")
    return go_to(url_for("invoices.invoices"))


@blueprint.post("/<int:invoice_id>/uncollectible")
@login_required
def mark_uncollectible(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    return _action(
        invoice,
        lambda: service.mark_uncollectible(db.session, invoice, user_id=signed_in_user().id),
        _("Invoice marked uncollectible."),
    )


def _void_and_send_credit_note(invoice: Invoice, reason: str) -> CreditNote | None:
    """Void; a sent invoice's credit note goes to the customer as the invoice did."""
    note = service.void_invoice(
        db.session, invoice, _today(), reason=reason, user_id=signed_in_user().id
    )
    if note is not None:
        send_credit_note(db.session, note)
    return note


@blueprint.post("/<int:invoice_id>/void")
@login_required
def void(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    form = VoidForm()
    return submit_form(
        form,
        lambda: _void_and_send_credit_note(invoice, form.reason.data or ""),
        message=_("Invoice voided."),
        on_success=lambda _note: go_to(url_for("invoices.invoice", invoice_id=invoice.id)),
        template="invoices/invoice.html",
        context=lambda: _invoice_context(invoice, void_form=form),
    )


@blueprint.post("/<int:invoice_id>/payments")
@login_required
def record_payment(invoice_id: int) -> Response:
    invoice = get_owned_or_404(Invoice, invoice_id)
    form = ManualPaymentForm(currency=invoice.currency)
    return submit_form(
        form,
        lambda: service.record_manual_payment(
            db.session,
            invoice,
            _today(),
            amount=form.amount.money.amount if form.amount.money else 0,
            paid_on=form.paid_on.data or _today(),
            method=form.method_value,
            reference=form.reference.data or "",
            user_id=signed_in_user().id,
        ),
        message=_("Payment recorded."),
        on_success=lambda _payment: go_to(url_for("invoices.invoice", invoice_id=invoice.id)),
        template="invoices/invoice.html",
        context=lambda: _invoice_context(invoice, payment_form=form),
    )


# Settings


def _settings_form() -> InvoiceSettingsForm:
    merchant = current_merchant()
    settings = service.invoice_settings(db.session, merchant)
    form = InvoiceSettingsForm()
    if not form.is_submitted():
        for kind, prefix in (
            (SeriesKind.INVOICE, "invoice"),
            (SeriesKind.CREDIT_NOTE, "credit_note"),
        ):
            series = series_of(db.session, merchant.id, kind)
            form[f"{prefix}_pattern"].data = series.pattern
            form[f"{prefix}_padding"].data = str(series.padding)
        form.terms.data = settings.terms.value
        form.reminder_days.data = ", ".join(str(day) for day in settings.reminder_days)
        for code, text in (settings.memo or {}).items():
            if f"memo_{code}" in form:
                form[f"memo_{code}"].data = text
        for code, text in (settings.footer or {}).items():
            if f"footer_{code}" in form:
                form[f"footer_{code}"].data = text
    return form


@blueprint.route("/settings", methods=["GET", "POST"])
@login_required
def invoice_settings() -> Response:
    form = _settings_form()
    return submit_form(
        form,
        lambda: service.save_invoice_settings(
            db.session, current_merchant(), _settings_input(form), _today()
        ),
        message=_("Invoice settings saved."),
        on_success=lambda _saved: redirect(url_for("invoices.invoice_settings")),
        template="invoices/settings.html",
        context=lambda: {"form": form, "next_numbers": _next_numbers()},
    )


def _settings_input(form: InvoiceSettingsForm) -> service.SettingsInput:
    return service.SettingsInput(
        invoice_pattern=form.invoice_pattern.data or "",
        invoice_padding=form.invoice_padding.value or 4,
        credit_note_pattern=form.credit_note_pattern.data or "",
        credit_note_padding=form.credit_note_padding.value or 4,
        terms=PaymentTerms(form.terms.data),
        reminder_days=form.reminders,
        memo=form.texts("memo"),
        footer=form.texts("footer"),
    )


def _next_numbers() -> dict[str, str]:
    merchant_id = current_merchant().id
    return {
        kind.value: peek_number(db.session, merchant_id, kind, _today())
        for kind in (SeriesKind.INVOICE, SeriesKind.CREDIT_NOTE)
    }


register_document_page(
    DOCUMENT_TYPE, lambda payment: url_for("invoices.invoice", invoice_id=int(payment.document_id))
)
