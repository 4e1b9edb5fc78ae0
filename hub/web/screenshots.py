"""Checks on uploaded test screenshots: a PNG or JPEG of sane size, decodable, not a bomb."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # 8000 × 5000: above this a "screenshot" is a decompression bomb
SIGNATURES = {b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"), b"\xff\xd8\xff": ("JPEG", "image/jpeg")}


class ImageRefused(ValueError):
    """The upload is not an acceptable screenshot; the message says why."""


@dataclass(frozen=True, slots=True)
class CheckedImage:
    content_type: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """The image's type and size, or `ImageRefused`."""
    kind = next((v for magic, v in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ImageRefused("only PNG and JPEG images are accepted")
    expected_format, content_type = kind
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format != expected_format:
                raise ImageRefused("the file's content does not match its image type")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageRefused(f"the image has more than {MAX_PIXELS} pixels")
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRefused("the image cannot be decoded") from exc
    return CheckedImage(content_type=content_type, width=width, height=height)
