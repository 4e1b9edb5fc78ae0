"""Images of signing: the drawn signature (checked, re-encoded) and report pages as PNG."""

from __future__ import annotations

import base64
import binascii
import io
import os
import struct
import tempfile
import threading
import zlib
from pathlib import Path
from typing import Any

import anyio
import pypdfium2
from PIL import Image, UnidentifiedImageError
from pypdfium2.raw import FPDF_PAGEOBJ_IMAGE

from hub.domain.signing import InvalidSignature
from hub.process_memory import trim

MAX_SIGNATURE_BYTES = 512 * 1024
MIN_SIDE, MAX_SIDE = 40, 4000
PNG_DATA_URL = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib's default level, not `optimize=True`: checking and re-encoding a drawn 1200x400 pad took
# 0.63 of the time, for a file under a kilobyte larger (bench/page_images.py).
SIGNATURE_ENCODING: dict[str, Any] = {"format": "PNG"}
BAND_ROWS = 32  # rows of a page image deflated at a time (about 110 KB)
PAGE_SCALE = 2.0  # 72 dpi x 2: sharp on a phone, about 100-200 KB a page
# PDFium is not thread-safe: two threads inside it at once crash the process (seen under load,
# customers opening reports at the same time). One rasterization at a time per process.
PDFIUM = threading.Lock()


def signature_png(data_url: str) -> bytes:
    """The PNG behind a canvas `toDataURL()`, re-encoded; `InvalidSignature` if empty or bad."""
    if not data_url.startswith(PNG_DATA_URL):
        raise InvalidSignature("the signature must be a PNG image drawn on the pad")
    encoded = data_url.removeprefix(PNG_DATA_URL)
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise InvalidSignature("the signature image is too large")
    try:
        raw = base64.b64decode(encoded, validate=True)
        image = Image.open(io.BytesIO(raw))  # reads the header only
        if image.format != "PNG":
            raise InvalidSignature("the signature must be a PNG image")
        width, height = image.size
        if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
            raise InvalidSignature("the signature image has an unusable size")
        image.verify()  # checks the file; the image must be reopened to use it
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError) as exc:
        raise InvalidSignature("the signature is not a readable PNG image") from exc
    rgba = image.convert("RGBA")
    if _is_blank(rgba):
        raise InvalidSignature("the signature is empty; please sign on the pad")
    out = io.BytesIO()
    rgba.save(out, **SIGNATURE_ENCODING)  # drops any extra chunks the upload carried
    return out.getvalue()


def _is_blank(image: Image.Image) -> bool:
    """No visible ink: fully transparent, or one flat colour."""
    if image.getchannel("A").getbbox() is None:
        return True
    return image.getcolors(maxcolors=1) is not None  # at most one colour: every band is flat


async def page_images(pdf_path: Path, sha256: str, cache_dir: Path) -> list[Path]:
    """PNG images of every page of a report, cached by the report's SHA-256."""
    folder = cache_dir / sha256
    done = folder / "pages.txt"
    if done.exists():
        count = int(done.read_text())
        return [folder / f"page-{n}.png" for n in range(1, count + 1)]
    return await anyio.to_thread.run_sync(_render_pages, pdf_path, folder)


def _render_pages(pdf_path: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with PDFIUM:
        images = _rasterize(pdf_path)
    paths = []
    for number, (image, pictures) in enumerate(images, start=1):
        path = folder / f"page-{number}.png"
        _write_atomically(path, _png(image, pictures=pictures))  # PNG encoding needs no lock
        paths.append(path)
    _write_atomically(folder / "pages.txt", str(len(paths)).encode())
    del images
    trim()  # the bitmaps were megabytes each; the web process keeps none of it
    return paths


def _rasterize(pdf_path: Path) -> list[tuple[Image.Image, bool]]:
    """Every page as an image of its own (copied out of PDFium's buffers before closing), and
    whether the page shows pictures (photos, screenshots, a signature)."""
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    images = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            pictures = next(page.get_objects(filter=(FPDF_PAGEOBJ_IMAGE,)), None) is not None
            bitmap = page.render(scale=PAGE_SCALE, rev_byteorder=True)  # RGB: no BGR pass
            images.append((bitmap.to_pil().copy(), pictures))
            bitmap.close()
            page.close()
    finally:
        pdf.close()
    return images


def _png(image: Image.Image, *, pictures: bool) -> bytes:
    """A lossless PNG of a page, at zlib's fastest level: a palette image was faster still but
    shifted light greys and would band photographs. The web process encodes every page a
    customer views once, so this is a large share of its CPU.

    A page of text and tables takes no PNG filter (`_unfiltered_png`): a report page 13 ms and
    177 KB against 27 ms and 213 KB with Pillow's adaptive filter, which spends most of its time
    choosing a filter per row (bench/page_images.py). A page with pictures keeps Pillow's
    filter: unfiltered, a page of six photographs came out 31 % larger, and a customer on a
    phone pays for the bytes."""
    if pictures or image.mode != "RGB":
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()
    return _unfiltered_png(image)


def _unfiltered_png(image: Image.Image) -> bytes:
    """An 8-bit RGB PNG whose rows all take filter type 0 (none), deflated at level 1.

    The rows go to zlib a band at a time: copying the whole page out first (three passing
    buffers of 6 MB) cost as much again as deflating it, in page faults, in a web process that
    hands its free pages back after every report (`trim`)."""
    width, height = image.size
    stride = 3 * width
    deflate = zlib.compressobj(1)
    idat = []
    for top in range(0, height, BAND_ROWS):
        band = image.crop((0, top, width, min(top + BAND_ROWS, height))).tobytes()
        rows = b"".join(b"\0" + band[at : at + stride] for at in range(0, len(band), stride))
        idat.append(deflate.compress(rows))
    idat.append(deflate.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # depth 8, RGB, no interlace
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", b"".join(idat)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
