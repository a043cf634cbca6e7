"""The public shop: ``/s/<slug>`` (home, with a category filter), ``/s/<slug>/p/<product>``
(a product page) and ``/s/<slug>/cart``.

A closed shop is a 404 to everyone but its own merchant's staff, who see it as a preview. The
cart's token lives in the buyer's signed session cookie; it is made on the first "Add to cart",
so browsing writes no rows. Every change posts one small form: HTMX gets the updated part back,
a plain post a redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.catalog.models import Product
from app.checkout import service as checkout_service
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.numbers import whole_number
from app.extensions import db, limiter
from app.merchants.auth import current_user
from app.merchants.models import Merchant
from app.settings.models import CheckoutSettings
from app.settings.service import checkout_settings, connected_account
from app.storefront import service, shop_blueprint
from app.storefront.document import CartDocument
from app.storefront.forms import (
    AddToCartForm,
    CartDiscountForm,
    CartQuantityForm,
    RemoveLineForm,
    ShopCurrencyForm,
)
from app.storefront.labels import (
    BUYER_REFUSALS,
    NOT_SOLD_ONLINE,
    recurring_terms,
    schedule_note,
)
from app.storefront.models import Cart, Storefront, StorefrontProduct
from app.web import rate_limits
from app.web.browser import browser_key, remember_browser
from app.web.forms import KassaForm
from app.web.page_cache import cached_page
from app.web.rendering import go_to, render, render_after_change
from app.web.safety import safe_next_url


@dataclass
class Shop:
    """One request's view of a shop: the row, whose it is, and the buyer's currency."""

    storefront: Storefront
    merchant: Merchant
    preview: bool
    listed: list[StorefrontProduct]
    currencies: list[str]
    currency: str

    @property
    def cart_key(self) -> str:
        return _cart_key(self.storefront.id)

    @property
    def currency_key(self) -> str:
        return _currency_key(self.storefront.id)


def _cart_key(storefront_id: int) -> str:
    return f"cart:{storefront_id}"


def _currency_key(storefront_id: int) -> str:
    return f"currency:{storefront_id}"


def _open_shop(slug: str) -> Shop:
    storefront = service.storefront_by_slug(db.session, slug)
    if storefront is None:
        abort(404)
    user = current_user()
    preview = not storefront.enabled
    if preview and (user is None or user.merchant_id != storefront.merchant_id):
        abort(404)
    merchant = storefront.merchant
    g.merchant_locale = merchant.default_locale  # the buyer's last resort for a language
    listed = service.listings(db.session, storefront)
    currencies = service.shop_currencies(db.session, merchant, listed)
    currency = service.buyer_currency(
        storefront, merchant, currencies, session.get(_currency_key(storefront.id))
    )
    return Shop(storefront, merchant, preview, listed, currencies, currency)


def _cart(shop: Shop) -> Cart | None:
    cart = service.cart_by_token(db.session, shop.storefront, session.get(shop.cart_key))
    if cart is not None and cart.currency != shop.currency:
        service.set_cart_currency(cart, shop.currency)  # the shop's currencies changed
        db.session.commit()
    return cart


def _public_url(path: str) -> str:
    return current_app.extensions["kassa_settings"].public_url + path


def _shell(shop: Shop, cart: Cart | None) -> dict[str, Any]:
    """What every shop page shows: branding, test mode, the preview notice, the currency
    switcher and the cart's item count."""
    branding: CheckoutSettings = checkout_settings(db.session, shop.merchant)
    account = connected_account(db.session, shop.merchant)
    switchable = service.switchable_currencies(shop.storefront, shop.currencies)
    locale = str(get_locale())
    return {
        "shop": shop,
        "storefront": shop.storefront,
        "merchant": shop.merchant,
        "branding": branding,
        "test_mode": account is None or not account.livemode,
        "locale": locale,
        "shop_title": shop.storefront.title_in(locale),
        "currency": shop.currency,
        "currency_form": (
            ShopCurrencyForm(formdata=None, currencies=switchable, currency=shop.currency)
            if switchable
            else None
        ),
        "cart_count": sum(line.quantity for line in cart.lines) if cart else 0,
        "public_url": _public_url,
        "recurring_terms": recurring_terms,
    }


def _on_sale(shop: Shop) -> list[StorefrontProduct]:
    return [listing for listing in shop.listed if service.is_on_sale(listing, shop.currency)]


def _has_own_state(storefront_id: int) -> bool:
    """Whether this visitor's page shows something of theirs: a cart or a message."""
    return "_flashes" in session or _cart_key(storefront_id) in session


def _shop_page(slug: str, render_page: Callable[[], Response]) -> Response:
    """A page of an open shop as every first-time visitor sees it comes from the page cache,
    keyed on the merchant's ``public_version`` and all else the page shows: the path and query,
    the language and the buyer's currency. A buyer with a cart or a message to read, or a
    closed shop's preview, gets the page rendered for them."""
    stamp = service.shop_stamp(db.engine, slug)
    if stamp is None or not stamp.enabled or _has_own_state(stamp.storefront_id):
        return render_page()
    g.merchant_locale = stamp.default_locale
    key = (
        stamp.public_version,
        request.full_path,
        str(get_locale()),
        session.get(_currency_key(stamp.storefront_id)),
    )
    return cached_page(key, render_page)


@shop_blueprint.get("/<slug>")
def home(slug: str) -> Response:
    return _shop_page(slug, lambda: _home(slug))


def _home(slug: str) -> Response:
    shop = _open_shop(slug)
    on_sale = _on_sale(shop)
    category_ids = {listing.category_id for listing in on_sale if listing.category_id}
    categories = [
        listing.category
        for listing in on_sale
        if listing.category is not None and listing.category_id in category_ids
    ]
    categories = sorted({c.id: c for c in categories}.values(), key=lambda c: c.id)
    chosen = whole_number(request.args.get("category"))
    if chosen not in category_ids:
        chosen = None
    shown = [listing for listing in on_sale if chosen is None or listing.category_id == chosen]
    return render(
        "shop/home.html",
        listings=shown,
        categories=categories,
        chosen_category=chosen,
        **_shell(shop, _cart(shop)),
    )


def _listing_or_404(shop: Shop, product_slug: str) -> StorefrontProduct:
    listing = next((row for row in shop.listed if row.slug == product_slug), None)
    if listing is None or not service.is_on_sale(listing, shop.currency):
        abort(404)
    return listing


def product_data(
    listing: StorefrontProduct, currency: str, url: str, image: str | None
) -> dict[str, Any]:
    """schema.org Product data for search engines (rendered as JSON-LD)."""
    product: Product = listing.product
    price = product.price_in(currency)
    assert price is not None
    offer: dict[str, Any] = {
        "@type": "Offer",
        "price": f"{price.to_decimal():f}",
        "priceCurrency": currency,
        "availability": "https://schema.org/InStock",
        "url": url,
    }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "offers": offer,
    }
    if product.description:
        data["description"] = product.description
    if product.sku:
        data["sku"] = product.sku
    if image:
        data["image"] = [image]
    return data


def _product_page(
    shop: Shop, listing: StorefrontProduct, form: AddToCartForm | None = None, status: int = 200
) -> Response:
    product = listing.product
    url = _public_url(url_for("shop.product", slug=shop.storefront.slug, product_slug=listing.slug))
    image = (
        _public_url(url_for("uploads.media", name=product.image_filename))
        if product.image_filename
        else None
    )
    return render(
        "shop/product.html",
        status=status,
        listing=listing,
        product=product,
        price=product.price_in(shop.currency),
        terms=recurring_terms(product),
        schedule=schedule_note(product),
        sold_online=service.sold_online(listing, shop.currency, utcnow().date()),
        not_sold_online=NOT_SOLD_ONLINE,
        form=form or AddToCartForm(formdata=None),
        canonical_url=url,
        image_url=image,
        structured_data=product_data(listing, shop.currency, url, image),
        **_shell(shop, _cart(shop)),
    )


@shop_blueprint.get("/<slug>/p/<product_slug>")
def product(slug: str, product_slug: str) -> Response:
    def render_page() -> Response:
        shop = _open_shop(slug)
        return _product_page(shop, _listing_or_404(shop, product_slug))

    return _shop_page(slug, render_page)


@shop_blueprint.post("/<slug>/p/<product_slug>/add")
def add_to_cart(slug: str, product_slug: str) -> Response:
    shop = _open_shop(slug)
    listing = _listing_or_404(shop, product_slug)
    form = AddToCartForm()
    if form.validate_on_submit():
        cart, new_token = _cart(shop), None
        try:
            if cart is None:
                cart, new_token = service.new_cart(db.session, shop.storefront, shop.currency)
            service.add_to_cart(
                db.session, cart, listing, form.quantity.value or 0, utcnow().date()
            )
        except ServiceError as refusal:
            db.session.rollback()
            form.add_error(refusal.field, str(refusal.message))
        else:
            db.session.commit()
            if new_token is not None:  # the cart is this browser's, and its checkout too
                session[shop.cart_key] = new_token
                remember_browser()
            session.permanent = True
            flash(_("%(name)s is in your cart.", name=listing.product.name), "success")
            return render_after_change(
                "shop/_cart_link.html",
                url_for("shop.cart", slug=slug),
                **_shell(shop, cart),
            )
    return _product_page(shop, listing, form, status=422)


# The cart


def _cart_context(shop: Shop, cart: Cart | None, **forms: Any) -> dict[str, Any]:
    summary = (
        service.summarize_cart(db.session, shop.merchant, cart, shop.listed, utcnow().date())
        if cart is not None
        else None
    )
    line_ids = [p.line.id for p in summary.lines] if summary else []
    code_form = forms.get("code_form") or CartDiscountForm(formdata=None)
    if not code_form.is_submitted() and summary is not None:
        code_form.code.data = summary.discount_code
    return {
        "cart": cart,
        "summary": summary,
        "refusal_message": (
            BUYER_REFUSALS[summary.refusal] if summary and summary.refusal else None
        ),
        "quantity_form": forms.get("quantity_form")
        or CartQuantityForm(formdata=None, line_ids=line_ids),
        "code_form": code_form,
        "remove_form": forms.get("remove_form"),
        "checkout_form": forms.get("checkout_form") or KassaForm(formdata=None),
        **_shell(shop, cart),
    }


@shop_blueprint.get("/<slug>/cart")
def cart(slug: str) -> Response:
    shop = _open_shop(slug)
    return render("shop/cart.html", **_cart_context(shop, _cart(shop)))


def _cart_change(slug: str, form_name: str, make_form: Any, apply: Any) -> Response:
    """One change to the cart: validate, apply through the service, answer with the cart."""
    shop = _open_shop(slug)
    cart = _cart(shop)
    all_ids = [line.id for line in cart.lines] if cart else []
    form = make_form(all_ids)
    if form.validate_on_submit() and cart is not None:
        try:
            apply(shop, cart, form)
        except ServiceError as refusal:
            db.session.rollback()
            form.add_error(refusal.field, str(refusal.message))
        else:
            db.session.commit()
            return render_after_change(
                "shop/_cart.html", url_for("shop.cart", slug=slug), **_cart_context(shop, cart)
            )
    elif cart is None:
        form.add_error(None, _("Your cart is empty."))
    return render(
        "shop/cart.html", "shop/_cart.html", status=422,
        **_cart_context(shop, cart, **{form_name: form}),
    )  # fmt: skip


@shop_blueprint.post("/<slug>/cart/quantity")
def change_quantity(slug: str) -> Response:
    return _cart_change(
        slug,
        "quantity_form",
        lambda ids: CartQuantityForm(line_ids=ids),
        lambda _shop, cart, form: service.set_line_quantity(
            db.session, cart, int(form.line.data), form.quantity.value or 0
        ),
    )


@shop_blueprint.post("/<slug>/cart/remove")
def remove_line(slug: str) -> Response:
    def apply(_shop: Shop, cart: Cart, form: RemoveLineForm) -> None:
        line = service.cart_line(cart, int(form.line.data or 0))
        service.remove_line(db.session, cart, line.id)
        flash(_("%(name)s was removed from your cart.", name=line.product_name), "info")

    return _cart_change(slug, "remove_form", lambda ids: RemoveLineForm(line_ids=ids), apply)


@shop_blueprint.post("/<slug>/cart/discount")
@limiter.limit(rate_limits.DISCOUNT_CODES_PER_ADDRESS)
def apply_discount(slug: str) -> Response:
    return _cart_change(
        slug,
        "code_form",
        lambda _ids: CartDiscountForm(),
        lambda shop, cart, form: service.apply_cart_discount(
            db.session, shop.merchant, cart, form.code.data or ""
        ),
    )


@shop_blueprint.post("/<slug>/currency")
def choose_currency(slug: str) -> Response:
    shop = _open_shop(slug)
    switchable = service.switchable_currencies(shop.storefront, shop.currencies)
    form = ShopCurrencyForm(currencies=switchable)
    back = safe_next_url(request.form.get("next"), url_for("shop.home", slug=slug))
    if form.validate_on_submit():
        session[shop.currency_key] = form.currency.data
        cart = _cart(shop)
        if cart is not None:
            service.set_cart_currency(cart, form.currency.data or shop.currency)
            db.session.commit()
    else:
        flash(_("Choose one of the currencies offered."), "error")
    return redirect(back)


@shop_blueprint.post("/<slug>/cart/checkout")
def checkout(slug: str) -> Response:
    """ "Go to checkout": the shared checkout opens (or resumes) for the cart's lines on sale,
    at the prices the cart shows; the buyer continues at ``/c/<token>``."""
    shop = _open_shop(slug)
    cart = _cart(shop)
    form = KassaForm()
    if form.validate_on_submit():
        summary = (
            service.summarize_cart(db.session, shop.merchant, cart, shop.listed, utcnow().date())
            if cart is not None
            else None
        )
        if cart is None or summary is None or not summary.lines:
            form.add_error(None, _("Your cart is empty."))
        elif summary.refusal is not None:
            form.add_error(None, str(BUYER_REFUSALS[summary.refusal]))
        else:
            locale = str(get_locale())
            document = CartDocument.from_cart(
                db.session, cart, shop.storefront, locale, shop.listed
            )
            opened = checkout_service.resume_or_open(
                db.session, document, locale, browser_key(), discount_code=summary.discount_code
            )
            db.session.commit()
            return go_to(url_for("checkout.checkout_page", token=opened.token))
    return render(
        "shop/cart.html", "shop/_cart.html", status=422,
        **_cart_context(shop, cart, checkout_form=form),
    )  # fmt: skip
