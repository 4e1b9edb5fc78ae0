"""Uploaded test screenshots: checked (a PNG or JPEG of sane size, decodable, not a bomb),
stored content-addressed, and recorded on the order they belong to."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from hub.content_store import ContentStore
from hub.errors import IllegalTransition
from hub.ports import ScreenshotRecord, UnitOfWorkFactory

MAX_INPUT_PIXELS = 25_000_000  # above this a "screenshot" is a decompression bomb: refused
MAX_STORED_PIXELS = 12_000_000  # larger pictures are scaled down to this before storing
SIGNATURES = {b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"), b"\xff\xd8\xff": ("JPEG", "image/jpeg")}


class ImageRefused(ValueError):
    """The upload is not an acceptable screenshot; the message says why."""


class TooManyPictures(IllegalTransition):
    """The order already holds as many pictures as it may (HTTP 409)."""


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """A picture as the hub stores it: decoded, scaled to the cap, re-encoded, no metadata."""

    data: bytes
    content_type: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """Decode, scale down past 12 Mpx and re-encode the upload; `ImageRefused` says why not.

    Re-encoding drops whatever else the file carried (EXIF with GPS, comments, trailing data)
    and bounds what a report embeds, so no single picture can make a render slow or huge.
    """
    kind = next((v for magic, v in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ImageRefused("only PNG and JPEG images are accepted")
    expected_format, content_type = kind
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format != expected_format:
                raise ImageRefused("the file's content does not match its image type")
            width, height = probe.size
            if width * height > MAX_INPUT_PIXELS:
                raise ImageRefused(f"the image has more than {MAX_INPUT_PIXELS} pixels")
            probe.load()
            image = _scaled(_plain(probe))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRefused("the image cannot be decoded") from exc
    out = BytesIO()
    if expected_format == "PNG":
        image.save(out, format="PNG", compress_level=6)
    else:
        image.save(out, format="JPEG", quality=88, optimize=True)
    return CheckedImage(out.getvalue(), content_type, image.width, image.height)


def _plain(image: Image.Image) -> Image.Image:
    """Pixels only, in a mode both encoders take (palette and CMYK converted)."""
    if image.format == "JPEG":
        return image.convert("RGB")
    return image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")


def _scaled(image: Image.Image) -> Image.Image:
    pixels = image.width * image.height
    if pixels <= MAX_STORED_PIXELS:
        return image
    factor = (MAX_STORED_PIXELS / pixels) ** 0.5
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


class ScreenshotUploads:
    """Stores a technician's screenshot for an order (the same picture twice is one file)."""

    def __init__(self, uow: UnitOfWorkFactory, store: ContentStore, *, per_order: int) -> None:
        self._uow = uow
        self._store = store
        self._per_order = per_order

    async def upload(self, order_id: str, technician_id: str, data: bytes) -> ScreenshotRecord:
        """Check, re-encode, store and record the picture (the record is of the stored bytes);
        `ImageRefused` says why one is not accepted, `TooManyPictures` that the order is full."""
        image = await asyncio.to_thread(check_image, data)
        sha256, _ = await self._store.put(image.data)
        record = ScreenshotRecord(
            order_id=order_id,
            sha256=sha256,
            content_type=image.content_type,
            size_bytes=len(image.data),
            width=image.width,
            height=image.height,
        )
        async with self._uow() as uow:
            held = {s.sha256 for s in await uow.screenshots.list(order_id)}
            if sha256 not in held and len(held) >= self._per_order:
                raise TooManyPictures(
                    f"order {order_id} already has {len(held)} pictures (the most it may hold)"
                )
            await uow.screenshots.add(record, technician_id=technician_id)
            await uow.commit()
        return record

    async def read(self, order_id: str, sha256: str) -> tuple[bytes, str] | None:
        """The picture's bytes and type, if it was uploaded for this order."""
        async with self._uow.read() as uow:
            uploaded = await uow.screenshots.list(order_id)
        found = [s for s in uploaded if s.sha256 == sha256]
        if not found:
            return None
        return await self._store.read_verified(sha256), found[0].content_type
