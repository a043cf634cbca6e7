"""The customer's form on the invoice page: pay it, or the part they type when it allows."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

from app.core.money import Money
from app.web.forms import AmountField, KassaForm


class PayInvoiceForm(KassaForm):
    """ "Amount to pay" in the invoice's currency, typed in the customer's locale. The currency
    is the invoice's, set here: whatever a post says of it is ignored."""

    currency = HiddenField()
    amount = AmountField(_l("Amount to pay"), currency_field="currency")

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.data = currency

    @property
    def typed(self) -> Money | None:
        """The amount typed, once validated (None when the field was left out or empty)."""
        return self.amount.money
