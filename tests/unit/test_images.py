"""Uploaded images are judged by their content, size and dimensions, never by their name."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.core.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_SIDE,
    ImageProblem,
    ImageRefusedError,
    inspect_image,
)


def image_bytes(image_format: str, size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")]
)
def test_png_jpeg_and_webp_are_accepted(image_format: str, extension: str) -> None:
    facts = inspect_image(image_bytes(image_format))
    assert (facts.extension, facts.width, facts.height) == (extension, 40, 20)


def refusal(data: bytes) -> ImageProblem:
    with pytest.raises(ImageRefusedError) as caught:
        inspect_image(data)
    return caught.value.problem


def test_text_and_other_formats_are_refused() -> None:
    assert refusal(b"just some text, named logo.png") is ImageProblem.NOT_AN_IMAGE
    assert refusal(image_bytes("GIF")) is ImageProblem.NOT_AN_IMAGE
    assert refusal(b"") is ImageProblem.NOT_AN_IMAGE


def test_a_truncated_image_is_refused() -> None:
    assert refusal(image_bytes("PNG")[:60]) is ImageProblem.NOT_AN_IMAGE


def test_too_many_bytes_or_pixels_are_refused() -> None:
    assert refusal(b"\x89PNG" + b"\x00" * MAX_IMAGE_BYTES) is ImageProblem.TOO_MANY_BYTES
    wide = image_bytes("PNG", (MAX_IMAGE_SIDE + 1, 1))
    assert refusal(wide) is ImageProblem.TOO_MANY_PIXELS


def png_declaring(width: int, height: int) -> bytes:
    """A small, valid PNG file of a huge black-and-white picture (every row compresses to
    almost nothing), as someone would send to find out what the server does with it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit per pixel, grey
    rows = (b"\x00" + b"\x00" * ((width + 7) // 8)) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def test_a_20000_pixel_square_png_is_refused_for_its_size_not_its_type() -> None:
    huge = png_declaring(20_000, 20_000)
    assert len(huge) < MAX_IMAGE_BYTES  # small in bytes: only its pixels are too many
    assert refusal(huge) is ImageProblem.TOO_MANY_PIXELS
    # Large enough for Pillow's warning but not its error: still its size.
    assert refusal(png_declaring(10_000, 10_000)) is ImageProblem.TOO_MANY_PIXELS
