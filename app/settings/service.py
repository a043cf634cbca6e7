"""Everything that reads or changes a merchant's checkout configuration.

The checkout, pricing and processors code read a merchant's configuration through the
functions here (``checkout_settings``, ``account_currencies``, ``accepted_methods``,
``list_fees``, ``list_tax_rates``, ...), never by querying the tables themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.core import pricing
from app.core.clock import utcnow
from app.core.colours import HEX_COLOUR, READABLE_CONTRAST, contrast_with_white
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod, Unavailable, method_availability, required_currency
from app.core.money import Money, is_currency
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.merchants.public_version import as_of_version
from app.settings.labels import METHOD_LABELS
from app.settings.models import (
    AccountCurrency,
    CheckoutSettings,
    Collect,
    CustomField,
    CustomFieldKind,
    Discount,
    Fee,
    Policy,
    PolicyKind,
    TaxRate,
)
from app.web.uploads import delete_image, store_image


@dataclass(frozen=True)
class ConnectedAccount:
    """What the connected Stripe account allows: its country and its active capabilities."""

    country: str
    capabilities: frozenset[str]
    livemode: bool = False


def connected_account(session: DbSession, merchant: Merchant) -> ConnectedAccount | None:
    """The merchant's connected Stripe account (country, active capabilities), or None."""
    connection = merchant.processor_connection
    if connection is None:
        return None
    return ConnectedAccount(
        country=connection.country,
        capabilities=frozenset(connection.capabilities),
        livemode=connection.livemode,
    )


Listed = TypeVar("Listed", Fee, TaxRate, Policy, CustomField, Discount)


def _rows_of(
    session: DbSession, merchant: Merchant, model: type[Listed], *order: Any
) -> list[Listed]:
    return list(
        session.scalars(select(model).where(model.merchant_id == merchant.id).order_by(*order))
    )


def remove_listed(session: DbSession, row: Fee | TaxRate | CustomField | Discount) -> None:
    """Delete one of the merchant's list entries: a fee, a tax rate, a question or a code.

    Products that used a removed tax rate are left without one (the foreign key sets NULL).
    """
    session.delete(row)
    session.flush()


def checkout_settings(session: DbSession, merchant: Merchant) -> CheckoutSettings:
    """The merchant's settings row, created with the defaults on first use."""
    settings = merchant.checkout_settings
    if settings is None:
        settings = CheckoutSettings(display_name=merchant.name)
        merchant.checkout_settings = settings
        session.flush()
    return settings


# Currencies


def account_currencies(session: DbSession, merchant: Merchant) -> list[str]:
    """The currencies the merchant sells in: the default one first, then the added ones (read
    once per ``public_version``: every buyer page asks)."""

    def read() -> tuple[str, ...]:
        added = session.scalars(
            select(AccountCurrency.currency)
            .where(AccountCurrency.merchant_id == merchant.id)
            .order_by(AccountCurrency.currency)
        ).all()
        return (merchant.default_currency, *(c for c in added if c != merchant.default_currency))

    return list(as_of_version(merchant, "account_currencies", read))


def ensure_account_currency(session: DbSession, merchant: Merchant, currency: str) -> None:
    """Refuse (on the ``currency`` field) a currency that is not one of the merchant's."""
    if currency not in account_currencies(session, merchant):
        raise ServiceError(
            _l("Add %(currency)s to your account currencies first.", currency=currency),
            "currency",
        )


def add_currency(session: DbSession, merchant: Merchant, currency: str) -> None:
    if not is_currency(currency):
        raise ServiceError(_l("Choose one of the options."), "currency")
    if currency in account_currencies(session, merchant):
        raise ServiceError(
            _l("%(currency)s is already one of your currencies.", currency=currency), "currency"
        )
    session.add(AccountCurrency(merchant_id=merchant.id, currency=currency))
    session.flush()


def _currency_in_use(session: DbSession, merchant: Merchant, currency: str) -> Any:
    """Why ``currency`` cannot go (a message), or None when nothing uses it."""
    from app.catalog.models import Price

    def count(column: Any, *conditions: Any) -> int:
        return session.scalar(select(func.count(column)).where(*conditions)) or 0

    if count(Price.id, Price.merchant_id == merchant.id, Price.currency == currency):
        return _l(
            "Products still have prices in %(currency)s. Remove those prices first.",
            currency=currency,
        )
    if count(Fee.id, Fee.merchant_id == merchant.id, Fee.fixed_currency == currency) or count(
        Discount.id, Discount.merchant_id == merchant.id, Discount.currency == currency
    ):
        return _l(
            "Fees or discount codes still use %(currency)s. Remove them first.", currency=currency
        )
    chosen = checkout_settings(session, merchant).payment_methods
    if any(required_currency(PaymentMethod(m)) == currency for m in chosen):
        return _l(
            "A payment method you accept takes only %(currency)s. Turn it off first.",
            currency=currency,
        )
    return None


def remove_currency(session: DbSession, merchant: Merchant, currency: str) -> None:
    """Remove an added currency; the default one and currencies still in use stay."""
    if currency == merchant.default_currency:
        raise ServiceError(
            _l("%(currency)s is your default currency and cannot be removed.", currency=currency)
        )
    row = session.scalar(
        select(AccountCurrency).where(
            AccountCurrency.merchant_id == merchant.id, AccountCurrency.currency == currency
        )
    )
    if row is None:
        raise ServiceError(_l("%(currency)s is not one of your currencies.", currency=currency))
    in_use = _currency_in_use(session, merchant, currency)
    if in_use is not None:
        raise ServiceError(in_use)
    session.delete(row)
    session.flush()


# Payment methods, addresses, phone


@dataclass(frozen=True)
class MethodOption:
    method: PaymentMethod
    unavailable: Unavailable | None

    @property
    def available(self) -> bool:
        return self.unavailable is None


def method_options(session: DbSession, merchant: Merchant) -> list[MethodOption]:
    """Every method with the reason it cannot be taken now (None when it can)."""
    account = connected_account(session, merchant)
    currencies = account_currencies(session, merchant)
    return [
        MethodOption(
            method,
            method_availability(
                method,
                account.country if account else None,
                currencies,
                account.capabilities if account else None,
            ),
        )
        for method in PaymentMethod
    ]


def accepted_methods(session: DbSession, merchant: Merchant) -> list[PaymentMethod]:
    """The methods the merchant chose that can be taken now (what the checkout offers)."""
    chosen = set(checkout_settings(session, merchant).payment_methods)
    return [
        option.method
        for option in method_options(session, merchant)
        if option.method.value in chosen and option.available
    ]


def update_checkout(
    session: DbSession,
    merchant: Merchant,
    *,
    methods: list[PaymentMethod],
    billing_address: Collect,
    shipping_address: Collect,
    phone: Collect,
) -> CheckoutSettings:
    if not methods:
        raise ServiceError(_l("Choose at least one payment method."), "payment_methods")
    options = {option.method: option for option in method_options(session, merchant)}
    if any(not options[method].available for method in methods):
        raise ServiceError(_l("Choose only methods that are available to you."), "payment_methods")
    settings = checkout_settings(session, merchant)
    settings.payment_methods = [method.value for method in PaymentMethod if method in methods]
    settings.billing_address = billing_address
    settings.shipping_address = shipping_address
    settings.phone = phone
    return settings


# Branding


def update_branding(
    session: DbSession,
    merchant: Merchant,
    *,
    display_name: str,
    accent_color: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> CheckoutSettings:
    """Name, colour and logo of the buyer pages; a new logo replaces (and deletes) the old one."""
    if not HEX_COLOUR.fullmatch(accent_color):
        raise ServiceError(
            _l("Enter a colour as # and six hex digits, like #3b4cca."), "accent_color"
        )
    settings = checkout_settings(session, merchant)
    settings.display_name = display_name.strip()
    settings.accent_color = accent_color.lower()
    if logo is not None or remove_logo:
        old = settings.logo_filename
        settings.logo_filename = store_image(logo) if logo is not None else None
        delete_image(old)
    return settings


def accent_is_readable(settings: CheckoutSettings) -> bool:
    """Whether white text on the accent colour meets WCAG's 4.5:1 (the page warns if not)."""
    return contrast_with_white(settings.accent_color) >= READABLE_CONTRAST


# Fees


def list_fees(session: DbSession, merchant: Merchant) -> list[Fee]:
    return list(session.scalars(select(Fee).where(Fee.merchant_id == merchant.id).order_by(Fee.id)))


def add_fee(
    session: DbSession,
    merchant: Merchant,
    *,
    name: str,
    method: PaymentMethod,
    fixed: Money | None,
    percent_bps: int | None,
    gross_up: bool,
) -> Fee:
    """A surcharge on one method: a fixed amount in an account currency and/or a percentage.

    The pricing engine charges one fee per payment (``pricing.fee_for``), so a method has at most
    one fee in each currency: a fee with a fixed part applies in that part's currency, a
    percentage alone in every currency (``Fee.applies_in``). A grossed-up fee takes at most
    ``pricing.MAX_GROSSED_UP_PERCENTAGE``.
    """
    if not fixed and not percent_bps:
        raise ServiceError(_l("Enter a fixed amount, a percentage or both."), "fixed_amount")
    if fixed:
        ensure_account_currency(session, merchant, fixed.currency)
    largest = int(pricing.MAX_GROSSED_UP_PERCENTAGE * 100)
    if gross_up and (percent_bps or 0) > largest:
        raise ServiceError(
            _l(
                "A grossed-up fee can be at most %(max)d%%: above that, the fee would be larger "
                "than the price it is added to.",
                max=largest // 100,
            ),
            "percent",
        )
    fee = Fee(
        merchant_id=merchant.id,
        name=name.strip(),
        method=method,
        fixed_amount=fixed.amount if fixed else None,
        fixed_currency=fixed.currency if fixed else None,
        percent_bps=percent_bps or None,
        gross_up=gross_up,
    )
    _refuse_a_second_fee(session, merchant, fee)
    session.add(fee)
    session.flush()
    return fee


def _refuse_a_second_fee(session: DbSession, merchant: Merchant, fee: Fee) -> None:
    """Refuse ``fee`` when another fee of its method applies in one of the same currencies."""
    for other in list_fees(session, merchant):
        if other.method != fee.method:
            continue
        for currency in account_currencies(session, merchant):
            if fee.applies_in(currency) and other.applies_in(currency):
                raise ServiceError(
                    gettext(
                        "%(method)s already has a fee on payments in %(currency)s: "
                        "%(name)s. A payment carries one fee per method, so remove that fee "
                        "first, or give each fee a fixed amount in a different currency.",
                        method=METHOD_LABELS[fee.method],
                        currency=currency,
                        name=other.name,
                    ),
                    "method",
                )


# Tax rates


def list_tax_rates(session: DbSession, merchant: Merchant) -> list[TaxRate]:
    return _rows_of(session, merchant, TaxRate, TaxRate.name)


def add_tax_rate(
    session: DbSession,
    merchant: Merchant,
    *,
    name: str,
    percent_bps: int,
    inclusive: bool,
    country: str | None,
) -> TaxRate:
    rate = TaxRate(
        merchant_id=merchant.id,
        name=name.strip(),
        percent_bps=percent_bps,
        inclusive=inclusive,
        country=country or None,
    )
    session.add(rate)
    session.flush()
    return rate


# Policies


def list_policies(session: DbSession, merchant: Merchant) -> list[Policy]:
    return _rows_of(session, merchant, Policy, Policy.kind, Policy.locale)


def policies_for_locale(
    session: DbSession, merchant: Merchant, locale: str
) -> dict[PolicyKind, Policy]:
    """Each policy the merchant has, in ``locale`` where written, else in its default locale,
    else in any locale (what a buyer's checkout shows)."""
    return policies_in(list_policies(session, merchant), merchant.default_locale, locale)


def policies_in(
    policies: Iterable[Policy], default_locale: str, locale: str
) -> dict[PolicyKind, Policy]:
    """Of ``policies``, each kind in ``locale`` where written, else in ``default_locale``,
    else in any locale."""
    preference = {locale: 0, default_locale: 1}
    chosen: dict[PolicyKind, Policy] = {}
    for policy in sorted(policies, key=lambda p: preference.get(p.locale, 2)):
        chosen.setdefault(policy.kind, policy)
    return chosen


def save_policy(
    session: DbSession, merchant: Merchant, kind: PolicyKind, locale: str, url: str, text: str
) -> Policy | None:
    """Set one policy in one locale; with neither a link nor a text it is removed."""
    policy = session.scalar(
        select(Policy).where(
            Policy.merchant_id == merchant.id, Policy.kind == kind, Policy.locale == locale
        )
    )
    if not url.strip() and not text.strip():
        if policy is not None:
            session.delete(policy)
            session.flush()
        if not list_policies(session, merchant):
            checkout_settings(session, merchant).require_policy_consent = False
        return None
    if policy is None:
        policy = Policy(merchant_id=merchant.id, kind=kind, locale=locale)
        session.add(policy)
    policy.url, policy.text = url.strip(), text.strip()
    session.flush()
    return policy


def set_policy_consent(session: DbSession, merchant: Merchant, required: bool) -> None:
    """Whether buyers must tick a box agreeing to the policies (only once there are some)."""
    if required and not list_policies(session, merchant):
        raise ServiceError(
            _l("Add a policy before asking buyers to agree to it."), "require_policy_consent"
        )
    checkout_settings(session, merchant).require_policy_consent = required


# Custom fields

MAX_CUSTOM_FIELDS = 5
MAX_DROPDOWN_OPTIONS = 20
DROPDOWN_OPTION_MAX = 100


def list_custom_fields(session: DbSession, merchant: Merchant) -> list[CustomField]:
    return _rows_of(session, merchant, CustomField, CustomField.id)


def add_custom_field(
    session: DbSession,
    merchant: Merchant,
    *,
    kind: CustomFieldKind,
    labels: dict[str, str],
    options: list[str],
    required: bool,
) -> CustomField:
    """A question the checkout asks (at most five); dropdowns need 2 to 20 choices."""
    if len(list_custom_fields(session, merchant)) >= MAX_CUSTOM_FIELDS:
        raise ServiceError(_l("You can ask at most %(count)d questions.", count=MAX_CUSTOM_FIELDS))
    choices = [option.strip() for option in options if option.strip()]
    if kind is CustomFieldKind.DROPDOWN:
        if not 2 <= len(choices) <= MAX_DROPDOWN_OPTIONS or len(set(choices)) != len(choices):
            raise ServiceError(
                _l("Give a dropdown 2 to 20 different choices, one per line."), "options"
            )
        if any(len(choice) > DROPDOWN_OPTION_MAX for choice in choices):
            raise ServiceError(_l("Keep each choice to 100 characters or fewer."), "options")
    else:
        choices = []
    custom_field = CustomField(
        merchant_id=merchant.id,
        kind=kind,
        labels={code: label.strip() for code, label in labels.items()},
        options=choices,
        required=required,
    )
    session.add(custom_field)
    session.flush()
    return custom_field


# Discounts


def list_discounts(session: DbSession, merchant: Merchant) -> list[Discount]:
    return _rows_of(session, merchant, Discount, Discount.code)


EVERYTHING_OFF = 10_000  # 100 % in basis points


def end_of_day(day: date) -> datetime:
    """The moment a code (or a link) valid "until ``day``" stops working: the next midnight,
    UTC. The last day a calendar has never ends (the forms refuse such days, an old row may
    hold one)."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def add_discount(
    session: DbSession,
    merchant: Merchant,
    *,
    code: str,
    percent_bps: int | None,
    amount: Money | None,
    valid_until: date | None,
    max_redemptions: int | None,
) -> Discount:
    """A code worth a percentage or a fixed amount in an account currency (not both)."""
    code = code.strip().upper()
    if bool(percent_bps) == bool(amount):
        raise ServiceError(_l("Enter either a percentage or an amount off."), "percent")
    if percent_bps is not None and percent_bps >= EVERYTHING_OFF:
        raise ServiceError(
            _l(
                "A code that takes off the whole price leaves nothing to pay, and a payment of "
                "nothing cannot be taken. Enter a percentage below 100."
            ),
            "percent",
        )
    if amount:
        ensure_account_currency(session, merchant, amount.currency)
    if valid_until is not None and end_of_day(valid_until) <= utcnow():
        raise ServiceError(_l("Choose a date from today on."), "expires_on")
    if session.scalar(
        select(Discount.id).where(Discount.merchant_id == merchant.id, Discount.code == code)
    ):
        raise ServiceError(_l("You already have a code %(code)s.", code=code), "code")
    discount = Discount(
        merchant_id=merchant.id,
        code=code,
        percent_bps=percent_bps or None,
        amount=amount.amount if amount else None,
        currency=amount.currency if amount else None,
        expires_at=end_of_day(valid_until) if valid_until else None,
        max_redemptions=max_redemptions,
    )
    session.add(discount)
    session.flush()
    return discount


def usable_discount(
    session: DbSession,
    merchant: Merchant,
    code: str,
    now: datetime | None = None,
    *,
    known: Discount | None = None,
) -> Discount | None:
    """The merchant's discount with this code (any case) if it has not expired or run out;
    ``known`` is that discount when the caller read it already (a checkout loads its code's)."""
    if not code.strip():
        return None
    wanted = code.strip().upper()
    if known is not None and known.merchant_id == merchant.id and known.code == wanted:
        discount: Discount | None = known
    else:
        discount = session.scalar(
            select(Discount).where(Discount.merchant_id == merchant.id, Discount.code == wanted)
        )
    if discount is None or not discount.is_usable(now or utcnow()):
        return None
    return discount


def claim_discount_use(session: DbSession, merchant_id: int, discount_id: int) -> bool:
    """Count one use of a code for a payment being confirmed; False when none is left.

    One conditional UPDATE, so buyers paying at the same moment cannot both take the last use
    (PostgreSQL re-checks the condition on the locked row; SQLite serializes writers). A code
    that expired while the buyer paid still counts: the buyer was shown its price.
    """
    claimed = session.execute(
        update(Discount)
        .where(
            Discount.id == discount_id,
            Discount.merchant_id == merchant_id,
            or_(
                Discount.max_redemptions.is_(None),
                Discount.redemption_count < Discount.max_redemptions,
            ),
        )
        .values(redemption_count=Discount.redemption_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def release_discount_use(session: DbSession, merchant_id: int, discount_id: int) -> None:
    """Give back a use claimed for a payment that did not go through (a bounced debit)."""
    session.execute(
        update(Discount)
        .where(
            Discount.id == discount_id,
            Discount.merchant_id == merchant_id,
            Discount.redemption_count > 0,
        )
        .values(redemption_count=Discount.redemption_count - 1)
        .execution_options(synchronize_session=False)
    )
