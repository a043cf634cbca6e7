"""Checking uploaded images by their content (never by their name): PNG, JPEG or WebP, small
enough in bytes and in pixels, and decodable."""

from __future__ import annotations

import enum
import io
import warnings
from dataclasses import dataclass

from PIL import Image

MAX_IMAGE_BYTES = 1_000_000
MAX_IMAGE_SIDE = 4000
# Pillow's format name -> the extension we store the file under
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


class ImageProblem(enum.StrEnum):
    NOT_AN_IMAGE = "not_an_image"  # unreadable, or not PNG, JPEG or WebP
    TOO_MANY_BYTES = "too_many_bytes"
    TOO_MANY_PIXELS = "too_many_pixels"


class ImageRefusedError(ValueError):
    def __init__(self, problem: ImageProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class ImageFacts:
    extension: str
    width: int
    height: int


def inspect_image(data: bytes) -> ImageFacts:
    """What ``data`` is, if it is an image we accept; else ImageRefusedError saying why."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefusedError(ImageProblem.TOO_MANY_BYTES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                extension = IMAGE_FORMATS.get(image.format or "")
                width, height = image.size
                if extension and max(width, height) <= MAX_IMAGE_SIDE:
                    image.verify()  # reads the whole file: truncated or corrupt data fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow reads the size first and refuses a picture this large before decoding it (a
        # 20000 x 20000 PNG compresses to a few kilobytes): that is its size, not its type.
        raise ImageRefusedError(ImageProblem.TOO_MANY_PIXELS) from error
    except Exception as error:  # Pillow raises many kinds for bad data: all mean "not an image"
        raise ImageRefusedError(ImageProblem.NOT_AN_IMAGE) from error
    if extension is None:
        raise ImageRefusedError(ImageProblem.NOT_AN_IMAGE)
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ImageRefusedError(ImageProblem.TOO_MANY_PIXELS)
    return ImageFacts(extension, width, height)
