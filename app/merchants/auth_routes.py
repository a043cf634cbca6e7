"""Public pages of merchant accounts: home, sign up, log in, log out, accept an invitation."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.extensions import db, limiter
from app.merchants import blueprint, service
from app.merchants.auth import current_user, log_in, log_out
from app.merchants.forms import AcceptInvitationForm, LoginForm, SignupForm
from app.web.rendering import render
from app.web.safety import safe_next_url


def _login_limit() -> str:
    return str(current_app.config["KASSA_LOGIN_RATE_LIMIT"])


@blueprint.get("/")
def home() -> Response:
    if current_user():
        return redirect(url_for("merchants.dashboard"))
    return render("merchants/home.html")


@blueprint.route("/signup", methods=["GET", "POST"])
def signup() -> Response:
    form = SignupForm()
    if form.validate_on_submit():
        try:
            owner = service.sign_up(
                db.session,
                business_name=form.business_name.data or "",
                country=form.country.data or "",
                currency=form.currency.data or None,
                email=form.email.data or "",
                password=form.password.data or "",
                locale=str(get_locale()),
            )
        except service.ServiceError as refusal:
            form.add_error(refusal.field, str(refusal.message))
        else:
            log_in(owner)
            db.session.commit()
            flash(_("Welcome to Kassa, %(name)s!", name=owner.merchant.name), "success")
            return redirect(url_for("merchants.dashboard"))
    status = 422 if form.has_errors() else 200
    return render("merchants/signup.html", status=status, form=form)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response:
    form = LoginForm()
    next_url = safe_next_url(request.args.get("next"), url_for("merchants.dashboard"))
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            form.add_error(None, _("Email or password is incorrect."))
        else:
            log_in(user)
            db.session.commit()
            return redirect(next_url)
    status = 422 if form.has_errors() else 200
    return render("merchants/login.html", status=status, form=form)


@blueprint.post("/logout")
def logout() -> Response:
    log_out()
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("merchants.login"))


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response:
    invitation = service.open_invitation(db.session, token) if len(token) <= 128 else None
    if invitation is None:
        return render("merchants/invitation_invalid.html", status=404)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(
                db.session, invitation, form.name.data or "", form.password.data or ""
            )
        except service.ServiceError as refusal:
            form.add_error(refusal.field, str(refusal.message))
        else:
            log_in(user)
            db.session.commit()
            flash(_("Welcome to %(name)s's team!", name=user.merchant.name), "success")
            return redirect(url_for("merchants.dashboard"))
    if request.method == "POST" and not form.has_errors():
        abort(400)
    status = 422 if form.has_errors() else 200
    return render(
        "merchants/accept_invitation.html", status=status, form=form, invitation=invitation
    )
