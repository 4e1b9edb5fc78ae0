"""Delivery-report rendering: the hub's render against raw WeasyPrint on the same HTML, one run.

raw: HTML(string=html, url_fetcher=<the hub's deny-by-default fetcher>).write_pdf(), in this
     process, for the exact HTML the hub builds for the same order
hub: ReportService.render_if_changed(order_id) for an order with no report yet: read the order, its
     tests and pictures, build the HTML, render in a pool worker (another process, time limit),
     hash and store the PDF, record the version (and its outbox message) in one transaction
ratio = hub median latency ÷ raw median latency; then the signing step, both ways the hub can
do it, alternating per order: stamp the stored PDF (`hub.reports.stamp`: a small layer merged
with pypdf) or lay the whole signed report out again (the fallback for older PDFs); then
reports/s with 1 and 2 pool workers,
rendering M reports of distinct orders concurrently; meanwhile the render workers' resident
memory is sampled from /proc every 0.5 s (`bench/worker_rss.py`): the largest VmRSS seen, and
the largest VmHWM (the kernel's high-water mark, which also catches peaks between samples).

.venv/bin/python bench/reports.py [--orders 8] [--throughput 16] [--json] [--append FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import structlog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.worker_rss import WorkerPeaks, sample_while  # noqa: E402
from hub.bootstrap import Hub, bootstrap  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.db.engine import Database  # noqa: E402
from hub.db.migrate import upgrade  # noqa: E402
from hub.ports import ScreenshotRecord  # noqa: E402
from hub.reports.content import gather  # noqa: E402
from hub.reports.html import build_html  # noqa: E402
from hub.reports.worker import render_html  # noqa: E402
from tests import delivery_factories as df  # noqa: E402
from tests import factories  # noqa: E402

SECTION = "## Delivery reports (`bench/reports.py`)"


async def main(args: argparse.Namespace) -> dict[str, Any]:
    peaks, stop = WorkerPeaks(os.getpid()), threading.Event()
    sampler = threading.Thread(target=sample_while, args=(stop, peaks, 0.5), daemon=True)
    sampler.start()
    try:
        result = await _run(args)
    finally:
        stop.set()
        sampler.join()
    workers = peaks.summary()
    return {
        **result,
        "workers_seen": workers["workers"],
        "worker_peak_rss_mb": workers["peak_rss_mb"],
        "worker_peak_hwm_mb": workers["peak_hwm_mb"],
    }


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        data_dir = Path(tmp)
        url = f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}"
        db = Database(url)
        await upgrade(db)
        await db.dispose()
        latency = await _latency(data_dir, url, args.orders)
        signing = await _signing(data_dir, url, args.orders)
        throughput = {
            workers: await _throughput(data_dir, url, workers, args.throughput)
            for workers in (1, 2)
        }
    return {
        "orders": args.orders,
        "throughput_reports": args.throughput,
        **latency,
        **signing,
        "reports_per_s": throughput,
        "machine": _machine(),
    }


async def _latency(data_dir: Path, url: str, orders: int) -> dict[str, Any]:
    hub = _hub(data_dir, url, workers=1)
    try:
        await hub.reports.pool.start()
        ids = [await _order(hub) for _ in range(orders + 1)]
        warm = await hub.reports.render_if_changed(ids.pop())  # first renders: caches, fontconfig
        render_html(await _same_html(hub, warm.order_id, warm.version, warm.created_at))
        hub_s, raw_s, sizes = [], [], []
        for index, oid in enumerate(ids):  # alternate which goes first: load drifts
            html = ""
            for step in ("hub", "raw") if index % 2 == 0 else ("raw", "hub"):
                if step == "hub":
                    started = time.perf_counter()
                    await hub.reports.render_if_changed(oid)
                    hub_s.append(time.perf_counter() - started)
                    continue
                html = html or await _html_for_first_version(hub, oid)
                started = time.perf_counter()
                pdf, _, _ = render_html(html)
                raw_s.append(time.perf_counter() - started)
                sizes.append(len(pdf))
    finally:
        await hub.reports.close()
        await hub.db.dispose()
    hub_median, raw_median = statistics.median(hub_s), statistics.median(raw_s)
    return {
        "hub_ms_median": round(hub_median * 1000, 1),
        "hub_ms_max": round(max(hub_s) * 1000, 1),
        "raw_ms_median": round(raw_median * 1000, 1),
        "raw_ms_max": round(max(raw_s) * 1000, 1),
        "ratio": round(hub_median / raw_median, 2),
        "pdf_kb_median": round(statistics.median(sizes) / 1024, 1),
    }


async def _signing(data_dir: Path, url: str, orders: int) -> dict[str, Any]:
    """The signed copy of one report version, stamped or laid out again (same hub, same pool)."""
    from datetime import UTC, datetime
    from unittest import mock

    from hub.reports import AuditEvent

    hub = _hub(data_dir, url, workers=1)
    audit = [
        AuditEvent("report_viewed", datetime.now(UTC), "203.0.113.7", "Mozilla/5.0 (iPhone)"),
        AuditEvent("signed", datetime.now(UTC), "203.0.113.7", "Mozilla/5.0 (iPhone)"),
    ]
    times: dict[str, list[float]] = {"stamp": [], "full": []}
    sizes: dict[str, list[int]] = {"stamp": [], "full": []}
    try:
        await hub.reports.pool.start()
        reports = [
            await hub.reports.render_if_changed(await _order(hub)) for _ in range(orders + 1)
        ]
        for index, report in enumerate(reports):
            for way in ("stamp", "full") if index % 2 == 0 else ("full", "stamp"):
                relaid = mock.patch("hub.reports.service.signature_layout", _no_layout)
                started = time.perf_counter()
                with relaid if way == "full" else contextlib.nullcontext():
                    signed = await hub.reports.render_signed(
                        report, signature_png=df.signature_png(), signer_name="张伟", audit=audit
                    )
                if index:  # the first order warms both ways up
                    times[way].append(time.perf_counter() - started)
                    sizes[way].append(signed.path.stat().st_size)
    finally:
        await hub.reports.close()
        await hub.db.dispose()
    stamp, full = statistics.median(times["stamp"]), statistics.median(times["full"])
    return {
        "sign_stamp_ms_median": round(stamp * 1000, 1),
        "sign_full_ms_median": round(full * 1000, 1),
        "sign_ratio": round(stamp / full, 2),
        "signed_kb_stamp": round(statistics.median(sizes["stamp"]) / 1024, 1),
        "signed_kb_full": round(statistics.median(sizes["full"]) / 1024, 1),
    }


def _no_layout(_: bytes) -> None:
    return None  # as for a PDF rendered before the signature block had ids


async def _throughput(data_dir: Path, url: str, workers: int, count: int) -> float:
    hub = _hub(data_dir, url, workers=workers)
    try:
        await hub.reports.pool.start()
        ids = [await _order(hub) for _ in range(count)]
        started = time.perf_counter()
        await asyncio.gather(*(hub.reports.render_if_changed(oid) for oid in ids))
        return round(count / (time.perf_counter() - started), 2)
    finally:
        await hub.reports.close()
        await hub.db.dispose()


async def _html_for_first_version(hub: Hub, order_id: str) -> str:
    """The HTML the hub builds (or built) for this order's first version."""
    from datetime import UTC, datetime

    return await _same_html(hub, order_id, 1, datetime.now(UTC))


async def _same_html(hub: Hub, order_id: str, version: int, created_at: Any) -> str:
    """The HTML the hub rendered for this version, built again from the same data."""
    data, pictures = await report_data(hub, order_id)
    return build_html(data, version=version, generated_at=created_at, pictures=pictures)


async def report_data(hub: Hub, order_id: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """What the hub builds an order's report from: its data, and its pictures by SHA-256."""
    async with hub.uow.read() as uow:
        data = await gather(uow, order_id, lang="zh", tz="Asia/Shanghai", radius_m=500.0)
    pictures = {p["sha256"]: await hub.reports.pictures.read(p["sha256"]) for p in data["pictures"]}
    return data, pictures


def _hub(data_dir: Path, url: str, *, workers: int) -> Hub:
    settings = Settings(
        database_url=url, data_dir=data_dir, queue_prefix="bench.", report_workers=workers
    )
    return bootstrap(settings, consumers=False, renders=True)


async def _order(hub: Hub) -> str:
    """A checked-in order with a passing ping and speed test (one with a screenshot)."""
    oid = f"WO-BENCH-{uuid.uuid4().hex[:8]}"
    order = factories.create_order(oid)
    for cmd in (order, factories.dispatch(oid), factories.check_in(oid)):
        await hub.commands.run(cmd, message_id=uuid.uuid4().hex)
    png = df.screenshot_png()
    sha, _ = await hub.reports.pictures.put(png)
    async with hub.uow() as uow:
        await uow.screenshots.add(
            ScreenshotRecord(oid, sha, "image/png", len(png), 360, 640), technician_id="T001"
        )
        await uow.commit()
    for test in (df.ping(oid, screenshots=[sha]), df.speed(oid, order.bandwidth_mbps)):
        await hub.commands.run(test, message_id=uuid.uuid4().hex)
    return oid


def _machine() -> str:
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load:.1f} at the end of the run"
    )


def markdown(result: dict[str, Any], command: str) -> str:
    r = result
    return f"""{SECTION}

What one delivery report costs in the hub, against WeasyPrint alone on the same HTML, in one run.

```sh
{command}
```

- **raw**: `HTML(string=html, url_fetcher=AssetOnlyFetcher()).write_pdf()` in the bench process,
  for the exact HTML the hub built (same data, version and pictures; the hub's deny-by-default
  fetcher, so the CSS and logo load the same way);
- **hub**: `ReportService.render_if_changed(order_id)` for an order that has no report yet:
  gather the order, tests and pictures from SQLite, build the HTML (Jinja2, autoescape), render
  it in a pool worker process (pipe round trip, time limit), SHA-256 and store the PDF, record
  the version and its `ReportRendered` outbox row in one transaction;
- orders: checked in, one passing ping (with a 360×640 screenshot) and one speed test; one A4
  page, {r["pdf_kb_median"]} KB median (CJK font subset embedded).

| | median | max |
|---|---|---|
| raw WeasyPrint render | {r["raw_ms_median"]} ms | {r["raw_ms_max"]} ms |
| hub first render of an order | {r["hub_ms_median"]} ms | {r["hub_ms_max"]} ms |
| **ratio hub ÷ raw** | **{r["ratio"]}** | |

The signing step (`ReportService.render_signed`, the worker's part of a signature), both ways,
alternating per order, same hub and pool:

| signed copy | median | PDF size |
|---|---|---|
| stamped onto the stored PDF | {r["sign_stamp_ms_median"]} ms | {r["signed_kb_stamp"]} KB |
| laid out again whole (older PDFs) | {r["sign_full_ms_median"]} ms | {r["signed_kb_full"]} KB |
| **ratio stamp ÷ full** | **{r["sign_ratio"]}** | |

| pool workers | reports/s ({r["throughput_reports"]} orders rendered concurrently) |
|---|---|
| 1 | {r["reports_per_s"][1]} |
| 2 | {r["reports_per_s"][2]} |

| render workers ({r["workers_seen"]} processes over the run) | peak |
|---|---|
| VmRSS sampled every 0.5 s | {r["worker_peak_rss_mb"]} MB |
| VmHWM (kernel high-water mark) | {r["worker_peak_hwm_mb"]} MB |

Machine: {r["machine"]}; {r["orders"]} orders timed one after another, after a
warm-up render on both sides, alternating which side goes first.

Reading it: the render itself (WeasyPrint layout, pure Python) is nearly all of the cost; what
the hub adds (two SQLite reads, Jinja2, the pipe to the worker and back, SHA-256, an atomic file
write, one transaction) is tens of milliseconds, inside the run-to-run noise of a shared 2-CPU
machine, so the ratio sits near 1 and can come out below it (the worker is a warm, separate
process; the raw render shares the benchmark's process with its event loop). Throughput gains
from a second worker need a free CPU: on this machine other jobs usually hold both.

The signed copy (issue #11): stamping renders only a small layer (signer, time and signature
over the stored page, then the audit trail) and merges it with pypdf, so it costs a bit over
half of laying the signed report out again, and the customer's pages stay as viewed. The file is
larger: the layer carries its own CJK font subset, and WeasyPrint keeps glyph ids, so even a
few dozen characters make a ~150 KB subset.
"""


def append(path: Path, block: str) -> None:
    """Replace this benchmark's own section in `path` (or add it at the end)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        following = text.find("\n## ", start + len(SECTION))
        end = len(text) if following == -1 else following + 1
        text = text[:start] + block + ("\n" + text[end:] if following != -1 else "")
    path.write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=8, help="orders timed one by one")
    parser.add_argument("--throughput", type=int, default=16, help="reports per worker count")
    parser.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    parser.add_argument("--append", type=Path, help="write the section into this markdown file")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    outcome = asyncio.run(main(arguments))
    argv = " ".join(
        a for a in sys.argv[1:] if not a.startswith("--append") and a != str(arguments.append)
    )
    block = markdown(outcome, f".venv/bin/python bench/reports.py {argv}".rstrip())
    print(json.dumps(outcome, indent=2) if arguments.json else block)
    if arguments.append:
        append(arguments.append, block)
