"""The registries other features add to customers through: a section of the customer's page,
and their part of a customer's personal data. Registering again at a second import changes
nothing; a second, different part under a taken name is a mistake said at once."""

from __future__ import annotations

import pytest

from app.checkout import customer_data as checkout_data
from app.customers.privacy import register_personal_data, registered
from app.customers.sections import customer_sections, register_customer_section
from app.payments import customer_data as payment_data


def test_payments_add_their_section_once() -> None:
    before = customer_sections()
    assert payment_data.render_payments in [section.render for section in before]
    register_customer_section("Payments again", payment_data.render_payments)
    assert customer_sections() == before


def test_payments_and_checkouts_register_their_personal_data_once() -> None:
    names = [part.name for part in registered()]
    assert {"payments", "checkouts"} <= set(names)
    register_personal_data(
        "checkouts", checkout_data.export_checkouts, checkout_data.erase_checkouts
    )
    assert [part.name for part in registered()] == names
    with pytest.raises(ValueError, match="registered already"):
        register_personal_data(
            "payments", checkout_data.export_checkouts, payment_data.erase_payments
        )
    assert [part.name for part in registered()] == names
