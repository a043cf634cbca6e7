"""Which browser a request comes from, for buyers who have no account: a random id kept in the
browser's signed session cookie.

The id is made the first time a buyer page needs it (a link's first view, making a cart). Requests a
browser sends before it holds the cookie (its very first ones, even at the same moment) cannot
be told apart from other browsers'; every request after carries the same id.
"""

from __future__ import annotations

from flask import session

from app.core.tokens import new_secret_token, token_digest

BROWSER_ID = "browser"


def remember_browser() -> str:
    """This browser's id, made and kept in its session cookie the first time."""
    browser_id = session.get(BROWSER_ID)
    if not isinstance(browser_id, str) or not browser_id:
        browser_id = new_secret_token()
        session[BROWSER_ID] = browser_id
    return browser_id


def known_browser_key() -> str | None:
    """This browser's key if it holds an id already, else None (and none is made)."""
    browser_id = session.get(BROWSER_ID)
    return token_digest(browser_id) if isinstance(browser_id, str) and browser_id else None


def browser_key() -> str:
    """This browser's key: the digest of its id (the id itself stays in its cookie)."""
    return token_digest(remember_browser())
