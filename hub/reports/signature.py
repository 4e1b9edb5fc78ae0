"""Checks on a signature image before it goes into a signed report."""

from __future__ import annotations

import re
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from hub.reports.model import InvalidSignature
from schemas.v1.common import single_line

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 2_000_000
MAX_SIDE = 4000
MIN_INK_PIXELS = 30
INK_BELOW = 200  # grey level: darker than this (on white) counts as ink
_SIGNER = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")


def check_signer_name(name: str) -> str:
    """The signer's name, stripped; `InvalidSignature` unless 1–100 visible characters (no
    control, bidi or zero-width characters: they would change how the name reads)."""
    name = name.strip()
    try:
        single_line(name)
    except ValueError:
        raise InvalidSignature("the signer's name must be 1–100 printable characters") from None
    if not _SIGNER.match(name):
        raise InvalidSignature("the signer's name must be 1–100 printable characters")
    return name


def check_signature_png(png: bytes) -> None:
    """Refuse anything but a reasonably sized PNG with some ink on it."""
    if not png:
        raise InvalidSignature("the signature image is empty")
    if len(png) > MAX_BYTES:
        raise InvalidSignature(f"the signature image exceeds {MAX_BYTES} bytes")
    if not png.startswith(PNG_MAGIC):
        raise InvalidSignature("the signature must be a PNG image")
    try:
        with Image.open(BytesIO(png)) as probe:
            probe.verify()
        with Image.open(BytesIO(png)) as img:
            if img.width > MAX_SIDE or img.height > MAX_SIDE or min(img.size) < 8:
                raise InvalidSignature(f"the signature image is {img.width}×{img.height} px")
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidSignature("the signature is not a readable PNG image") from exc
    white = Image.new("L", rgba.size, 255)
    on_white = Image.composite(rgba.convert("L"), white, rgba.getchannel("A"))
    if sum(on_white.histogram()[:INK_BELOW]) < MIN_INK_PIXELS:
        raise InvalidSignature("the signature is blank: nothing was drawn")
