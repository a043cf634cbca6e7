"""The product library pages of the merchant panel."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.catalog import blueprint, service
from app.catalog.forms import INTERVAL_LABELS, NewProductForm, PriceForm, ProductForm
from app.catalog.models import BillingInterval, Price, Product
from app.core.errors import ServiceError
from app.core.money import Money
from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.merchants.scoping import get_owned_or_404
from app.settings.service import account_currencies, list_tax_rates
from app.web.form_views import submit_form
from app.web.rendering import render, render_after_change


def _products_context() -> dict[str, Any]:
    archived = request.args.get("archived") == "1"
    return {
        "products": service.list_products(db.session, current_merchant(), archived=archived),
        "archived": archived,
        "interval_labels": INTERVAL_LABELS,
    }


@blueprint.get("/")
@login_required
def products() -> Response:
    return render("catalog/products.html", "catalog/_products.html", **_products_context())


def _details(form: ProductForm) -> service.ProductDetails:
    return service.ProductDetails(
        name=form.name.data or "",
        description=form.description.data or "",
        sku=form.sku.data or "",
        interval=BillingInterval(form.interval.data) if form.interval.data else None,
        interval_count=form.interval_count.value or 1,
        first_charge_on=form.first_charge_on.data,
        trial_days=form.trial_days.value,
        tax_rate_id=int(form.tax_rate.data) if form.tax_rate.data else None,
    )


def _currencies() -> list[str]:
    return account_currencies(db.session, current_merchant())


def _tax_rates() -> list[Any]:
    return list_tax_rates(db.session, current_merchant())


def _amount(form: NewProductForm | PriceForm) -> Money:
    """The validated price (its field is required, so a valid form has one)."""
    if form.amount.money is None:
        raise ServiceError(_("This field is required."), "amount")
    return form.amount.money


def _create_product(form: NewProductForm) -> Product:
    product = service.create_product(db.session, current_merchant(), _details(form), _amount(form))
    if form.image.image_bytes:
        service.set_product_image(product, form.image.image_bytes)
    return product


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new_product() -> Response:
    form = NewProductForm(currencies=_currencies(), tax_rates=_tax_rates())
    return submit_form(
        form,
        lambda: _create_product(form),
        message=lambda added: _("%(name)s added.", name=added.name),
        on_success=lambda _result: redirect(url_for("catalog.products")),
        template="catalog/new_product.html",
        context=lambda: {"form": form},
    )


def _product_form(product: Product, **kwargs: Any) -> ProductForm:
    form = ProductForm(obj=product, tax_rates=_tax_rates(), **kwargs)
    if not form.is_submitted():
        form.interval.data = product.interval.value if product.interval else ""
        form.tax_rate.data = str(product.tax_rate_id or "")
        form.interval_count.data = str(product.interval_count)
        form.trial_days.data = str(product.trial_days or "")
    return form


def _prices_context(product: Product, price_form: PriceForm | None = None) -> dict[str, Any]:
    return {
        "product": product,
        "price_form": price_form or PriceForm(formdata=None, currencies=_currencies()),
    }


def _update_product(product: Product, form: ProductForm) -> Product:
    service.update_product(db.session, current_merchant(), product, _details(form))
    if form.image.image_bytes or form.remove_image.data:
        service.set_product_image(product, form.image.image_bytes)
    return product


@blueprint.route("/<int:product_id>", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int) -> Response:
    product = get_owned_or_404(Product, product_id)
    form = _product_form(product)
    return submit_form(
        form,
        lambda: _update_product(product, form),
        message=lambda saved: _("%(name)s saved.", name=saved.name),
        on_success=lambda _result: redirect(url_for("catalog.edit_product", product_id=product.id)),
        template="catalog/edit_product.html",
        context=lambda: {"form": form, **_prices_context(product)},
    )


@blueprint.post("/<int:product_id>/archive")
@login_required
def archive_product(product_id: int) -> Response:
    product = get_owned_or_404(Product, product_id)
    service.archive_product(product)
    db.session.commit()
    flash(_("%(name)s archived.", name=product.name), "info")
    return render_after_change(
        "catalog/_products.html", url_for("catalog.products"), **_products_context()
    )


@blueprint.post("/<int:product_id>/unarchive")
@login_required
def unarchive_product(product_id: int) -> Response:
    product = get_owned_or_404(Product, product_id)
    service.unarchive_product(product)
    db.session.commit()
    flash(_("%(name)s is back on sale.", name=product.name), "success")
    return render_after_change(
        "catalog/_products.html",
        url_for("catalog.products", archived="1"),
        **_products_context(),
    )


@blueprint.post("/<int:product_id>/prices")
@login_required
def add_price(product_id: int) -> Response:
    product = get_owned_or_404(Product, product_id)
    form = PriceForm(currencies=_currencies())
    return submit_form(
        form,
        lambda: service.add_price(db.session, current_merchant(), product, _amount(form)),
        message=_("Price added."),
        on_success=lambda _result: render_after_change(
            "catalog/_prices.html",
            url_for("catalog.edit_product", product_id=product.id),
            **_prices_context(product),
        ),
        template="catalog/edit_product.html",
        partial="catalog/_prices.html",
        context=lambda: {
            "form": _product_form(product, formdata=None),
            **_prices_context(product, form),
        },
    )


@blueprint.post("/<int:product_id>/prices/<int:price_id>/remove")
@login_required
def remove_price(product_id: int, price_id: int) -> Response:
    price = get_owned_or_404(Price, price_id, product_id=product_id)
    product = price.product
    try:
        service.remove_price(db.session, price)
    except ServiceError as refusal:
        flash(str(refusal.message), "error")
    else:
        db.session.commit()
        flash(_("Price removed."), "info")
    return render_after_change(
        "catalog/_prices.html",
        url_for("catalog.edit_product", product_id=product_id),
        **_prices_context(product),
    )
