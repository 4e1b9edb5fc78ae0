"""The inventory goes down for 30 s in the middle of 200 fiber swaps from the field app.

Technicians keep asking (about 5 swaps a second). While the inventory answers 503 each request is
answered 202 and handed to the swap queue, whose delayed retries (1 s, 5 s, then every 15 s)
outlast the outage. Once the inventory is back, every swap completes: applied once, reissued
once, one SMS each; nothing doubled, no fiber left with an archived order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.config import Settings
from hub.db.tables import resource_changes
from tests.chaos.harness import wait_for
from tests.chaos.swap_oracle import swap_oracle
from tests.fakes.standin_oracles import SmsRecords
from tests.inventory_standin import (
    drop_separate_database,
    line_seed,
    separate_database,
    serve_inventory,
)
from tests.on_site_harness import http_client, on_site_hub, open_orders, tech_of

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

SWAPS = int(os.environ.get("HUB_CHAOS_OUTAGE_SWAPS", "200"))
OUTAGE_S = float(os.environ.get("HUB_CHAOS_OUTAGE_S", "30"))
PER_CABLE = 20
OUTAGE_AFTER = 0.25  # of the swaps answered
PACE_S = 0.2


def order_id(i: int) -> str:
    return f"WO-OUT-{i:04d}"


async def test_every_swap_completes_once_after_a_30_s_inventory_outage(
    settings: Settings, backend: str, tmp_path: Path
) -> None:
    settings = settings.model_copy(
        update={"retry_delays_ms": [1000, 5000, 15000], "transient_attempts": 8}
    )
    orders = [order_id(i) for i in range(SWAPS)]
    # Order i holds fiber (i % 20) + 1 of its cable and swaps to fiber (i % 20) + 21: no races.
    target = {
        o: f"C{i // PER_CABLE + 1:03d}-F{i % PER_CABLE + 21:03d}" for i, o in enumerate(orders)
    }
    url = await separate_database(backend, tmp_path)
    seed = line_seed(orders, per_cable=PER_CABLE, fibers=48)
    try:
        async with (
            serve_inventory(url, seed) as stand_in,
            on_site_hub(settings, stand_in.url) as hub,
            http_client(hub) as client,
        ):
            await open_orders(hub, orders)
            answers: Counter[int] = Counter()
            change_ids: dict[str, tuple[str, str]] = {}
            outage: list[float] = []

            async def swap(order: str) -> None:
                fiber_id = target[order]
                response = await client.post(
                    f"/api/v1/technicians/{tech_of(order)}/orders/{order}/fiber-swap",
                    json={"fiber_id": fiber_id, "fiber_no": int(fiber_id[-3:])},
                    headers={"Idempotency-Key": f"swap-{order}"},
                )
                answers[response.status_code] += 1
                assert "change_id" in response.json(), response.text
                change_ids[response.json()["change_id"]] = (order, fiber_id)

            async def inventory_outage() -> None:
                await wait_for(
                    _answered(answers, int(SWAPS * OUTAGE_AFTER)), timeout=120, interval=0.05
                )
                await stand_in.faults(unavailable=True)
                outage.append(time.monotonic())
                await asyncio.sleep(OUTAGE_S)
                await stand_in.faults(unavailable=False)
                outage.append(time.monotonic())

            started = time.monotonic()
            breaker = asyncio.create_task(inventory_outage())
            requests = []
            for order in orders:
                requests.append(asyncio.create_task(swap(order)))
                await asyncio.sleep(PACE_S)
            await asyncio.gather(*requests)
            await breaker

            async def all_finished() -> bool:
                report = await swap_oracle(
                    hub.db, stand_in.records, SmsRecords.of(hub.sms_sender), change_ids
                )
                return not report.unfinished and not report.problems

            with contextlib.suppress(AssertionError):  # the oracle's report says what is left
                await wait_for(all_finished, timeout=120, what="every swap finished")
            recovered_s = time.monotonic() - outage[1]
            report = await swap_oracle(
                hub.db, stand_in.records, SmsRecords.of(hub.sms_sender), change_ids
            )
            async with hub.db.read() as conn:
                attempts = (
                    await conn.scalars(
                        select(resource_changes.c.attempts).where(
                            resource_changes.c.change_id.in_(list(change_ids))
                        )
                    )
                ).all()
            retried, failed_calls = sum(1 for n in attempts if n), sum(attempts)
            parked = sum(
                s.value
                for metric in hub.metrics.messages_parked.collect()
                for s in metric.samples
                if s.name.endswith("_total")
            )
            took = time.monotonic() - started
    finally:
        await drop_separate_database(url)

    summary = (
        f"outage {backend}: {SWAPS} swaps in {took:.0f}s, inventory down {OUTAGE_S:.0f}s "
        f"after {int(SWAPS * OUTAGE_AFTER)} answered; HTTP answers {dict(answers)}; "
        f"{retried} swaps met the outage ({failed_calls} failed inventory calls); "
        f"all done {recovered_s:.1f}s after it returned; {report.line()}"
    )
    print(summary)
    assert answers[202] > 0 and retried > 0, "the outage was not exercised: " + summary
    assert len(report.reissued) == SWAPS and not report.problems, (
        summary + f"; unfinished e.g. {report.unfinished[:5]}"
    )
    assert parked == 0, summary


def _answered(answers: Counter[int], n: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return sum(answers.values()) >= n

    return check
