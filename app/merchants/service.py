"""Everything that changes merchants, users and invitations; routes call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from app.core.passwords import hash_password, needs_rehash, verify_password
from app.core.regions import country_currency
from app.core.tokens import new_public_id, new_secret_token, token_digest
from app.extensions import DbSession
from app.merchants.models import Invitation, LoginSession, Merchant, Role, User, aware, utcnow

INVITATION_LIFETIME = timedelta(days=7)


class ServiceError(Exception):
    """A refusal to show next to a form field (``field``) or at the top of the form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _ensure_email_free(session: DbSession, email: str) -> None:
    if find_user_by_email(session, email):
        raise ServiceError(
            _l("An account with this email already exists. Log in instead."), "email"
        )


def sign_up(
    session: DbSession,
    *,
    business_name: str,
    country: str,
    currency: str | None,
    email: str,
    password: str,
    locale: str,
) -> User:
    """Create a merchant account and its owner."""
    _ensure_email_free(session, email)
    merchant = Merchant(
        public_id=new_public_id("mer"),
        name=business_name.strip(),
        country=country,
        default_currency=currency or country_currency(country),
        default_locale=locale,
    )
    owner = User(
        merchant=merchant,
        email=normalize_email(email),
        password_hash=hash_password(password),
        role=Role.OWNER,
    )
    session.add_all([merchant, owner])
    session.flush()
    return owner


def authenticate(session: DbSession, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; the same work either way."""
    user = find_user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(
    session: DbSession, user: User, current_password: str, new_password: str
) -> None:
    """Set a new password and end every session of this user (the caller starts a new one for
    the browser that changed it)."""
    if not verify_password(user.password_hash, current_password):
        raise ServiceError(_l("Your current password is not correct."), "current_password")
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(session, user)


def start_login_session(
    session: DbSession, user: User, lifetime: timedelta, now: datetime | None = None
) -> str:
    """Record a new signed-in browser of ``user``; returns the token its cookie carries.

    The user's expired sessions are cleared on the way, so the table stays small.
    """
    now = now or utcnow()
    session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    token = new_secret_token()
    session.add(
        LoginSession(
            user_id=user.id,
            token_digest=token_digest(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def user_of_login_session(
    session: DbSession, token: str, now: datetime | None = None
) -> User | None:
    """The user signed in by this session token, while the session lasts."""
    login = session.scalar(
        select(LoginSession)
        .options(joinedload(LoginSession.user).joinedload(User.merchant))
        .where(LoginSession.token_digest == token_digest(token))
    )
    if login is None or aware(login.expires_at) <= (now or utcnow()):
        return None
    return login.user


def end_login_session(session: DbSession, token: str) -> None:
    """Log one browser out: its cookie, replayed, no longer signs anyone in."""
    session.execute(delete(LoginSession).where(LoginSession.token_digest == token_digest(token)))


def end_all_login_sessions(session: DbSession, user: User) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def invite_staff(
    session: DbSession, inviter: User, email: str, now: datetime | None = None
) -> IssuedInvitation:
    """Invite someone to the inviter's merchant; the caller sends the link (it holds the token)."""
    if not inviter.is_owner:
        raise ServiceError(_l("Only the account owner can invite staff."))
    _ensure_email_free(session, email)
    now = now or utcnow()
    pending = session.scalars(
        select(Invitation).where(
            Invitation.merchant_id == inviter.merchant_id,
            Invitation.email == normalize_email(email),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ).all()
    for old in pending:
        old.revoked_at = now
    token = new_secret_token()
    invitation = Invitation(
        merchant_id=inviter.merchant_id,
        email=normalize_email(email),
        token_digest=token_digest(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation, token)


def reissue_invitation(
    session: DbSession, inviter: User, invitation: Invitation
) -> IssuedInvitation:
    """A fresh link for a pending invitation (the old link stops working)."""
    return invite_staff(session, inviter, invitation.email)


def revoke_invitation(inviter: User, invitation: Invitation, now: datetime | None = None) -> None:
    if not inviter.is_owner:
        raise ServiceError(_l("Only the account owner can manage invitations."))
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()


def open_invitation(
    session: DbSession, token: str, now: datetime | None = None
) -> Invitation | None:
    """The pending, unexpired invitation this token belongs to."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_digest == token_digest(token))
    )
    if invitation is None or not invitation.is_open(now or utcnow()):
        return None
    return invitation


def accept_invitation(session: DbSession, invitation: Invitation, name: str, password: str) -> User:
    """Create the staff user the invitation was for."""
    _ensure_email_free(session, invitation.email)
    user = User(
        merchant_id=invitation.merchant_id,
        email=invitation.email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=Role.STAFF,
        last_login_at=utcnow(),
    )
    invitation.accepted_at = utcnow()
    session.add(user)
    session.flush()
    return user


def remove_member(remover: User, member: User, session: DbSession) -> None:
    if not remover.is_owner:
        raise ServiceError(_l("Only the account owner can remove staff."))
    if member.is_owner:
        raise ServiceError(_l("The account owner cannot be removed."))
    session.delete(member)


def ensure_demo_merchant(session: DbSession, email: str, password: str) -> tuple[User, bool]:
    """The demo owner, created on first call; returns (user, created)."""
    existing = find_user_by_email(session, email)
    if existing:
        return existing, False
    owner = sign_up(
        session,
        business_name="Kassa Demo Shop",
        country="SE",
        currency="SEK",
        email=email,
        password=password,
        locale="en",
    )
    owner.name = "Demo Owner"
    return owner, True
