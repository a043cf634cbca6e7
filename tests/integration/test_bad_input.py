"""Bad input in every form field: a clear error next to the field, what was typed kept, no 500.

Every KassaForm subclass must appear in FORMS, so a new form joins this test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import app as app_package
from app.merchants import forms as merchant_forms
from app.processors import forms as processor_forms
from app.web.forms import KassaForm
from tests.conftest import PROJECT_ROOT
from tests.integration.test_invitations import invitation_link, invite
from tests.support.accounts import DEFAULT_PASSWORD, sign_up
from tests.support.mailbox import Mailbox
from tests.support.stripe_sandbox import StripeSandbox

SCRIPT = "<script>alert('x')</script>"
BAD_VALUES = {
    "empty": "",
    "overlong": "x" * 5000,
    "wrong-type": "\x00\x07\x1b",
    "script": SCRIPT,
}


@dataclass
class FormCase:
    form: type[KassaForm]
    page: Callable[
        [FlaskClient, Flask, Mailbox], str
    ]  # prepares the client, returns the form's URL
    valid: dict[str, str]
    optional: set[str] = field(default_factory=set)  # fields where empty is a valid answer
    secret: set[str] = field(default_factory=set)  # fields never echoed back (passwords)
    # Passwords may contain anything printable, markup included.
    accepts_markup: set[str] = field(default_factory=set)
    # A baseline that needs real Stripe keys (made on the sandbox).
    live_valid: Callable[[StripeSandbox], dict[str, str]] | None = None
    # The form answers with a redirect and a flashed error instead of re-rendering.
    refuses_by_redirect: bool = False


def anonymous(path: str) -> Callable[[FlaskClient, Flask, Mailbox], str]:
    return lambda _client, _app, _mailbox: path


def owner_page(path: str) -> Callable[[FlaskClient, Flask, Mailbox], str]:
    def prepare(client: FlaskClient, _app: Flask, _mailbox: Mailbox) -> str:
        sign_up(client, email="owner@example.com")
        return path

    return prepare


def invitation_page(client: FlaskClient, app: Flask, mailbox: Mailbox) -> str:
    owner = app.test_client()
    sign_up(owner, email="owner@example.com")
    invite(owner, "joiner@example.com")
    return invitation_link(mailbox, "joiner@example.com")


FORMS = [
    FormCase(
        merchant_forms.SignupForm,
        anonymous("/signup"),
        {
            "business_name": "Acme AB",
            "country": "SE",
            "currency": "",
            "email": "new@example.com",
            "password": DEFAULT_PASSWORD,
        },
        optional={"currency"},
        secret={"password"},
        accepts_markup={"password"},
    ),
    FormCase(
        merchant_forms.LoginForm,
        anonymous("/login"),
        {"email": "owner@example.com", "password": DEFAULT_PASSWORD},
        secret={"password"},
    ),
    FormCase(
        merchant_forms.PasswordChangeForm,
        owner_page("/panel/account"),
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "another secret 1",
            "confirm_password": "another secret 1",
        },
        secret={"current_password", "new_password", "confirm_password"},
        accepts_markup={"new_password"},
    ),
    FormCase(
        merchant_forms.InviteForm,
        owner_page("/panel/team"),
        {"email": "invitee@example.com", "locale": "en"},
    ),
    FormCase(
        processor_forms.StripeKeysForm,
        owner_page("/panel/settings/payments"),
        {"secret_key": "", "publishable_key": ""},
        secret={"secret_key"},
        live_valid=lambda sandbox: _sandbox_keys(sandbox),
    ),
    FormCase(
        processor_forms.ConfirmConnectionForm,
        owner_page("/panel/settings/payments"),
        {"sealed": "x"},
        refuses_by_redirect=True,
    ),
    FormCase(processor_forms.DisconnectForm, owner_page("/panel/settings/payments/disconnect"), {}),
    FormCase(
        merchant_forms.AcceptInvitationForm,
        invitation_page,
        {"name": "Sam", "password": "staff password 1", "confirm_password": "staff password 1"},
        secret={"password", "confirm_password"},
        accepts_markup={"password"},
    ),
]


def test_every_form_is_covered() -> None:
    for module in sorted(Path(app_package.__file__).parent.rglob("forms.py")):
        importlib.import_module(".".join(module.relative_to(PROJECT_ROOT).with_suffix("").parts))

    def subclasses(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    covered = {case.form for case in FORMS}
    assert subclasses(KassaForm) - covered == set()


def cases() -> list[tuple[FormCase, str, str]]:
    result = []
    for case in FORMS:
        for name in case.valid:
            result.extend((case, name, kind) for kind in BAD_VALUES)
    return result


def _sandbox_keys(sandbox: StripeSandbox) -> dict[str, str]:
    account = sandbox.create_account()
    return {"secret_key": account.secret_key, "publishable_key": account.publishable_key}


ACTIONS = {
    merchant_forms.InviteForm: "/panel/team/invitations",
    processor_forms.StripeKeysForm: "/panel/settings/payments/verify",
    processor_forms.ConfirmConnectionForm: "/panel/settings/payments/connect",
}


def action_of(case: FormCase, url: str) -> str:
    return ACTIONS.get(case.form, url)


@pytest.mark.parametrize(
    ("case", "field_name", "kind"),
    cases(),
    ids=[f"{c.form.__name__}-{f}-{k}" for c, f, k in cases()],
)
def test_bad_value_gets_a_clear_error(
    case: FormCase,
    field_name: str,
    kind: str,
    client: FlaskClient,
    app: Flask,
    mailbox: Mailbox,
    stripe_sandbox: StripeSandbox,
) -> None:
    from tests.conftest import csrf_token_from

    url = case.page(client, app, mailbox)
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    valid = {**case.valid, **(case.live_valid(stripe_sandbox) if case.live_valid else {})}
    data = {**valid, field_name: BAD_VALUES[kind]}
    response = client.post(
        action_of(case, url),
        data={"csrf_token": token, **data},
        follow_redirects=case.refuses_by_redirect,
    )
    body = response.get_data(as_text=True)

    assert response.status_code < 500
    assert SCRIPT not in body, "markup was echoed back unescaped"
    accepted = (kind == "empty" and field_name in case.optional) or (
        kind == "script" and field_name in case.accepts_markup
    )
    if accepted:
        return
    if case.refuses_by_redirect:
        assert 'class="alert alert-error"' in body, f"{kind} {field_name} was accepted"
        return
    assert response.status_code in (400, 422), f"{kind} {field_name} was accepted"
    has_field_error = f'id="{field_name}-error"' in body
    has_form_error = 'class="alert alert-error" role="alert"' in body
    assert has_field_error or has_form_error
    for other, value in valid.items():
        if other != field_name and other not in case.secret and value:
            assert (
                f'value="{value}"' in body
                or f'<option selected value="{value}"' in body
                or (f'value="{value}" selected' in body)
            ), f"{other} lost what was typed"
