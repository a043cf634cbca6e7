"""Uploaded images are judged by their content, size and dimensions, never by their name."""

from __future__ import annotations

import io

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
