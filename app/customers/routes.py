"""The customers' pages of the merchant panel: the list with its search, a customer's page, the
forms that make and change one, and the export and erasure of their personal data."""

from __future__ import annotations

import json
import re
import unicodedata

from flask import redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.core.numbers import page_number
from app.customers import blueprint, service
from app.customers.forms import CustomerForm, EraseForm, SearchForm
from app.customers.models import Customer
from app.customers.sections import customer_sections
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, owner_required, signed_in_user
from app.merchants.scoping import get_owned_or_404
from app.settings.service import account_currencies
from app.web.form_views import submit_form
from app.web.rendering import render


def _customer_form(customer: Customer | None = None) -> CustomerForm:
    merchant = current_merchant()
    currencies = account_currencies(db.session, merchant)
    if customer is None:
        return CustomerForm(
            currencies=currencies, locale=merchant.default_locale, currency=currencies[0]
        )
    form = CustomerForm(obj=customer, currencies=currencies)
    if not form.is_submitted():
        form.fill_addresses(customer.billing_address, customer.shipping_address)
    return form


@blueprint.get("/")
@login_required
def customers() -> Response:
    form = SearchForm(request.args)
    valid = form.validate()
    found = service.search_customers(
        db.session,
        current_merchant(),
        (form.q.data or "") if valid else "",
        page_number(request.args.get("page")),
    )
    status = 200 if valid else 422
    return render(
        "customers/customers.html", "customers/_customers.html", status=status,
        form=form, results=found if valid else None,
    )  # fmt: skip


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new_customer() -> Response:
    form = _customer_form()
    return submit_form(
        form,
        lambda: service.create_customer(
            db.session, current_merchant(), form.details(), signed_in_user().id
        ),
        message=lambda customer: _("%(name)s added.", name=customer.display_name),
        on_success=lambda customer: redirect(
            url_for("customers.customer", customer_id=customer.id)
        ),
        template="customers/new_customer.html",
        context=lambda: {"form": form},
    )


@blueprint.get("/<int:customer_id>")
@login_required
def customer(customer_id: int) -> Response:
    found = get_owned_or_404(Customer, customer_id)
    return render(
        "customers/customer.html",
        customer=found,
        sections=[(s.title, s.render(db.session, found)) for s in customer_sections()],
        events=service.customer_events(db.session, found),
    )


@blueprint.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_customer(customer_id: int) -> Response:
    found = get_owned_or_404(Customer, customer_id)
    form = _customer_form(found)
    return submit_form(
        form,
        lambda: service.update_customer(db.session, found, form.details(), signed_in_user().id),
        message=_("Changes saved."),
        on_success=lambda _customer: redirect(url_for("customers.customer", customer_id=found.id)),
        template="customers/edit_customer.html",
        context=lambda: {"form": form, "customer": found},
    )


def _file_name(customer: Customer) -> str:
    """ASCII only (a header value): the customer's id, and their name's letters if any."""
    letters = unicodedata.normalize("NFKD", customer.display_name.lower())
    name = re.sub(r"[^a-z0-9]+", "-", letters.encode("ascii", "ignore").decode()).strip("-")[:40]
    return f"customer-{customer.id}{'-' + name if name else ''}.json"


@blueprint.post("/<int:customer_id>/export")
@login_required
def export_customer(customer_id: int) -> Response:
    found = get_owned_or_404(Customer, customer_id)
    data = service.export_customer(db.session, found, signed_in_user().id, utcnow())
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_name(found)}"'
    return response


@blueprint.route("/<int:customer_id>/erase", methods=["GET", "POST"])
@login_required
@owner_required
def erase_customer(customer_id: int) -> Response:
    found = get_owned_or_404(Customer, customer_id)
    form = EraseForm()
    return submit_form(
        form,
        lambda: service.erase_customer(db.session, found, signed_in_user().id, utcnow()),
        message=_("The customer's personal data was erased."),
        on_success=lambda _customer: redirect(url_for("customers.customer", customer_id=found.id)),
        template="customers/erase.html",
        context=lambda: {"form": form, "customer": found},
    )
