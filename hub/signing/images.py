"""Images of signing: the drawn signature (checked, re-encoded) and report pages as PNG."""

from __future__ import annotations

import base64
import binascii
import io
import os
import tempfile
import threading
from pathlib import Path

import anyio
import pypdfium2
from PIL import Image, UnidentifiedImageError

from hub.domain.signing import InvalidSignature
from hub.process_memory import trim

MAX_SIGNATURE_BYTES = 512 * 1024
MIN_SIDE, MAX_SIDE = 40, 4000
PNG_DATA_URL = "data:image/png;base64,"
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
    rgba.save(out, format="PNG", optimize=True)  # drops any extra chunks the upload carried
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
    for number, image in enumerate(images, start=1):
        path = folder / f"page-{number}.png"
        _write_atomically(path, _png(image))  # PNG encoding needs no lock
        paths.append(path)
    _write_atomically(folder / "pages.txt", str(len(paths)).encode())
    del images
    trim()  # the bitmaps were megabytes each; the web process keeps none of it
    return paths


def _rasterize(pdf_path: Path) -> list[Image.Image]:
    """Every page as an image of its own (copied out of PDFium's buffers before closing)."""
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    images = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            bitmap = page.render(scale=PAGE_SCALE, rev_byteorder=True)  # RGB: no BGR pass
            images.append(bitmap.to_pil().copy())
            bitmap.close()
            page.close()
    finally:
        pdf.close()
    return images


def _png(image: Image.Image) -> bytes:
    """zlib's fastest level: for a report page, 30 ms against 44 ms at the default level (and
    150 ms with `optimize=True`) for a file 6 % larger. The web process encodes every page a
    customer views once, so this is a large share of its CPU. Lossless: a palette image was
    faster still but shifted light greys and would band photographs."""
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
