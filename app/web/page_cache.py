"""A whole-page cache for public pages that every first-time visitor sees alike.

A page is stored as rendered, with this request's CSP nonce and CSRF token swapped for markers;
a hit puts the next request's own nonce and token back, so the page and its security headers
agree and forms still post. The key is the caller's: it must name everything the page depends
on (for the shop: the merchant's ``public_version``, the path with its query, the locale and the
buyer's currency choice). Only what a caller proves is a plain visit may be served from here:
no flash messages, no cart, nothing personal. Each process keeps its own entries, at most
``KASSA_PAGE_CACHE_ENTRIES`` (least recently used go first); 0 turns the cache off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response as BaseResponse

from app.web.security import csp_nonce

NONCE_MARK = "\x00kassa-nonce\x00"
CSRF_MARK = "\x00kassa-csrf\x00"


@dataclass(frozen=True)
class CachedPage:
    body: str
    mimetype: str | None


class PageCache:
    """Pages by key, least recently used first out; ``hits`` counts pages served from here."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: Hashable) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, page: CachedPage) -> None:
        if self.entries <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)


def page_cache() -> PageCache:
    cache: PageCache = current_app.extensions["kassa_page_cache"]
    return cache


def _stored(response: BaseResponse) -> CachedPage:
    body = response.get_data(as_text=True)
    body = body.replace(csp_nonce(), NONCE_MARK)
    if current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:  # the page has forms
        body = body.replace(generate_csrf(), CSRF_MARK)
    return CachedPage(body, response.mimetype)


def _filled(page: CachedPage) -> Response:
    body = page.body.replace(NONCE_MARK, csp_nonce())
    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, generate_csrf())
    return Response(body, mimetype=page.mimetype)


def cached_page(key: Hashable, render: Callable[[], BaseResponse]) -> BaseResponse:
    """The page stored under ``key``, filled in for this request; else ``render()``, kept when
    it is a 200 (an error page or a redirect is never stored)."""
    cache = page_cache()
    page = cache.get(key)
    if page is not None:
        return _filled(page)
    response = render()
    if response.status_code == 200 and not response.direct_passthrough:
        cache.put(key, _stored(response))
    return response


def public_page(key: Hashable | None, render: Callable[[], BaseResponse]) -> BaseResponse:
    """A public document page (a link's first view, an invoice, a quote) as every visitor
    without state of their own sees it, or a buyer's own checkout page (its address holds
    their token; ``checkout.page_keys``): from the cache under ``key`` (what the caller's stamp
    says the page shows), the path and the language; rendered for this request when ``key``
    is None (the caller saw something that must not be shared) or the visitor has a message
    to read."""
    if key is None or "_flashes" in session:
        return render()
    return cached_page((key, request.path, str(get_locale())), render)


def init_page_cache(app: Flask, entries: int) -> None:
    app.extensions["kassa_page_cache"] = PageCache(entries)
