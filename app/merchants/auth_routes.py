"""Public pages of merchant accounts: home, sign up, log in, log out, password reset, accept an
invitation."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.errors import ServiceError
from app.extensions import db, limiter
from app.mail import public_url_for, send_email
from app.merchants import blueprint, service
from app.merchants.auth import current_user, log_in, log_out
from app.merchants.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from app.merchants.models import Invitation, User
from app.web import rate_limits
from app.web.form_views import submit_form
from app.web.forms import KassaForm
from app.web.rendering import render
from app.web.safety import safe_next_url

# One budget of emails per address typed, shared by sign-up and password reset.
emails_per_recipient = limiter.shared_limit(
    rate_limits.EMAILS_PER_RECIPIENT,
    scope="emails-per-recipient",
    key_func=rate_limits.typed_email,
    methods=["POST"],
)


@blueprint.get("/")
def home() -> Response:
    if current_user():
        return redirect(url_for("dashboard.dashboard"))
    return render("merchants/home.html")


def _secret_key() -> str:
    return str(current_app.extensions["kassa_settings"].secret_key)


def _check_your_email(email: str, message: str) -> Response:
    return render("merchants/check_email.html", email=email, message=message)


def _sign_up_emailed(answer: service.SignUpAnswer) -> Response:
    """The one email of a sign-up: the link that opens a new account, or, for an address
    already registered, a note to its owner with the ways in. Then "check your email"."""
    if answer.existing_user is not None:
        send_email(
            answer.email,
            "sign_up_existing",
            answer.existing_user.merchant.default_locale,
            login_link=public_url_for("merchants.login"),
            reset_link=public_url_for("merchants.forgot_password"),
        )
    else:
        send_email(
            answer.email,
            "sign_up_confirm",
            str(get_locale()),
            link=public_url_for("merchants.confirm_sign_up", token=answer.confirmation_token),
            hours=int(service.SIGN_UP_LINK_LIFETIME.total_seconds() // 3600),
        )
    return _check_your_email(answer.email, _("We sent a link to finish your sign-up."))


def _sign_up_details(form: SignupForm) -> service.SignUp:
    return service.SignUp(
        business_name=form.business_name.data or "",
        country=form.country.data or "",
        currency=form.currency.data or None,
        email=form.email.data or "",
        locale=str(get_locale()),
    )


@blueprint.route("/signup", methods=["GET", "POST"])
@limiter.limit(rate_limits.SIGN_UP_PER_ADDRESS, methods=["POST"])
@emails_per_recipient
def signup() -> Response:
    """The same answer whether the address is new or registered: "check your email"."""
    form = SignupForm()
    return submit_form(
        form,
        lambda: service.request_sign_up(
            db.session, _sign_up_details(form), form.password.data or "", _secret_key()
        ),
        on_success=_sign_up_emailed,
        template="merchants/signup.html",
        context=lambda: {"form": form},
    )


@blueprint.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm_sign_up(token: str) -> Response:
    """The emailed link: a page with one button (so a mail scanner opening it changes
    nothing), whose post opens the account and logs in."""
    pending = service.pending_sign_up(token, _secret_key())
    if pending is None:
        return render("merchants/link_invalid.html", status=404, purpose="sign_up")
    form = KassaForm()
    if form.validate_on_submit():
        try:
            owner = service.confirm_sign_up(db.session, pending)
        except ServiceError:  # followed before: the account is open
            flash(_("Your account is already open. Log in to continue."), "info")
            return redirect(url_for("merchants.login"))
        log_in(owner)
        db.session.commit()
        flash(_("Welcome to Kassa, %(name)s!", name=owner.merchant.name), "success")
        return redirect(url_for("dashboard.dashboard"))
    return render("merchants/confirm_sign_up.html", form=form, pending=pending)


def _log_in_with(form: LoginForm) -> None:
    """Log in with the typed credentials; wrong ones are refused like a service refusal."""
    user = service.authenticate(db.session, form.email.data or "", form.password.data or "")
    if user is None:
        raise service.ServiceError(_("Email or password is incorrect."))
    log_in(user)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(rate_limits.login_limit_per_address, methods=["POST"])
@limiter.limit(rate_limits.LOGIN_PER_ACCOUNT, key_func=rate_limits.typed_email, methods=["POST"])
def login() -> Response:
    form = LoginForm()
    next_url = safe_next_url(request.args.get("next"), url_for("dashboard.dashboard"))
    return submit_form(
        form,
        lambda: _log_in_with(form),
        on_success=lambda _result: redirect(next_url),
        template="merchants/login.html",
        context=lambda: {"form": form},
    )


@blueprint.post("/logout")
def logout() -> Response:
    log_out()
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("merchants.login"))


def _email_reset_link(email: str) -> str:
    """Email a reset link if ``email`` is a user's; the address as typed, normalized, either way."""
    reset = service.request_password_reset(db.session, email, _secret_key())
    if reset is not None:
        send_email(
            reset.user.email,
            "password_reset",
            reset.user.merchant.default_locale,
            link=public_url_for("merchants.reset_password", token=reset.token),
        )
    return service.normalize_email(email)


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(rate_limits.RESET_REQUESTS_PER_ADDRESS, methods=["POST"])
@emails_per_recipient
def forgot_password() -> Response:
    """The same answer whether or not the address has an account; only a user is emailed."""
    form = ForgotPasswordForm()
    return submit_form(
        form,
        lambda: _email_reset_link(form.email.data or ""),
        on_success=lambda email: _check_your_email(
            email,
            _("If an account uses this address, we sent it a link to choose a new password."),
        ),
        template="merchants/forgot_password.html",
        context=lambda: {"form": form},
    )


def _set_new_password(user: User, form: ResetPasswordForm) -> None:
    service.reset_password(db.session, user, form.password.data or "")
    log_in(user)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    user = service.user_of_reset_link(db.session, token, _secret_key())
    if user is None:
        return render("merchants/link_invalid.html", status=404, purpose="password_reset")
    form = ResetPasswordForm()
    return submit_form(
        form,
        lambda: _set_new_password(user, form),
        message=_("Your new password is set. Every other session was logged out."),
        on_success=lambda _result: redirect(url_for("dashboard.dashboard")),
        template="merchants/reset_password.html",
        context=lambda: {"form": form, "user": user},
    )


def _join_team(invitation: Invitation, form: AcceptInvitationForm) -> User:
    user = service.accept_invitation(
        db.session, invitation, form.name.data or "", form.password.data or ""
    )
    log_in(user)
    return user


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response:
    invitation = service.open_invitation(db.session, token) if len(token) <= 128 else None
    if invitation is None:
        return render("merchants/invitation_invalid.html", status=404)
    form = AcceptInvitationForm()
    return submit_form(
        form,
        lambda: _join_team(invitation, form),
        message=lambda user: _("Welcome to %(name)s's team!", name=user.merchant.name),
        on_success=lambda _result: redirect(url_for("dashboard.dashboard")),
        template="merchants/accept_invitation.html",
        context=lambda: {"form": form, "invitation": invitation},
    )
