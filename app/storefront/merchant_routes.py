"""Settings → Storefront: the shop's settings, its products and their order, categories, and
the shop's address as a link and a QR code."""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import current_app, make_response, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.merchants.scoping import get_owned_or_404
from app.settings.service import accepted_methods
from app.storefront import blueprint, service
from app.storefront.forms import (
    CategoryForm,
    ListingCategoryForm,
    ListProductForm,
    StorefrontForm,
)
from app.storefront.models import Storefront, StorefrontCategory, StorefrontProduct
from app.web.form_views import ListPage, submit_form
from app.web.i18n import shipped_locales


def _storefront() -> Storefront:
    """The merchant's storefront; made and saved on the first visit, so its preview works."""
    storefront = service.storefront_of(db.session, current_merchant())
    db.session.commit()
    return storefront


def shop_address(storefront: Storefront) -> str:
    """The shop's public address, from ``KASSA_PUBLIC_URL``."""
    public_url = current_app.extensions["kassa_settings"].public_url
    return public_url + url_for("shop.home", slug=storefront.slug)


# The shop's settings


def _settings_form(storefront: Storefront, **kwargs: Any) -> StorefrontForm:
    form = StorefrontForm(
        methods=accepted_methods(db.session, current_merchant()), obj=storefront, **kwargs
    )
    if not form.is_submitted():
        for code in shipped_locales():
            form[f"title_{code}"].data = storefront.titles.get(code, "")
            form[f"intro_{code}"].data = storefront.intros.get(code, "")
        form.payment_methods.data = list(storefront.payment_methods or [])
    return form


def _settings_context(storefront: Storefront, form: StorefrontForm) -> dict[str, Any]:
    merchant = current_merchant()
    listed = service.listings(db.session, storefront)
    currencies = service.shop_currencies(db.session, merchant, listed)
    shop_currency = service.default_currency(merchant, currencies)
    return {
        "form": form,
        "storefront": storefront,
        "shop_url": shop_address(storefront),
        "locales": shipped_locales(),
        "listed_count": len(listed),
        "currencies": currencies,
        "unpriced": [
            listing.product
            for listing in listed
            if listing.product.price_in(shop_currency) is None and not listing.product.is_archived
        ],
        "shop_currency": shop_currency,
    }


def _storefront_details(form: StorefrontForm) -> service.StorefrontDetails:
    chosen = form.payment_methods.data or []
    return service.StorefrontDetails(
        enabled=bool(form.enabled.data),
        slug=form.slug.data or "",
        titles=form.per_locale("title"),
        intros=form.per_locale("intro"),
        currency_switch=bool(form.currency_switch.data),
        methods=[PaymentMethod(m) for m in chosen] if chosen else None,
        heroes=form.heroes(),
        remove_heroes=form.removed_heroes(),
    )


def _save_storefront(storefront: Storefront, form: StorefrontForm) -> None:
    """Save the shop's settings. Committed here, not by ``submit_form``: the address is unique,
    and a shop that takes it at the same moment is refused by the commit."""
    service.update_storefront(db.session, current_merchant(), storefront, _storefront_details(form))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("This address is taken. Choose another."), "slug") from None


@blueprint.route("", methods=["GET", "POST"])
@login_required
def settings() -> Response:
    storefront = _storefront()
    form = _settings_form(storefront)
    return submit_form(
        form,
        lambda: _save_storefront(storefront, form),
        message=_("Storefront saved."),
        on_success=lambda _result: redirect(url_for("storefront.settings")),
        template="storefront/settings.html",
        # Read again: a refused save was rolled back.
        context=lambda: _settings_context(_storefront(), form),
    )


def _qr(storefront: Storefront) -> segno.QRCode:
    return segno.make(shop_address(storefront), error="m")


@blueprint.get("/qr.svg")
@login_required
def qr_svg() -> Response:
    buffer = io.BytesIO()
    _qr(_storefront()).save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Content-Disposition"] = 'attachment; filename="shop-qr.svg"'
    return response


@blueprint.get("/qr.png")
@login_required
def qr_png() -> Response:
    buffer = io.BytesIO()
    _qr(_storefront()).save(buffer, kind="png", scale=10, border=4)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "image/png"
    response.headers["Content-Disposition"] = 'attachment; filename="shop-qr.png"'
    return response


# Listed products and their order


def _locale() -> str:
    return str(get_locale())


def _products_context(
    form: ListProductForm | None = None,
    category_form: tuple[int, ListingCategoryForm] | None = None,
) -> dict[str, Any]:
    storefront = _storefront()
    categories = service.list_categories(db.session, storefront)
    listed = service.listings(db.session, storefront)
    merchant = current_merchant()
    currency = service.default_currency(
        merchant, service.shop_currencies(db.session, merchant, listed)
    )
    category_forms = {
        listing.id: ListingCategoryForm(
            formdata=None,
            prefix=f"listing-{listing.id}",
            categories=categories,
            locale=_locale(),
            category=str(listing.category_id or ""),
        )
        for listing in listed
    }
    if category_form is not None:
        category_forms[category_form[0]] = category_form[1]
    return {
        "storefront": storefront,
        "listed": listed,
        "currency": currency,
        "category_forms": category_forms,
        "form": form
        or ListProductForm(
            formdata=None,
            products=service.unlisted_products(db.session, storefront),
            categories=categories,
            locale=_locale(),
        ),
        "has_unlisted": bool(service.unlisted_products(db.session, storefront)),
    }


PRODUCTS = ListPage(
    "storefront/products.html",
    "storefront/_products.html",
    "storefront.products",
    _products_context,
)


@blueprint.get("/products")
@login_required
def products() -> Response:
    return PRODUCTS.show()


@blueprint.post("/products")
@login_required
def list_product() -> Response:
    storefront = _storefront()
    form = ListProductForm(
        products=service.unlisted_products(db.session, storefront),
        categories=service.list_categories(db.session, storefront),
        locale=_locale(),
    )
    return PRODUCTS.submit(
        form,
        lambda: service.list_product(
            db.session,
            storefront,
            int(form.product.data or 0),
            int(form.category.data) if form.category.data else None,
        ),
        lambda listing: _("%(name)s is in your shop.", name=listing.product.name),
    )


def _listing(listing_id: int) -> StorefrontProduct:
    return get_owned_or_404(StorefrontProduct, listing_id)


@blueprint.post("/products/<int:listing_id>/up")
@login_required
def move_up(listing_id: int) -> Response:
    listing = _listing(listing_id)
    service.move_listing(db.session, listing, -1)
    return PRODUCTS.changed(_("%(name)s moved up.", name=listing.product.name))


@blueprint.post("/products/<int:listing_id>/down")
@login_required
def move_down(listing_id: int) -> Response:
    listing = _listing(listing_id)
    service.move_listing(db.session, listing, 1)
    return PRODUCTS.changed(_("%(name)s moved down.", name=listing.product.name))


@blueprint.post("/products/<int:listing_id>/remove")
@login_required
def unlist(listing_id: int) -> Response:
    listing = _listing(listing_id)
    name = listing.product.name
    service.unlist(db.session, listing)
    return PRODUCTS.changed(_("%(name)s is no longer in your shop.", name=name))


@blueprint.post("/products/<int:listing_id>/category")
@login_required
def set_category(listing_id: int) -> Response:
    listing = _listing(listing_id)
    storefront = _storefront()
    form = ListingCategoryForm(
        prefix=f"listing-{listing.id}",
        categories=service.list_categories(db.session, storefront),
        locale=_locale(),
    )
    return PRODUCTS.submit(
        form,
        lambda: service.set_listing_category(
            db.session,
            storefront,
            listing,
            int(form.category.data) if form.category.data else None,
        ),
        _("Category of %(name)s saved.", name=listing.product.name),
        context=lambda: _products_context(category_form=(listing.id, form)),
    )


# Categories


def _categories_context(form: CategoryForm | None = None) -> dict[str, Any]:
    storefront = _storefront()
    categories = service.list_categories(db.session, storefront)
    rename_forms = {}
    for category in categories:
        rename = CategoryForm(formdata=None, prefix=f"category-{category.id}")
        for code in shipped_locales():
            rename[f"name_{code}"].data = category.names.get(code, "")
        rename_forms[category.id] = rename
    return {
        "categories": categories,
        "rename_forms": rename_forms,
        "form": form or CategoryForm(formdata=None),
        "locales": shipped_locales(),
    }


CATEGORIES = ListPage(
    "storefront/categories.html",
    "storefront/_categories.html",
    "storefront.categories",
    _categories_context,
)


@blueprint.get("/categories")
@login_required
def categories() -> Response:
    return CATEGORIES.show()


@blueprint.post("/categories")
@login_required
def add_category() -> Response:
    form = CategoryForm()
    return CATEGORIES.submit(
        form,
        lambda: service.add_category(db.session, _storefront(), form.names()),
        _("Category added."),
    )


def _categories_with_rename_form(
    category: StorefrontCategory, form: CategoryForm
) -> dict[str, Any]:
    context = _categories_context()
    context["rename_forms"][category.id] = form
    return context


@blueprint.post("/categories/<int:category_id>")
@login_required
def rename_category(category_id: int) -> Response:
    category = get_owned_or_404(StorefrontCategory, category_id)
    form = CategoryForm(prefix=f"category-{category.id}")
    return CATEGORIES.submit(
        form,
        lambda: service.rename_category(db.session, category, form.names()),
        _("Category renamed."),
        context=lambda: _categories_with_rename_form(category, form),
    )


@blueprint.post("/categories/<int:category_id>/remove")
@login_required
def remove_category(category_id: int) -> Response:
    service.remove_category(db.session, get_owned_or_404(StorefrontCategory, category_id))
    return CATEGORIES.changed(_("Category removed."))
