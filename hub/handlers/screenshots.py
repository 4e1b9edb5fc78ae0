"""Uploaded test screenshots: checked (a PNG or JPEG of sane size, decodable, not a bomb),
stored content-addressed, and recorded on the order they belong to."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from hub.content_store import ContentStore
from hub.ports import ScreenshotRecord, UnitOfWorkFactory

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


class ScreenshotUploads:
    """Stores a technician's screenshot for an order (the same picture twice is one file)."""

    def __init__(self, uow: UnitOfWorkFactory, store: ContentStore) -> None:
        self._uow = uow
        self._store = store

    async def upload(self, order_id: str, technician_id: str, data: bytes) -> ScreenshotRecord:
        """Check, store and record the picture; `ImageRefused` says why one is not accepted."""
        image = await asyncio.to_thread(check_image, data)
        sha256, _ = await self._store.put(data)
        record = ScreenshotRecord(
            order_id=order_id,
            sha256=sha256,
            content_type=image.content_type,
            size_bytes=len(data),
            width=image.width,
            height=image.height,
        )
        async with self._uow() as uow:
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
