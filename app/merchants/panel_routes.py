"""The merchant panel: team and account settings."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.extensions import db
from app.mail import send_email
from app.merchants import blueprint, service
from app.merchants.auth import (
    current_merchant,
    log_in,
    login_required,
    owner_required,
    signed_in_user,
)
from app.merchants.forms import InviteForm, PasswordChangeForm
from app.merchants.models import Invitation, User
from app.merchants.scoping import get_owned_or_404, scoped_select
from app.web.form_views import submit_form
from app.web.rendering import render


def _team_context(form: InviteForm | None = None) -> dict[str, Any]:
    now = utcnow()
    invitations = db.session.scalars(
        scoped_select(Invitation).order_by(Invitation.created_at.desc())
    ).all()
    return {
        "members": db.session.scalars(scoped_select(User).order_by(User.id)).all(),
        "invitations": [i for i in invitations if i.is_open(now)],
        "form": form or InviteForm(formdata=None),
        "me": signed_in_user(),
    }


def _send_invitation(issued: service.IssuedInvitation, locale: str) -> None:
    user = signed_in_user()
    send_email(
        issued.invitation.email,
        "invitation",
        locale,
        merchant=user.merchant,
        inviter=user,
        link=url_for("merchants.accept_invitation", token=issued.token, _external=True),
        expires_at=issued.invitation.expires_at,
    )


@blueprint.get("/panel/team")
@login_required
def team() -> Response:
    return render("merchants/team.html", "merchants/_team.html", **_team_context())


def _invited(issued: service.IssuedInvitation, locale: str) -> Response:
    """The invitation is stored: email it, and show the team with it."""
    _send_invitation(issued, locale)
    return render("merchants/team.html", "merchants/_team.html", **_team_context())


@blueprint.post("/panel/team/invitations")
@login_required
@owner_required
def invite() -> Response:
    form = InviteForm()
    return submit_form(
        form,
        lambda: service.invite_staff(db.session, signed_in_user(), form.email.data or ""),
        message=lambda issued: _("Invitation sent to %(email)s.", email=issued.invitation.email),
        on_success=lambda issued: _invited(issued, form.locale.data or "en"),
        template="merchants/team.html",
        partial="merchants/_team.html",
        context=lambda: _team_context(form),
    )


@blueprint.post("/panel/team/invitations/<int:invitation_id>/resend")
@login_required
@owner_required
def resend_invitation(invitation_id: int) -> Response:
    invitation = get_owned_or_404(Invitation, invitation_id)
    if not invitation.is_open(utcnow()):
        flash(_("This invitation is no longer open."), "error")
    else:
        issued = service.reissue_invitation(db.session, signed_in_user(), invitation)
        db.session.commit()
        _send_invitation(issued, current_merchant().default_locale)
        flash(_("Invitation sent to %(email)s.", email=issued.invitation.email), "success")
    return render("merchants/team.html", "merchants/_team.html", **_team_context())


@blueprint.post("/panel/team/invitations/<int:invitation_id>/revoke")
@login_required
@owner_required
def revoke_invitation(invitation_id: int) -> Response:
    invitation = get_owned_or_404(Invitation, invitation_id)
    service.revoke_invitation(signed_in_user(), invitation)
    db.session.commit()
    flash(_("Invitation to %(email)s revoked.", email=invitation.email), "info")
    return render("merchants/team.html", "merchants/_team.html", **_team_context())


@blueprint.post("/panel/team/members/<int:member_id>/remove")
@login_required
@owner_required
def remove_member(member_id: int) -> Response:
    member = get_owned_or_404(User, member_id)
    try:
        service.remove_member(signed_in_user(), member, db.session)
    except ServiceError as refusal:
        flash(str(refusal.message), "error")
    else:
        db.session.commit()
        flash(_("%(email)s was removed from the team.", email=member.email), "info")
    return render("merchants/team.html", "merchants/_team.html", **_team_context())


def _change_password(user: User, form: PasswordChangeForm) -> None:
    """Change the password (every session of ``user`` ends) and start this browser's anew."""
    service.change_password(
        db.session, user, form.current_password.data or "", form.new_password.data or ""
    )
    log_in(user)


@blueprint.route("/panel/account", methods=["GET", "POST"])
@login_required
def account() -> Response:
    form = PasswordChangeForm()
    user = signed_in_user()
    return submit_form(
        form,
        lambda: _change_password(user, form),
        message=_("Your password was changed. Other sessions have been logged out."),
        on_success=lambda _result: redirect(url_for("merchants.account")),
        template="merchants/account.html",
        context=lambda: {"form": form, "user": user},
    )
