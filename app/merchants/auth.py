"""Who is logged in: the signed session cookie carries a login session token, and the
``login_sessions`` row it names must still exist (logging out deletes it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from app.extensions import db, htmx
from app.merchants import service
from app.merchants.models import Merchant, User

P = ParamSpec("P")
R = TypeVar("R")


LOGIN_SESSION_KEY = "sid"


def log_in(user: User) -> None:
    """Start a fresh session for ``user`` (clearing whatever the cookie held before). The caller
    commits: the session is a row."""
    token = service.start_login_session(db.session, user, current_app.permanent_session_lifetime)
    session.clear()
    session[LOGIN_SESSION_KEY] = token
    session.permanent = True
    g.kassa_user = user


def log_out() -> None:
    """End this browser's session on the server too (the caller commits), so a copy of the
    cookie taken before is worth nothing."""
    token = session.get(LOGIN_SESSION_KEY)
    if isinstance(token, str):
        service.end_login_session(db.session, token)
    session.clear()
    g.kassa_user = None


def load_current_user() -> None:
    """Before each request: the user of a live session, or None (ended sessions are refused)."""
    g.kassa_user = None
    token = session.get(LOGIN_SESSION_KEY)
    if token is None:
        return
    user = service.user_of_login_session(db.session, token) if isinstance(token, str) else None
    if user is None:
        session.clear()
        return
    g.kassa_user = user
    g.merchant_locale = user.merchant.default_locale


def current_user() -> User | None:
    return g.get("kassa_user")


def signed_in_user() -> User:
    """The logged-in user, for views behind ``login_required``."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def current_merchant() -> Merchant:
    return signed_in_user().merchant


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send anonymous visitors to the login page, then back here."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if current_user() is None:
            target = url_for("merchants.login", next=request.full_path.rstrip("?"))
            if htmx:
                response = Response(status=204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target)
        return view(*args, **kwargs)

    return wrapper


def owner_required(view: Callable[P, R]) -> Callable[P, R]:
    """Only the merchant's owner may go on (staff get 403). Use beneath ``login_required``."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        user = current_user()
        if user is None or not user.is_owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
