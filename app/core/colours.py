"""Colours: the accent colour merchants choose, and whether white text on it is readable."""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# WCAG 2 asks for at least 4.5:1 between normal text and its background.
READABLE_CONTRAST = 4.5


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb`` (0 for black, 1 for white)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white on ``colour``, from 1 (none) to 21."""
    return 1.05 / (relative_luminance(colour) + 0.05)
