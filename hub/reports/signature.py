"""Checks on a signature image before it goes into a signed report."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, UnidentifiedImageError

from hub.reports.model import InvalidSignature

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 2_000_000
MAX_SIDE = 4000
MIN_INK_PIXELS = 30
INK_BELOW = 200  # grey level: darker than this (on white) counts as ink


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
