"""Operations endpoints: liveness, readiness, Prometheus metrics, the `/ops` health page and
the hub's records counted (`/ops/counts.json`)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.ports.counts import HubCounts
from hub.queries.ops import OK, OpsSummary
from hub.web.auth import OPERATORS, allow
from hub.web.deps import MetricsDep, OpsDep

log = structlog.get_logger(__name__)

ORDER_PREFIX = r"^[A-Za-z0-9_.-]{0,64}$"

router = APIRouter(tags=["ops"])
_templates = Environment(
    loader=PackageLoader("hub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """200 while the process runs; restart it if this stops answering."""
    return {"status": "alive"}


@router.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"description": "A dependency is down; the body names it"}},
)
async def readyz(ops: OpsDep) -> JSONResponse:
    """200 when the database answers `SELECT 1` and the broker connection is up, else 503."""
    database, broker = await asyncio.gather(ops.check_database(), ops.check_broker())
    checks = {"database": database, "broker": broker}
    failed = [name for name, result in checks.items() if result != OK]
    if not failed:
        return JSONResponse(checks)
    body: dict[str, str] = {**checks, "detail": f"not ready: {', '.join(failed)} unavailable"}
    return JSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


@router.get(
    "/metrics",
    dependencies=[allow(*OPERATORS)],
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(ops: OpsDep, registry: MetricsDep) -> Response:
    """The hub's registry in Prometheus text format; `hub_outbox_backlog` is refreshed here."""
    try:
        registry.outbox_backlog.set(await ops.outbox_backlog())
    except Exception as exc:  # still serve the other metrics when the database is down
        log.warning("could not refresh hub_outbox_backlog", error=repr(exc))
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/ops/summary.json",
    summary="Queue and order health as JSON",
    dependencies=[allow(*OPERATORS)],
)
async def ops_summary(ops: OpsDep) -> OpsSummary:
    """Orders per status, outbox backlog, and each consumer's queue and parking depth."""
    return await ops.summary()


@router.get(
    "/ops/counts.json",
    summary="What the hub recorded, counted: orders, texts, reports, signatures, on-site fixes",
    dependencies=[allow(*OPERATORS)],
)
async def ops_counts(
    ops: OpsDep,
    order_prefix: Annotated[
        str,
        Query(
            pattern=ORDER_PREFIX,
            description="Count only the orders whose id starts with this (a batch, a run)",
        ),
    ] = "",
) -> HubCounts:
    """Orders by status (and how many are not final, reissued, or waiting for a signature), SMS
    by purpose and state (and how many are still being sent), report versions, signatures by
    channel, resource changes by kind and state, exception reports by state, flow-log lines."""
    return await ops.counts(order_prefix=order_prefix)


@router.get(
    "/ops",
    summary="Queue and order health page",
    response_class=HTMLResponse,
    dependencies=[allow(*OPERATORS)],
)
async def ops_page(ops: OpsDep) -> HTMLResponse:
    """A self-contained HTML page (no external assets) that refreshes itself every 10 s."""
    summary = await ops.summary()
    html = _templates.get_template("ops.html").render(
        summary=summary,
        prefix=ops.topology.prefix,
        role=ops.role,
        status_bars=_bars(summary.orders_by_status),
        queue_scale=_scale(summary),
    )
    return HTMLResponse(html)


def _bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    top = max(counts.values(), default=0) or 1
    return [{"label": name, "count": n, "pct": round(100 * n / top)} for name, n in counts.items()]


def _scale(summary: OpsSummary) -> int:
    """The largest queue depth on the page, so every bar shares one scale."""
    depths = [q.messages or 0 for q in summary.consumers]
    depths += [q.parked or 0 for q in summary.consumers]
    depths += [q.messages or 0 for q in summary.retry_queues]
    return max(depths, default=0) or 1
