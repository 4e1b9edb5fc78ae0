"""Report page images (the signing page's PNGs): the hub's encoder against Pillow's, one run.

The report of the bench's order (`bench/reports.py`: a checked-in order with a ping and a speed
test with a screenshot) is rendered twice, without its picture and with it; every page is drawn
as the web process draws it (`hub.signing.images._rasterize`, PDFium at 144 dpi) and encoded
both ways, rounds alternating which goes first, each encode after the heap's free pages are
handed back, as the web process does after every report's pages (`hub.process_memory.trim`):

    pillow  Image.save(format="PNG", compress_level=1): Pillow's adaptive row filter (baseline)
    hub     hub.signing.images._png: no row filter on a page without pictures, Pillow's on a
            page with them (unfiltered, photographs cost the phone many more bytes)

and the drawn signature on a 1200x400 pad, checked and re-encoded as the hub does
(`signature_png`: zlib's default level) against the same with Pillow's `optimize=True`.
Prints milliseconds (medians) and KB, and hub ÷ pillow.

    .venv/bin/python bench/page_images.py [--rounds 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402
from reports import _hub, _order, report_data  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from hub.db.engine import Database  # noqa: E402
from hub.db.migrate import upgrade  # noqa: E402
from hub.process_memory import trim  # noqa: E402
from hub.reports.html import build_html  # noqa: E402
from hub.reports.worker import render_html  # noqa: E402
from hub.signing.images import (  # noqa: E402
    PNG_DATA_URL,
    SIGNATURE_ENCODING,
    _png,
    _rasterize,
    signature_png,
)


async def report_pdfs(data_dir: Path) -> dict[str, bytes]:
    """The bench order's report, rendered without its picture and with it."""
    url = f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}"
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    hub = _hub(data_dir, url, workers=1)
    try:
        data, pictures = await report_data(hub, await _order(hub))
    finally:
        await hub.db.dispose()
    now = datetime.now(UTC)
    without = build_html(data, version=1, generated_at=now, pictures={})
    with_pictures = build_html(data, version=1, generated_at=now, pictures=pictures)
    return {"text": render_html(without)[0], "pictures": render_html(with_pictures)[0]}


def pad_png() -> Image.Image:
    """A drawn signature on a phone's pad: a stroke on transparent pixels."""
    image = Image.new("RGBA", (1200, 400), (0, 0, 0, 0))
    points = [(60 + 110 * i, 200 + ((i * 97) % 180) - 90) for i in range(10)]
    ImageDraw.Draw(image).line(points, fill="black", width=9, joint="curve")
    return image


def timed(encode: Callable[[], bytes], times: list[float]) -> bytes:
    trim()  # the heap as the web process leaves it after each report's pages
    started = time.perf_counter()
    out = encode()
    times.append(time.perf_counter() - started)
    return out


def pillow_png(image: Image.Image, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def measure(pdfs: dict[str, bytes], rounds: int, work: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for kind, pdf in pdfs.items():
        path = work / f"{kind}.pdf"
        path.write_bytes(pdf)
        pages = _rasterize(path)
        ms: dict[str, list[float]] = {"pillow": [], "hub": []}
        size: dict[str, int] = {}
        for round_no in range(rounds):
            for way in ("pillow", "hub") if round_no % 2 == 0 else ("hub", "pillow"):
                size[way] = 0  # all pages of the report
                for image, pictures in pages:
                    encode = (
                        partial(pillow_png, image, compress_level=1)
                        if way == "pillow"
                        else partial(_png, image, pictures=pictures)
                    )
                    size[way] += len(timed(encode, ms[way]))
        result[kind] = {
            "pages": len(pages),
            "pictures": [p for _, p in pages],
            "ms": {way: 1000 * statistics.median(v) for way, v in ms.items()},
            "kb": {way: n / 1024 for way, n in size.items()},
        }
    pad = pad_png()
    data_url = PNG_DATA_URL + base64.b64encode(pillow_png(pad)).decode()
    ms = {"pillow": [], "hub": []}
    size = {}
    for round_no in range(rounds):
        for way in ("pillow", "hub") if round_no % 2 == 0 else ("hub", "pillow"):
            encoding = {"optimize": True} if way == "pillow" else {}
            with mock.patch.dict(SIGNATURE_ENCODING, encoding):
                size[way] = len(timed(partial(signature_png, data_url), ms[way]))
    result["signature"] = {
        "ms": {way: 1000 * statistics.median(v) for way, v in ms.items()},
        "kb": {way: n / 1024 for way, n in size.items()},
    }
    return result


def show(result: dict[str, Any], rounds: int) -> None:
    table = Table(title=f"PNG encoding, {rounds} rounds: ms per page (median), KB per report")
    for column in ("", "pillow ms", "hub ms", "hub ÷ pillow", "pillow KB", "hub KB"):
        table.add_column(column, justify="right" if column else "left")
    labels = {
        "text": "report page, no pictures",
        "pictures": "report page with a screenshot",
        "signature": "drawn signature 1200x400, checked and re-encoded (pillow: optimize=True)",
    }
    for kind, label in labels.items():
        row = result[kind]
        table.add_row(
            label,
            f"{row['ms']['pillow']:.1f}",
            f"{row['ms']['hub']:.1f}",
            f"{row['ms']['hub'] / row['ms']['pillow']:.2f}",
            f"{row['kb']['pillow']:.1f}",
            f"{row['kb']['hub']:.1f}",
        )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        pdfs = asyncio.run(report_pdfs(Path(tmp)))
        result = measure(pdfs, args.rounds, Path(tmp))
    print(json.dumps(result, indent=2)) if args.json else show(result, args.rounds)


if __name__ == "__main__":
    main()
