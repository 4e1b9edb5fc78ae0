"""The render worker: a child process that turns report HTML into PDF with WeasyPrint.

Started by `hub.reports.pool` as `python -m hub.reports.worker <memory_mb>`. Only this module
and `fetcher` import WeasyPrint, so the hub's own processes never load it. Frames on stdin and
stdout are `hub.reports.frames`: a job is the HTML string (None ends the
worker); an answer is `("ok", pdf, fetches, seconds, peak_mb)` or
`("error", error_type, message, peak_mb)`, where `peak_mb` is the most resident memory the
worker held during that job. The first frame a worker writes is `"ready"`, after a warm-up
render. After each answer, while it waits for the next job, the worker gives back what the
render left behind (`worker_memory.release`).
"""

from __future__ import annotations

import functools
import logging
import os
import resource
import signal
import sys
import time
from typing import TYPE_CHECKING

from hub.reports import fonts, worker_memory
from hub.reports.frames import read_frame, write_frame
from hub.reports.model import FetchRecord, RenderJob, StampJob
from hub.reports.stamp import stamp

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

EMBEDDED_FILES = b"/EmbeddedFiles"


def render_html(html: str) -> tuple[bytes, list[FetchRecord], float]:
    """Render one report; the fetcher's ledger says what it asked for."""
    from weasyprint import HTML

    from hub.reports.fetcher import AssetOnlyFetcher

    fetcher = AssetOnlyFetcher()
    started = time.perf_counter()
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[_report_css()], attachments=[], font_config=_font_config()
    )
    if pdf is None or EMBEDDED_FILES in pdf:
        raise RuntimeError("a report must not embed files")
    return pdf, fetcher.ledger, time.perf_counter() - started


@functools.cache
def _font_config() -> FontConfiguration:
    """One fontconfig set-up for every render in this process (loading it took about 40 ms a
    render), seeing the reports' cut faces when they are built. Reports carry no @font-face
    (the fetcher refuses font URLs), so nothing a report holds is added to it."""
    from weasyprint.text.fonts import FontConfiguration

    if not fonts.use_report_fonts():
        logging.getLogger(__name__).warning(
            "report fonts not built (python -m hub.reports.fonts): using the system face"
        )
    return FontConfiguration()


@functools.cache
def _report_css() -> CSS:
    """`assets/report.css`, parsed once per process (10-15 ms a render when each report linked
    it). A user-origin sheet: the `<style>` of a template (the stamp layer's) overrides it."""
    from weasyprint import CSS

    from hub.reports.fetcher import ASSETS_DIR, AssetOnlyFetcher

    return CSS(
        filename=ASSETS_DIR / "report.css",
        url_fetcher=AssetOnlyFetcher(),
        font_config=_font_config(),
    )


def run_job(job: RenderJob) -> tuple[bytes, list[FetchRecord], float]:
    """Render report HTML, or render a signing layer and stamp it onto its report."""
    if not isinstance(job, StampJob):
        return render_html(job)
    started = time.perf_counter()
    layer, fetches, _ = render_html(job.layer_html)
    pdf = stamp(job.report_pdf, layer, job.layout)
    if EMBEDDED_FILES in pdf:
        raise RuntimeError("a report must not embed files")
    return pdf, fetches, time.perf_counter() - started


def serve(memory_mb: int) -> None:
    """Render jobs from stdin until it closes; answers on the real stdout."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the frames
    jobs = sys.stdin.buffer
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker stops
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refusals are in the ledger
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    render_html("<p>warm-up 预热</p>")  # imports and the font scan, paid before the first job
    worker_memory.settle()
    write_frame(answers, "ready")
    while True:
        try:
            job = read_frame(jobs)
        except EOFError:
            return
        if job is None:
            return
        write_frame(answers, _answer(job, memory_mb))
        worker_memory.release()  # between jobs: the caller already has its answer


def _answer(job: RenderJob, memory_mb: int) -> tuple[object, ...]:
    """One job's answer frame; the peak is this render's (the high-water mark is reset)."""
    worker_memory.reset_peak()
    try:
        pdf, fetches, seconds = run_job(job)
    except MemoryError:
        return ("error", "MemoryError", f"render exceeded {memory_mb} MB", worker_memory.peak_mb())
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc)[:300], worker_memory.peak_mb())
    return ("ok", pdf, fetches, seconds, worker_memory.peak_mb())


if __name__ == "__main__":
    serve(int(sys.argv[1]))
