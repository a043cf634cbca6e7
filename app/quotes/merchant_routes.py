"""The quote pages of the merchant panel: the list, the editor (new, draft, or an open quote's
revision), the quote's page with its actions (send, duplicate, cancel, countersign, convert
into an invoice) and the PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.catalog.service import list_products
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.numbers import page_number, whole_number
from app.customers.models import Customer
from app.documents.pdf import pdf_response
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.models import User
from app.merchants.scoping import get_owned_or_404, scoped_select
from app.quotes import blueprint, service
from app.quotes.delivery import deliveries_of, send_quote_email
from app.quotes.forms import QuoteForm
from app.quotes.labels import (
    EVENT_LABELS,
    INTERVAL_LABELS,
    PART_STATUS_LABELS,
    PAYMENT_MODE_LABELS,
    STATUS_LABELS,
)
from app.quotes.models import Quote, QuoteStatus
from app.quotes.pdf import quote_download_name, quote_pdf
from app.quotes.schedule import schedule_rows
from app.settings.labels import METHOD_LABELS
from app.settings.service import accepted_methods, account_currencies, list_tax_rates
from app.web.form_views import submit_form
from app.web.i18n import number, shipped_locales
from app.web.rendering import go_to, render


def _today() -> date:
    return utcnow().date()


def _secret_key() -> str:
    return str(current_app.extensions["kassa_settings"].secret_key)


def _status_filter() -> QuoteStatus | None:
    chosen = request.args.get("status", "")
    return QuoteStatus(chosen) if chosen in QuoteStatus.__members__.values() else None


@blueprint.get("/")
@login_required
def quotes() -> Response:
    search = request.args.get("q", "")[:100]
    found = service.list_quotes(
        db.session, current_merchant(), status=_status_filter(), search=search,
        page=page_number(request.args.get("page")),
    )  # fmt: skip
    return render(
        "quotes/quotes.html",
        "quotes/_quotes.html",
        found=found,
        search=search,
        shown=_status_filter(),
        status_labels=STATUS_LABELS,
        shown_status=service.shown_status,
        today=_today(),
    )


# The editor


def _editor_form(quote: Quote | None = None) -> QuoteForm:
    merchant = current_merchant()
    form = QuoteForm(
        customers=service.quotable_customers(db.session, merchant),
        currencies=account_currencies(db.session, merchant),
        products=list_products(db.session, merchant),
        tax_rates=list_tax_rates(db.session, merchant),
        methods=accepted_methods(db.session, merchant),
        team=list(db.session.scalars(scoped_select(User).order_by(User.id))),
    )
    if not form.is_submitted():
        _fill_unposted(form, quote)
    return form


def _typed(value: Any) -> str:
    return number(value) if value else ""


def _typed_money(quote: Quote, amount: int | None) -> str:
    return _typed(quote.money(amount).to_decimal()) if amount else ""


def _fill_unposted(form: QuoteForm, quote: Quote | None) -> None:
    """A form not posted shows the quote as it is, or a new one's defaults (``?customer=``
    preselected when it is one of the merchant's)."""
    merchant = current_merchant()
    if quote is None:
        settings = service.quote_settings(db.session, merchant)
        chosen = db.session.scalar(
            scoped_select(Customer).where(Customer.id == whole_number(request.args.get("customer")))
        )
        form.customer.data = str(chosen.id) if chosen else ""
        form.currency.data = (chosen.currency if chosen else None) or merchant.default_currency
        form.locale.data = chosen.locale if chosen else shipped_locales()[0]
        for code in shipped_locales():
            form[f"terms_{code}"].data = (settings.terms or {}).get(code, "")
            form[f"notes_{code}"].data = (settings.notes or {}).get(code, "")
        form.prepare_lines()
        return
    form.customer.data = str(quote.customer_id)
    form.currency.data = quote.currency
    form.locale.data = quote.locale
    form.title.data = quote.title
    form.expires_on.data = quote.expires_on
    form.acceptance_mode.data = quote.acceptance_mode.value
    form.payment_mode.data = quote.payment_mode.value
    form.countersigner.data = str(quote.countersigner_id or "")
    form.payment_methods.data = list(quote.payment_methods or [])
    form.discount_percent.data = _typed(quote.discount_percent)
    form.discount_amount.data = _typed_money(quote, quote.discount_amount)
    form.deposit_percent.data = _typed(quote.deposit_percent)
    form.deposit_amount.data = _typed_money(quote, quote.deposit_amount)
    for code in shipped_locales():
        form[f"terms_{code}"].data = quote.terms.get(code, "")
        form[f"notes_{code}"].data = quote.notes.get(code, "")
    while len(form.lines):
        form.lines.pop_entry()
    for line in quote.lines:
        form.lines.append_entry(
            {
                "product": str(line.product_id or ""),
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_amount": _typed_money(quote, line.unit_amount),
                "discount_percent": _typed(line.discount_percent),
                "tax_rates": [str(rate) for rate in line.tax_rate_ids],
                "interval": line.interval or "",
                "optional": line.optional,
                "adjustable": line.adjustable,
                "min_quantity": str(line.min_quantity or ""),
                "max_quantity": str(line.max_quantity or ""),
            }
        )
    for entry, part in zip(form.parts, quote.parts, strict=False):
        entry.form.percent.data = _typed(part.percent)
        entry.form.amount.data = _typed_money(quote, part.fixed_amount)
        entry.form.due_on.data = part.due_on
    form.prepare_lines()


def _line_edit(form: QuoteForm) -> bool:
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


def _chosen_customer(form: QuoteForm) -> Customer:
    customer_id = whole_number(form.customer.data) or 0
    customer = db.session.scalar(scoped_select(Customer).where(Customer.id == customer_id))
    if customer is None:
        raise ServiceError(_("Choose one of your customers."), "customer")
    return customer


def _editor_context(form: QuoteForm, quote: Quote | None) -> dict[str, Any]:
    return {"form": form, "quote": quote, "totals": _totals(form), "new_line": False}


def _editor(form: QuoteForm, quote: Quote | None, save: Any, message: str) -> Response:
    if _line_edit(form):
        return render(
            "quotes/editor.html",
            "quotes/_editor.html",
            **{**_editor_context(form, quote), "new_line": "add_line" in request.form},
        )
    return submit_form(
        form,
        save,
        message=message,
        on_success=lambda saved: go_to(url_for("quotes.quote", quote_id=saved.id)),
        template="quotes/editor.html",
        partial="quotes/_editor.html",
        context=lambda: _editor_context(form, quote),
    )


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new_quote() -> Response:
    form = _editor_form()
    return _editor(
        form,
        None,
        lambda: service.create_quote(
            db.session,
            current_merchant(),
            _chosen_customer(form),
            currency=form.currency.data or "",
            lines=form.line_inputs(),
            **form.quote_fields(),
        ),
        _("Draft saved."),
    )


@blueprint.route("/<int:quote_id>/edit", methods=["GET", "POST"])
@login_required
def edit_quote(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    if not service.can_edit(quote):
        return _refused(quote, _("This quote can no longer be changed."))
    form = _editor_form(quote)
    return _editor(form, quote, lambda: _save(quote, form), _("Quote saved."))


def _save(quote: Quote, form: QuoteForm) -> Quote:
    if quote.status is QuoteStatus.DRAFT:
        return service.update_draft(
            db.session, quote, customer=_chosen_customer(form),
            currency=form.currency.data or "", lines=form.line_inputs(), **form.quote_fields(),
        )  # fmt: skip
    return service.revise_quote(
        db.session, quote, _today(), lines=form.line_inputs(), user_id=signed_in_user().id,
        **form.quote_fields(),
    )  # fmt: skip


@blueprint.post("/totals")
@login_required
def quote_totals() -> Response:
    """The editor's totals as typed so far (HTMX, on every change): nothing is saved."""
    form = _editor_form()
    form.validate()
    return render("quotes/_totals.html", "quotes/_totals.html", totals=_totals(form))


def _totals(form: QuoteForm) -> Quote | None:
    if not form.is_submitted() or form.errors:
        return None
    try:
        with db.session.no_autoflush:
            return service.preview_quote(
                db.session, current_merchant(), _chosen_customer(form),
                currency=form.currency.data or "", lines=form.line_inputs(),
                **form.quote_fields(),
            )  # fmt: skip
    except ServiceError:
        return None


# The quote's page and its actions


def _refused(quote: Quote, message: str) -> Response:
    flash(message, "error")
    return go_to(url_for("quotes.quote", quote_id=quote.id))


def _address(quote: Quote) -> str | None:
    if not quote.token_encrypted:
        return None
    return url_for(
        "quote_buyers.quote_page", token=service.buyer_token(quote, _secret_key()), _external=True
    )


@blueprint.get("/<int:quote_id>")
@login_required
def quote(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    revisions = db.session.scalars(
        scoped_select(Quote)
        .where(Quote.number == quote.number, Quote.number.is_not(None))
        .order_by(Quote.revision)
    ).all()
    return render(
        "quotes/quote.html",
        quote=quote,
        shown=service.shown_status(quote, _today()),
        status_labels=STATUS_LABELS,
        event_labels=EVENT_LABELS,
        interval_labels=INTERVAL_LABELS,
        payment_mode_labels=PAYMENT_MODE_LABELS,
        quantities=service.current_quantities(quote),
        instalments=service.instalments(quote),
        next_charge=service.next_charge(quote),
        schedule=schedule_rows(db.session, quote),
        part_status_labels=PART_STATUS_LABELS,
        method_labels=METHOD_LABELS,
        deliveries=deliveries_of(db.session, quote),
        address=_address(quote),
        revisions=revisions,
        countersigner=db.session.get(User, quote.countersigner_id or 0),
        me=signed_in_user(),
    )


def _action(quote: Quote, act: Any, message: str, then: Any = None) -> Response:
    """A one-button action on the quote page: done and committed, or its refusal shown."""
    try:
        result = act()
    except ServiceError as refusal:
        db.session.rollback()
        return _refused(quote, str(refusal.message))
    db.session.commit()
    flash(message, "success")
    return go_to(then(result) if then else url_for("quotes.quote", quote_id=quote.id))


def _send(quote: Quote) -> None:
    if quote.status is QuoteStatus.DRAFT:
        service.send_quote(db.session, quote, _today(), _secret_key(), user_id=signed_in_user().id)
    send_quote_email(db.session, quote)


@blueprint.post("/<int:quote_id>/send")
@login_required
def send(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return _action(quote, lambda: _send(quote), _("Quote sent."))


@blueprint.post("/<int:quote_id>/duplicate")
@login_required
def duplicate(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return _action(
        quote,
        lambda: service.duplicate_quote(db.session, quote, user_id=signed_in_user().id),
        _("Copied as a new draft."),
        then=lambda copy: url_for("quotes.edit_quote", quote_id=copy.id),
    )


@blueprint.post("/<int:quote_id>/cancel")
@login_required
def cancel(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return _action(
        quote,
        lambda: service.cancel_quote(db.session, quote, user_id=signed_in_user().id),
        _("Quote canceled: the customer can no longer accept it."),
    )


@blueprint.post("/<int:quote_id>/delete")
@login_required
def delete_draft(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return _action(
        quote,
        lambda: service.delete_draft(db.session, quote),
        _("Draft deleted."),
        then=lambda _none: url_for("quotes.quotes"),
    )


@blueprint.post("/<int:quote_id>/countersign")
@login_required
def countersign(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return _action(
        quote,
        lambda: service.countersign_quote(db.session, quote, signed_in_user()),
        _("Countersigned: the quote is accepted."),
    )


@blueprint.post("/<int:quote_id>/convert")
@login_required
def convert(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return _action(
        quote,
        lambda: service.convert_to_invoice(
            db.session, quote, _today(), _secret_key(), user_id=signed_in_user().id
        ),
        _("Invoice made from the quote."),
        then=lambda invoice: url_for("invoices.invoice", invoice_id=invoice.id),
    )


@blueprint.get("/<int:quote_id>/pdf")
@login_required
def pdf(quote_id: int) -> Response:
    quote = get_owned_or_404(Quote, quote_id)
    return pdf_response(quote_pdf(quote), quote_download_name(quote))
