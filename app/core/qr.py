"""QR codes of public addresses (a payment link's), drawn by segno: SVG and PNG.

Black modules on a white ground with the standard quiet zone of 4 modules, so a code printed
on a coloured page or shown in a dark theme still scans.
"""

from __future__ import annotations

import io

import segno

MODULE_PIXELS = 10  # a module's size in the PNG (and the SVG's nominal size)
QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def _code(address: str) -> segno.QRCode:
    # Error correction M at least; segno raises it while the version (the size) stays the same.
    return segno.make(address, error="m", micro=False)


def _draw(address: str, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    _code(address).save(
        buffer,
        kind=kind,
        scale=MODULE_PIXELS,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        **options,
    )
    return buffer.getvalue()


def qr_svg(address: str) -> bytes:
    """A standalone SVG document (UTF-8) of the address's QR code."""
    return _draw(address, "svg", title=address)


def qr_png(address: str) -> bytes:
    """A PNG of the address's QR code (about 400 pixels a side for a link's address)."""
    return _draw(address, "png")
