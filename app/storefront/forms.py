"""Forms of the storefront: its settings in the panel, and the buyer's cart (choices only;
every amount is priced on the server)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from app.core.methods import PaymentMethod
from app.settings.labels import METHOD_LABELS
from app.storefront.service import MAX_QUANTITY
from app.web.forms import (
    CheckboxField,
    ChoiceField,
    ImageField,
    KassaForm,
    MultipleChoiceField,
    WholeNumberField,
    max_length,
    multiline_text,
    plain_text,
    required,
    strip_whitespace,
)
from app.web.i18n import locale_name, shipped_locales

TITLE_MAX = 120
INTRO_MAX = 2000
CATEGORY_NAME_MAX = 60


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class StorefrontForm(KassaForm):
    """The shop's settings; the per-language title, intro and hero image fields are added
    below, one set per shipped locale (``title_en``, ``intro_sv``, ``hero_en``, ...)."""

    enabled = CheckboxField(
        _l("The shop is open"), description=_l("While it is closed, only you see it (preview).")
    )
    slug = StringField(
        _l("Shop address"),
        description=_l("Lower-case letters, digits and hyphens: your shop is at /s/ and this."),
        validators=[required(), max_length(40), plain_text],
        filters=[_lower],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    currency_switch = CheckboxField(
        _l("Let buyers switch currency"),
        description=_l("Only among your currencies that every product in the shop has a price in."),
    )
    payment_methods = MultipleChoiceField(
        _l("Payment methods in the shop"),
        description=_l("Leave all unticked to accept what your checkout settings accept."),
    )

    def __init__(self, *args: Any, methods: list[PaymentMethod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment_methods.choices = [(m.value, METHOD_LABELS[m]) for m in methods]

    def per_locale(self, prefix: str) -> dict[str, str]:
        return {code: self[f"{prefix}_{code}"].data or "" for code in shipped_locales()}

    def heroes(self) -> dict[str, bytes]:
        return {
            code: data
            for code in shipped_locales()
            if (data := self[f"hero_{code}"].image_bytes) is not None
        }

    def removed_heroes(self) -> frozenset[str]:
        return frozenset(code for code in shipped_locales() if self[f"remove_hero_{code}"].data)


for _code in shipped_locales():
    _language = locale_name(_code)
    setattr(
        StorefrontForm,
        f"title_{_code}",
        StringField(
            _l("Title (%(language)s)", language=_language),
            validators=[max_length(TITLE_MAX), plain_text],
            filters=[strip_whitespace],
        ),
    )
    setattr(
        StorefrontForm,
        f"intro_{_code}",
        TextAreaField(
            _l("Introduction (%(language)s)", language=_language),
            validators=[max_length(INTRO_MAX), multiline_text],
            filters=[strip_whitespace],
            render_kw={"rows": 3},
        ),
    )
    setattr(
        StorefrontForm,
        f"hero_{_code}",
        ImageField(
            _l("Banner image (%(language)s)", language=_language),
            description=_l("PNG, JPEG or WebP, at most 1 MB; wide images work best."),
        ),
    )
    setattr(
        StorefrontForm,
        f"remove_hero_{_code}",
        CheckboxField(_l("Remove the banner image (%(language)s)", language=_language)),
    )


def category_choices(categories: list[Any], locale: str) -> list[tuple[str, Any]]:
    return [("", _l("No category")), *((str(c.id), c.name_in(locale)) for c in categories)]


class ListProductForm(KassaForm):
    product = ChoiceField(_l("Product"), validators=[required()], validate_choice=True)
    category = ChoiceField(_l("Category"), validate_choice=True)

    def __init__(
        self, *args: Any, products: list[Any], categories: list[Any], locale: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.product.choices = [
            ("", _l("Choose a product")),
            *((str(p.id), p.name) for p in products),
        ]
        self.category.choices = category_choices(categories, locale)


class ListingCategoryForm(KassaForm):
    category = ChoiceField(_l("Category"), validate_choice=True)

    def __init__(self, *args: Any, categories: list[Any], locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices(categories, locale)


class CategoryForm(KassaForm):
    """A category's name, one field per shipped locale (``name_en``, ``name_sv``)."""

    def names(self) -> dict[str, str]:
        return {code: self[f"name_{code}"].data or "" for code in shipped_locales()}


for _code in shipped_locales():
    setattr(
        CategoryForm,
        f"name_{_code}",
        StringField(
            _l("Name (%(language)s)", language=locale_name(_code)),
            validators=[required(), max_length(CATEGORY_NAME_MAX), plain_text],
            filters=[strip_whitespace],
        ),
    )


# The buyer's forms


def quantity_field() -> WholeNumberField:
    return WholeNumberField(
        _l("Quantity"), [required()], minimum=1, maximum=MAX_QUANTITY, default="1"
    )


class AddToCartForm(KassaForm):
    quantity = quantity_field()


class CartQuantityForm(KassaForm):
    line = ChoiceField(_l("Item"), validate_choice=True)
    quantity = quantity_field()

    def __init__(self, *args: Any, line_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line.choices = [(str(line_id), str(line_id)) for line_id in line_ids]


class RemoveLineForm(KassaForm):
    line = ChoiceField(_l("Item"), validate_choice=True)

    def __init__(self, *args: Any, line_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line.choices = [(str(line_id), str(line_id)) for line_id in line_ids]


class CartDiscountForm(KassaForm):
    code = StringField(
        _l("Discount code"),
        validators=[max_length(40), plain_text],
        filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ShopCurrencyForm(KassaForm):
    currency = ChoiceField(_l("Currency"), validate_choice=True)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = [(code, code) for code in currencies]
