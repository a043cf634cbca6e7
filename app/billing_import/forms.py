"""The import page's one form: a dry run or the import itself."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.billing_import.models import RunKind
from app.web.forms import CheckboxField, KassaForm, RadioChoiceField

RUN_KIND_NAMES = {
    RunKind.DRY_RUN: _l("Dry run: list what can move, change nothing"),
    RunKind.IMPORT: _l("Import: move every subscription that can move"),
}


class StartRunForm(KassaForm):
    kind = RadioChoiceField(
        _l("What to do"),
        choices=[(kind.value, label) for kind, label in RUN_KIND_NAMES.items()],
        default=RunKind.DRY_RUN.value,
    )
    import_charges = CheckboxField(
        _l("Also import past charges as payments for reports"),
        description=_l(
            "Each moved subscription's paid Stripe charges, with their fees and refunds, are "
            "kept as payments marked as imported from Stripe. No receipts are sent. A dry run "
            "imports nothing."
        ),
    )
