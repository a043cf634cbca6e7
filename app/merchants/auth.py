"""Who is logged in: a signed-cookie session that carries the user id and auth epoch."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from app.extensions import db, htmx
from app.merchants.models import Merchant, User

P = ParamSpec("P")
R = TypeVar("R")


def log_in(user: User) -> None:
    """Start a fresh session for ``user`` (clearing whatever the cookie held before)."""
    session.clear()
    session["uid"] = user.id
    session["epoch"] = user.auth_epoch
    session.permanent = True
    g.kassa_user = user


def log_out() -> None:
    session.clear()
    g.kassa_user = None


def load_current_user() -> None:
    """Before each request: the user of a valid session, or None (stale epochs are refused)."""
    g.kassa_user = None
    uid = session.get("uid")
    if uid is None:
        return
    user = db.session.get(User, uid)
    if user is None or user.auth_epoch != session.get("epoch"):
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
