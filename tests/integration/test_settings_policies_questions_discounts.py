"""Policies and consent, custom fields (checkout questions) and discount codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.merchants.models import Merchant
from app.settings import service
from app.settings.models import CustomField, CustomFieldKind, Discount, PolicyKind
from tests.support.accounts import post_form, sign_up
from tests.support.settings import add_currency, add_custom_field, add_discount

POLICIES = "/panel/settings/policies"


def save_policy(client: FlaskClient, kind: str, locale: str, url: str = "", text: str = ""):  # type: ignore[no-untyped-def]
    data = {"kind": kind, "locale": locale, "url": url, "text": text}
    return post_form(client, POLICIES, POLICIES, data)


def merchant() -> Merchant:
    return db.session.scalars(select(Merchant)).one()


def test_policies_per_locale_with_fallback(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    assert save_policy(client, "terms", "en", url="https://example.com/terms").status_code == 302
    assert save_policy(client, "terms", "sv", text="Villkor.\nRad två.").status_code == 302
    assert save_policy(client, "refund", "en", text="30 days.").status_code == 302
    with app.app_context():
        swedish = service.policies_for_locale(db.session, merchant(), "sv")
        assert swedish[PolicyKind.TERMS].text == "Villkor.\nRad två."
        assert swedish[PolicyKind.REFUND].text == "30 days."  # no Swedish one: English instead
        assert PolicyKind.CANCELLATION not in swedish
    edit = client.get(f"{POLICIES}?kind=terms&locale=sv").get_data(as_text=True)
    assert "Villkor." in edit
    assert "https://example.com/terms" not in edit.split('id="url"')[1].split(">")[0]


def test_policy_links_must_be_web_addresses_and_texts_have_a_limit(client: FlaskClient) -> None:
    sign_up(client)
    for bad in ("javascript:alert(1)", "example.com/terms", "https://"):
        response = save_policy(client, "terms", "en", url=bad)
        assert response.status_code == 422, bad
        assert "Enter a web address starting with https://." in response.get_data(as_text=True)
    too_long = save_policy(client, "terms", "en", text="x" * 20001)
    assert too_long.status_code == 422
    assert save_policy(client, "terms", "en", text="x" * 20000).status_code == 302


def test_consent_needs_a_policy_and_emptying_a_policy_removes_it(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    consent = POLICIES + "/consent"
    refused = post_form(client, POLICIES, consent, {"require_policy_consent": "y"})
    assert refused.status_code == 422
    assert "Add a policy before asking buyers to agree to it." in refused.get_data(as_text=True)

    save_policy(client, "terms", "en", text="Be nice.")
    assert post_form(client, POLICIES, consent, {"require_policy_consent": "y"}).status_code == 302
    with app.app_context():
        assert service.checkout_settings(db.session, merchant()).require_policy_consent

    save_policy(client, "terms", "en")
    with app.app_context():
        assert service.list_policies(db.session, merchant()) == []
        assert not service.checkout_settings(db.session, merchant()).require_policy_consent


def test_custom_fields_with_labels_per_locale(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    response = post_form(
        client, "/panel/settings/custom-fields", "/panel/settings/custom-fields",
        {"label_en": "T-shirt size", "label_sv": "T-shirtstorlek", "kind": "dropdown",
         "options": "S\nM\n\nL\n", "required": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalars(select(CustomField)).one()
        assert question.kind is CustomFieldKind.DROPDOWN
        assert question.options == ["S", "M", "L"]
        assert question.required
        assert (question.label_in("sv"), question.label_in("de")) == (
            "T-shirtstorlek", "T-shirt size",
        )  # fmt: skip
    swedish = client.get("/panel/settings/custom-fields", headers={"Accept-Language": "sv"})
    assert "T-shirtstorlek" in swedish.get_data(as_text=True)


def test_a_dropdown_needs_choices_and_five_questions_is_the_most(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    one_choice = add_custom_field(client, kind="dropdown", options="Only")
    assert one_choice.status_code == 422
    assert "Give a dropdown 2 to 20 different choices" in one_choice.get_data(as_text=True)
    for number in range(5):
        assert add_custom_field(client, f"Question {number}", kind="number").status_code == 302
    sixth = add_custom_field(client, "One too many")
    assert sixth.status_code == 422
    assert "You can ask at most 5 questions." in sixth.get_data(as_text=True)
    page = client.get("/panel/settings/custom-fields").get_data(as_text=True)
    assert "Remove one to add another." in page
    with app.app_context():
        first = db.session.scalars(select(CustomField.id)).first()
    removed = post_form(
        client, "/panel/settings/custom-fields", f"/panel/settings/custom-fields/{first}/remove",
        {}, headers={"HX-Request": "true"},
    )  # fmt: skip
    assert "Question removed." in removed.get_data(as_text=True)
    assert 'id="label_en"' in removed.get_data(as_text=True)


def test_discount_codes_percentage_or_amount(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_currency(client, "EUR")
    assert (
        add_discount(client, "spring25", expires_on="2099-12-31", max_redemptions="2").status_code
        == 302
    )
    assert (
        add_discount(client, "TENOFF", percent="", currency="EUR", amount="10").status_code == 302
    )
    with app.app_context():
        codes = {d.code: d for d in db.session.scalars(select(Discount))}
        assert codes["SPRING25"].percent_bps == 2500
        assert codes["SPRING25"].expires_at is not None
        assert codes["TENOFF"].amount_off is not None
        assert (codes["TENOFF"].amount, codes["TENOFF"].currency) == (1000, "EUR")
    page = client.get("/panel/settings/discounts").get_data(as_text=True)
    assert "SPRING25" in page and "€10.00" in page and "0 of 2" in page

    both = add_discount(client, "BOTH", percent="10", amount="5")
    assert "Enter either a percentage or an amount off." in both.get_data(as_text=True)
    neither = add_discount(client, "NEITHER", percent="", amount="")
    assert "Enter either a percentage or an amount off." in neither.get_data(as_text=True)
    again = add_discount(client, "Spring25")
    assert "You already have a code SPRING25." in again.get_data(as_text=True)
    odd = add_discount(client, "NO SPACES")
    assert "Use only letters A to Z, digits, - and _." in odd.get_data(as_text=True)
    past = add_discount(client, "OLD", expires_on="2020-01-01")
    assert "Choose a date from today on." in past.get_data(as_text=True)


def test_redemptions_are_counted_up_to_the_limit_and_codes_expire(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    add_discount(client, "ONCE", max_redemptions="1", expires_on="2099-12-31")
    with app.app_context():
        owner = merchant()
        found = service.usable_discount(db.session, owner, " once ")
        assert found is not None
        assert service.claim_discount_use(db.session, owner.id, found.id)
        assert not service.claim_discount_use(db.session, owner.id, found.id)  # none left
        db.session.commit()
        db.session.refresh(found)
        assert found.redemption_count == 1
        assert service.usable_discount(db.session, owner, "ONCE") is None
        service.release_discount_use(db.session, owner.id, found.id)  # a debit that bounced
        db.session.refresh(found)
        assert found.redemption_count == 0
        assert service.claim_discount_use(db.session, owner.id, found.id)
        db.session.refresh(found)
        after_expiry = datetime(2100, 1, 1, tzinfo=UTC) + timedelta(seconds=1)
        found.max_redemptions = None
        assert service.usable_discount(db.session, owner, "ONCE", after_expiry) is None
        assert service.usable_discount(db.session, owner, "ONCE") is not None
