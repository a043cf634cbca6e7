"""PDF documents: a Jinja template from ``templates/pdf/`` rendered by WeasyPrint.

A PDF is rendered without the network. Templates address our own files (logo uploads) under
``OWN_FILES``; the fetcher serves those from the upload folder and refuses every other address,
so a template (or a merchant's text in it) can never make the server fetch anything. Fonts are
the system's (fontconfig; Debian's fonts-dejavu-core), never downloaded.
"""

from __future__ import annotations

import enum
import logging
from functools import cache
from typing import Any

from flask import render_template
from flask_babel import force_locale

from app.web.uploads import STORED_NAME, upload_folder

log = logging.getLogger("kassa.pdf")

# The made-up origin our own files are addressed under inside a PDF's HTML; never a real host.
OWN_FILES = "https://kassa-pdf.invalid/media/"
_IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


class PageSize(enum.StrEnum):
    """CSS ``@page`` sizes: A4 in most of the world, US Letter in the United States and Canada."""

    A4 = "A4"
    LETTER = "letter"


LETTER_COUNTRIES = frozenset({"US", "CA"})


def page_size_for(country: str) -> PageSize:
    return PageSize.LETTER if country.upper() in LETTER_COUNTRIES else PageSize.A4


class RefusedFetchError(Exception):
    """An address a PDF may not load: anything but one of our stored files."""


def own_file_url(name: str) -> str:
    """The address a PDF template gives a stored upload (a logo)."""
    return OWN_FILES + name


def _fetch_own_file(url: str) -> tuple[bytes, str]:
    """A stored upload's bytes and type, or a refusal, which WeasyPrint logs before leaving
    the image out."""
    name = url.removeprefix(OWN_FILES) if url.startswith(OWN_FILES) else ""
    if not STORED_NAME.fullmatch(name):
        log.warning("PDF fetch refused", extra={"fields": {"url": url[:200]}})
        raise RefusedFetchError(url)
    return (upload_folder() / name).read_bytes(), _IMAGE_TYPES[name.rsplit(".", 1)[1]]


@cache
def _weasyprint() -> tuple[Any, Any, Any]:
    """WeasyPrint's HTML class, our fetcher and one font configuration (made once: only
    ``@font-face`` rules would add to it, and our PDFs have none), imported on first use:
    loading WeasyPrint (Pango, fontconfig) takes seconds that neither the web server's nor the
    task consumer's start should wait for."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnFilesOnly(URLFetcher):
        """Serves our stored files and opens no connection, ever."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            data, content_type = _fetch_own_file(url)
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

    return HTML, OwnFilesOnly, FontConfiguration()


def render_pdf(template: str, *, locale: str, page_size: PageSize, **context: Any) -> bytes:
    """``templates/pdf/<template>`` rendered in ``locale`` on ``page_size`` pages, as PDF bytes."""
    with force_locale(locale):
        html = render_template(
            f"pdf/{template}", page_size=PageSize(page_size), own_file_url=own_file_url, **context
        )
    html_class, fetcher_class, fonts = _weasyprint()
    document = html_class(string=html, base_url=OWN_FILES, url_fetcher=fetcher_class())
    return document.write_pdf(font_config=fonts)
