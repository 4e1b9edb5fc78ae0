"""Report pages as PNG: many customers opening reports at once must not crash the process.

PDFium is not thread-safe: before the lock, four rounds of 40 concurrent renders (threads in one
process, as in the web app) died with SIGSEGV or "Failed to load document" in every run of three.
The renders run in a child process, so a crash fails this test instead of the test runner.
"""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image
from weasyprint import HTML

# A minute of rendering in a child process: no service needed, but too slow for `make quick`.
pytestmark = pytest.mark.integration

PDFS = 40
ROUNDS = 4  # the crash needs sustained overlap: one round often gets through
SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from hub.signing.images import page_images

    async def main(folder: Path, rounds: int) -> None:
        pdfs = sorted(folder.glob("*.pdf"))
        total = 0
        for r in range(rounds):
            pages = await asyncio.gather(
                *(page_images(p, f"sha-{r}-{n}", folder / "cache") for n, p in enumerate(pdfs))
            )
            total += sum(len(p) for p in pages)
        print(total)

    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
    """
)


def _report_pdf() -> bytes:
    """A two-page report-like PDF with embedded CJK and Latin fonts (what PDFium trips on)."""
    rows = "".join(
        f"<tr><td>测试 {n}</td><td>上海市南京东路 {n} 号</td><td>ping {n}.5 ms</td></tr>"
        for n in range(70)
    )
    return HTML(string=f"<h1>交付报告 Delivery report</h1><table>{rows}</table>").write_pdf()


def test_reports_rendered_forty_at_a_time_all_come_out_and_the_process_survives(
    tmp_path: Path,
) -> None:
    pdf = _report_pdf()
    for number in range(PDFS):
        (tmp_path / f"report-{number:02d}.pdf").write_bytes(pdf)
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(ROUNDS)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert ran.returncode == 0, f"renderer died with {ran.returncode}: {ran.stderr[-1500:]}"
    assert int(ran.stdout.strip()) == 2 * PDFS * ROUNDS
    pngs = sorted((tmp_path / "cache").glob("sha-*/page-*.png"))
    assert len(pngs) == 2 * PDFS * ROUNDS
    with Image.open(pngs[0]) as first:
        assert first.size[1] == 1684  # A4 at 72 dpi x 2


async def test_page_images_show_every_pixel_pdfium_drew(tmp_path: Path) -> None:
    """The customer signs what the page images show: encoding them must lose nothing (a
    palette or JPEG encoding would be faster and shift colours)."""
    from hub.signing.images import _rasterize, page_images

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(
        HTML(
            string="<h1 style='color:#0b5cad'>交付报告</h1>"
            "<p style='background:#f5f7fa;color:#1f7a3a'>验收结论：合格 · ping 3.4 ms</p>"
            "<div style='height:80px;background:linear-gradient(90deg,#c00,#0c0,#00c)'></div>"
        ).write_pdf()
    )
    [(drawn, pictures)] = _rasterize(pdf)
    [path] = await page_images(pdf, "sha-lossless", tmp_path / "cache")
    assert not pictures  # written by the hub's own unfiltered encoder
    with Image.open(path) as shown:
        assert shown.format == "PNG"
        assert shown.convert(drawn.mode).tobytes() == drawn.tobytes()


async def test_a_page_with_a_photograph_is_lossless_and_as_small_as_pillows_filter_makes_it(
    tmp_path: Path,
) -> None:
    """Text pages take no PNG filter (cheaper, and smaller for text); a page with a picture
    keeps Pillow's adaptive filter, because unfiltered a photograph costs the phone many more
    bytes."""
    from hub.signing.images import _rasterize, _unfiltered_png, page_images

    pdf = tmp_path / "photo.pdf"
    pdf.write_bytes(
        HTML(
            string="<h1>现场照片</h1>"
            f"<img style='width:16cm' src='data:image/png;base64,{_photo_b64()}'>"
        ).write_pdf()
    )
    [(drawn, pictures)] = _rasterize(pdf)
    [path] = await page_images(pdf, "sha-photo", tmp_path / "cache")
    assert pictures
    with Image.open(path) as shown:
        assert shown.convert(drawn.mode).tobytes() == drawn.tobytes()
    pillow = io.BytesIO()
    drawn.save(pillow, format="PNG", compress_level=1)
    assert path.stat().st_size == len(pillow.getvalue())
    assert path.stat().st_size < 0.9 * len(_unfiltered_png(drawn))


def _photo_b64() -> str:
    """Smooth shading with grain, like a photograph: what PNG's row filters are for."""
    size = (480, 360)
    shade = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ),
    )
    grain = Image.effect_noise(size, 12).convert("RGB")
    out = io.BytesIO()
    Image.blend(shade, grain, 0.15).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


async def test_page_images_keep_their_colours(tmp_path: Path) -> None:
    """Red stays red: PDFium draws BGR unless asked for RGB; a swapped order shows it blue."""
    from hub.signing.images import PAGE_SCALE, page_images

    pdf = tmp_path / "red.pdf"
    pdf.write_bytes(
        HTML(
            string="<style>@page{margin:0}body{margin:0}</style>"
            "<div style='background:#cc0000;height:100px'></div>"
            "<div style='background:#0b5cad;height:100px'></div>"
        ).write_pdf()
    )
    [path] = await page_images(pdf, "sha-colours", tmp_path / "cache")
    with Image.open(path) as shown:
        red = shown.convert("RGB").getpixel((20, int(50 * 0.75 * PAGE_SCALE)))
        blue = shown.convert("RGB").getpixel((20, int(150 * 0.75 * PAGE_SCALE)))
    assert red == (204, 0, 0)
    assert blue == (11, 92, 173)
