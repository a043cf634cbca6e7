"""Everything that changes merchants, users and invitations; routes call these."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from app.core.clock import aware, utcnow
from app.core.crypto import InvalidToken, seal, unseal
from app.core.errors import ServiceError
from app.core.passwords import (
    PasswordWeakness,
    context_words,
    hash_password,
    needs_rehash,
    password_weakness,
    verify_password,
)
from app.core.regions import country_currency
from app.core.tokens import new_public_id, new_secret_token, token_digest
from app.extensions import DbSession
from app.merchants.models import Invitation, LoginSession, Merchant, Role, User

INVITATION_LIFETIME = timedelta(days=7)
SIGN_UP_LINK_LIFETIME = timedelta(hours=24)
PASSWORD_RESET_LINK_LIFETIME = timedelta(hours=1)
# Sealed links are a few hundred characters; anything far longer is not one of ours.
EMAILED_LINK_MAX = 2048


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _ensure_email_free(session: DbSession, email: str) -> None:
    if find_user_by_email(session, email):
        raise ServiceError(
            _l("An account with this email already exists. Log in instead."), "email"
        )


PASSWORD_REFUSALS = {
    PasswordWeakness.CONTEXT: _l(
        "Choose a password without your email address, your name, your business's name or "
        "the word Kassa in it: they are the first guesses of anyone who knows them."
    ),
    PasswordWeakness.COMMON: _l(
        "This is one of the most common passwords, among the first that attackers try. "
        "Choose one that is yours alone."
    ),
    PasswordWeakness.PATTERN: _l(
        "Repeated characters, runs such as 1234 or abcd, keyboard rows and dates are easy to "
        "guess. Choose another password."
    ),
    PasswordWeakness.GUESSABLE: _l(
        "This password is too easy to guess. A few unrelated words make one that is strong and "
        "easy to remember."
    ),
}


def ensure_strong_password(password: str, field: str, *context: str) -> None:
    """Refuse a new password that is common or built from ``context`` (the account's email,
    names): the rule of every place a password is chosen."""
    weakness = password_weakness(password, context_words(*context))
    if weakness is not None:
        raise ServiceError(PASSWORD_REFUSALS[weakness], field)


def open_account(
    session: DbSession,
    *,
    business_name: str,
    country: str,
    currency: str | None,
    email: str,
    password_hash: str,
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
        password_hash=password_hash,
        role=Role.OWNER,
    )
    session.add_all([merchant, owner])
    session.flush()
    return owner


@dataclass(frozen=True)
class SignUp:
    """What the sign-up form asks for (but the password), and the password's hash once made."""

    business_name: str
    country: str
    currency: str | None
    email: str
    locale: str
    password_hash: str = field(default="", repr=False)


@dataclass(frozen=True)
class SignUpAnswer:
    """Whom the one email of a sign-up goes to, and which email: the link that opens the new
    account (``confirmation_token``), or a note to the owner of an address already registered
    (``existing_user``). The person who signed up is told the same either way."""

    email: str
    confirmation_token: str | None = None
    existing_user: User | None = None


def request_sign_up(
    session: DbSession, details: SignUp, password: str, secret_key: str
) -> SignUpAnswer:
    """Start a sign-up: nothing is created until the emailed link is followed, so the answer
    cannot tell whether the address is registered (it takes the same hashing work both ways).
    The link carries the sign-up sealed (encrypted and signed), password hash included."""
    ensure_strong_password(password, "password", details.email, details.business_name)
    pending = replace(details, password_hash=hash_password(password))
    existing = find_user_by_email(session, details.email)
    if existing is not None:
        return SignUpAnswer(existing.email, existing_user=existing)
    token = seal({"purpose": "sign_up", **asdict(pending)}, secret_key)
    return SignUpAnswer(normalize_email(details.email), confirmation_token=token)


def pending_sign_up(token: str, secret_key: str) -> SignUp | None:
    """The sign-up an emailed link carries, while the link lasts."""
    payload = _unseal_link(token, secret_key, "sign_up", SIGN_UP_LINK_LIFETIME)
    if payload is None:
        return None
    try:
        return SignUp(**payload)
    except TypeError:
        return None


def confirm_sign_up(session: DbSession, pending: SignUp) -> User:
    """Open the account a followed sign-up link describes (refused once the address is taken:
    the link was used already)."""
    return open_account(
        session,
        business_name=pending.business_name,
        country=pending.country,
        currency=pending.currency,
        email=pending.email,
        password_hash=pending.password_hash,
        locale=pending.locale,
    )


def _unseal_link(
    token: str, secret_key: str, purpose: str, lifetime: timedelta
) -> dict[str, Any] | None:
    if len(token) > EMAILED_LINK_MAX:
        return None
    try:
        payload = unseal(token, secret_key, int(lifetime.total_seconds()))
    except (InvalidToken, ValueError):
        return None
    if payload.pop("purpose", None) != purpose:
        return None
    return payload


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does (a new hash has a new salt): a reset link made
    before stops working once any password is set, including by that link."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class PasswordResetLink:
    user: User
    token: str


def request_password_reset(
    session: DbSession, email: str, secret_key: str
) -> PasswordResetLink | None:
    """A link to choose a new password, for the user of this address if there is one (the
    caller answers the same either way). The link names the user and a fingerprint of the
    current password, sealed; it lasts an hour and dies with the password it would replace."""
    user = find_user_by_email(session, email)
    if user is None:
        return None
    payload = {
        "purpose": "password_reset",
        "user": user.id,
        "fingerprint": _password_fingerprint(user),
    }
    return PasswordResetLink(user, seal(payload, secret_key))


def user_of_reset_link(session: DbSession, token: str, secret_key: str) -> User | None:
    """The user an unused, unexpired password reset link is for."""
    payload = _unseal_link(token, secret_key, "password_reset", PASSWORD_RESET_LINK_LIFETIME)
    if payload is None or not isinstance(payload.get("user"), int):
        return None
    user = session.get(User, payload["user"])
    if user is None or not hmac.compare_digest(
        str(payload.get("fingerprint", "")), _password_fingerprint(user)
    ):
        return None
    return user


def reset_password(session: DbSession, user: User, new_password: str) -> None:
    """Set the password chosen through a reset link and end every session of the user (the
    caller starts one for this browser)."""
    ensure_strong_password(new_password, "password", user.email, user.name, user.merchant.name)
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(session, user)


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
    ensure_strong_password(new_password, "new_password", user.email, user.name, user.merchant.name)
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
    ensure_strong_password(password, "password", invitation.email, name, invitation.merchant.name)
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
    owner = open_account(
        session,
        business_name="Kassa Demo Shop",
        country="SE",
        currency="SEK",
        email=email,
        password_hash=hash_password(password),
        locale="en",
    )
    owner.name = "Demo Owner"
    return owner, True
