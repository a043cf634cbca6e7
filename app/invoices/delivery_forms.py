"""The form behind the invoice's "Send" / "Send again" button."""

from __future__ import annotations

from app.web.forms import KassaForm


class SendInvoiceForm(KassaForm):
    """No fields: the invoice is in the URL, the recipient is its customer; CSRF only."""
