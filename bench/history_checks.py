"""What a history run made the hub do, counted by the hub, never echoed from the plan.

Counts come from the hub's database (test results, signatures, billing rows and their times), its
`/ops/counts.json` (through the demo's report: orders, reissues, signatures by channel, links
never signed, parking queues) and the billing stand-in's own starts (its API), so an order billed
twice, or billed without a signature, shows even if the hub's records say otherwise.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from throughput import percentile_ms

from hub.bootstrap import Hub
from hub.db.tables import billing_starts as billing_rows
from hub.db.tables import outbox, signatures, test_results
from hub.messaging.topology import message_type
from schemas.v1 import ReportSigned
from simulation.demo.report import DemoReport, collect_report
from simulation.demo.run import DemoRun
from simulation.demo.standins import billing_starts

SIGNED = "signed"
DONE = "done"
POLL_S = 0.5


@dataclass
class HubFigures:
    """The hub's side of a history run."""

    counts: dict[str, int]  # the keys of `HistoryCounts.totals()`
    billed: Counter[str]  # order id → billing starts (the billing stand-in's records)
    signed: set[str]  # orders with a signature (the hub's database)
    report: DemoReport
    renders: int  # report versions rendered + signed copies rendered
    latency_ms: dict[str, float]  # signing steps, p50 and p99

    @property
    def billed_once(self) -> bool:
        """Every signed order billed exactly once, and nothing else billed."""
        return set(self.billed) == self.signed and all(n == 1 for n in self.billed.values())

    def billing(self) -> dict[str, int]:
        return {
            "billed_orders": len(self.billed),
            "billed_twice": sum(1 for n in self.billed.values() if n > 1),
            "billed_not_signed": len(set(self.billed) - self.signed),
            "signed_not_billed": len(self.signed - set(self.billed)),
        }


async def billing_caught_up(run: DemoRun, hub: Hub, *, wait_s: float) -> bool:
    """Wait (up to `wait_s`) until every signed order has its billing start."""
    deadline = time.monotonic() + wait_s
    while True:
        signed = await _signed(hub, run.order_prefix)
        billed = await billing_starts(run.standins, run.order_prefix)
        if set(billed) >= signed:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(POLL_S)


async def hub_figures(run: DemoRun, hub: Hub, *, timed_out: bool) -> HubFigures:
    """Count what the hub did for this run's orders."""
    signed = await _signed(hub, run.order_prefix)
    billed = await billing_starts(run.standins, run.order_prefix)
    report = await collect_report(run, timed_out=timed_out)
    tests = await _tests_by_kind(hub, run.order_prefix)
    on_site, delivery = report.on_site, report.delivery
    counts = {
        "orders": sum(report.final_states.values()),
        "pings": tests.get("ping", 0),
        "speed_tests": tests.get("speed", 0),
        "fiber_swaps": on_site.get("fiber_swap_applied", 0),
        "box_changes": on_site.get("box_change_applied", 0),
        "signed_on_site": delivery.get("signed_on_site", 0),
        "signed_remote": delivery.get("signed_remote", 0),
        "never_signed": delivery.get("awaiting_signature", 0),
    }
    return HubFigures(
        counts=counts,
        billed=billed,
        signed=signed,
        report=report,
        renders=delivery.get("reports_rendered", 0) + len(signed),
        latency_ms=await _signing_latency_ms(hub, run.order_prefix),
    )


async def _signed(hub: Hub, prefix: str) -> set[str]:
    s = signatures.c
    query = select(s.order_id).where(
        s.status == SIGNED, s.order_id.startswith(prefix, autoescape=True)
    )
    async with hub.db.read() as conn:
        return set((await conn.execute(query)).scalars())


async def _tests_by_kind(hub: Hub, prefix: str) -> dict[str, int]:
    t = test_results.c
    query = (
        select(t.kind, func.count())
        .where(t.order_id.startswith(prefix, autoescape=True))
        .group_by(t.kind)
    )
    async with hub.db.read() as conn:
        return {str(kind): int(n) for kind, n in await conn.execute(query)}


async def _signing_latency_ms(hub: Hub, prefix: str) -> dict[str, float]:
    """From the signature accepted (its claim, in the sign request) to the signed PDF recorded
    (`ReportSigned` in the outbox) and to billing started (the billing row done)."""
    s, b, o = signatures.c, billing_rows.c, outbox.c
    query = (
        select(s.created_at, o.created_at, b.updated_at)
        .join_from(signatures, billing_rows, s.order_id == b.order_id)
        .join(outbox, o.correlation_id == s.order_id)
        .where(o.message_type == message_type(ReportSigned))
        .where(s.status == SIGNED, b.state == DONE, s.order_id.startswith(prefix, autoescape=True))
    )
    async with hub.db.read() as conn:
        rows = (await conn.execute(query)).all()
    to_pdf = sorted((recorded - claimed).total_seconds() for claimed, recorded, _ in rows)
    to_billing = sorted((billed - claimed).total_seconds() for claimed, _, billed in rows)
    return {
        f"{name}_p{round(q * 100)}": round(percentile_ms(samples, q), 1)
        for name, samples in (("signed_pdf", to_pdf), ("billing_started", to_billing))
        for q in (0.5, 0.99)
    }


def as_dict(figures: HubFigures) -> dict[str, Any]:
    r = figures.report
    return {
        "counts": figures.counts,
        "billing": figures.billing(),
        "billed_once": figures.billed_once,
        "archived": r.archived,
        "lost": r.lost,
        "reissued": r.reissued,
        "returned_to_dispatch": r.on_site.get("returned_to_dispatch", 0),
        "changes_unfinished": r.on_site.get("changes_unfinished", 0),
        "duplicated_sms": r.duplicated_sms,
        # same SMS id texted twice, and (order, purpose) texted twice: a customer who asked for
        # a second code counts in the second, not the first
        "duplicated_sms_by": r.duplicated_sms_by,
        "parking_queue_depth": r.parking_queue_depth,
        "signing_failures": r.signing_failures,
        "renders": figures.renders,
        "latency_ms": figures.latency_ms,
    }
