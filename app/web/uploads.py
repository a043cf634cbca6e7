"""Uploaded images: stored under the instance folder with a random name, served by one route.

The name is 128 random bits, so a file's URL is as hard to guess as a buyer token; buyer pages
can show a merchant's logo and product images without a login.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from PIL import Image
from werkzeug.wrappers import Response

from app.core.images import inspect_image

blueprint = Blueprint("uploads", __name__)
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg|webp)")


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_image(data: bytes) -> str:
    """Check ``data`` (ImageRefusedError if it is not an image we accept) and store it;
    returns the stored file's name."""
    facts = inspect_image(data)
    name = f"{secrets.token_hex(16)}.{facts.extension}"
    (upload_folder() / name).write_bytes(data)
    return name


def delete_image(name: str | None) -> None:
    if name and STORED_NAME.fullmatch(name):
        (upload_folder() / name).unlink(missing_ok=True)


@blueprint.get("/media/<name>")
def media(name: str) -> Response:
    if not STORED_NAME.fullmatch(name):
        abort(404)
    response = send_from_directory(upload_folder(), name, max_age=60 * 60 * 24 * 365)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@lru_cache(maxsize=4096)
def image_size(name: str) -> tuple[int, int] | None:
    """A stored image's width and height in pixels (read once from its header; stored files
    never change, since each upload gets a new name), or None when it is missing."""
    if not STORED_NAME.fullmatch(name):
        return None
    try:
        with Image.open(upload_folder() / name) as image:
            return image.size
    except OSError:
        return None
