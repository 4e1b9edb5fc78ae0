"""R1: `kill -9` the worker twice during 2,000 orders; every order still ends archived, once.

The simulated field (dispatcher and technicians) runs in this process and drives each order
create → dispatch → check in → complete → archive over AMQP against a worker process. The worker
is killed at ~25 % and ~75 % of orders archived and restarted within 5 s. Unacked deliveries come
back, outbox rows published but not yet marked are published again, and the inbox, the SMS
ledger and the support stand-in's idempotency keys must absorb all of it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from faststream.rabbit import RabbitBroker

from hub.config import Settings
from hub.db.engine import Database
from hub.messaging.topology import Topology
from simulation.field import SimulatedField
from tests.chaos.harness import (
    STATS_INTERVAL_S,
    SUPPRESSED_LINE,
    DeliveryRecorder,
    WorkerProcess,
    file_logger,
    kill_at,
    outbox_pending,
    publish_creates,
    queues_drained,
    wait_for,
)
from tests.chaos.oracles import archived_count, lifecycle_oracle, repeated_ledger_keys, totals
from tests.fakes.standin_oracles import Standins

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

ORDERS = int(os.environ.get("HUB_CHAOS_R1_ORDERS", "2000"))
SEED = 11
KILL_AT = (0.25, 0.75)
DRAIN_BUDGET_S = 60.0
RUN_BUDGET_S = 300.0


async def test_every_order_ends_archived_once_when_the_worker_is_killed_twice(
    *,
    settings: Settings,
    vhost: str,
    db: Database,
    standins: Standins,
    tmp_path: Path,
    make_worker: Callable[..., WorkerProcess],
) -> None:
    settings = settings.model_copy(update={"prefetch_count": 50})
    worker = make_worker(settings=settings)
    await worker.start()
    topology = Topology(prefix=settings.queue_prefix, delivery_limit=settings.delivery_limit)
    field = SimulatedField(topology, seed=SEED, run_id="r1")
    recorder = DeliveryRecorder()
    field_broker = RabbitBroker(
        settings.amqp_url,
        logger=file_logger(tmp_path / "field.log", "r1"),
        middlewares=[recorder.middleware()],
    )
    field.attach(field_broker)
    await field_broker.start()
    order_ids = [field.order(i).order_id for i in range(ORDERS)]
    started = time.monotonic()
    try:
        await publish_creates(field, ORDERS)
        targets = [int(ORDERS * fraction) for fraction in KILL_AT]
        kills = await kill_at(
            worker, partial(archived_count, db), targets, what="archived", timeout=RUN_BUDGET_S
        )
        last_restart = time.monotonic()

        async def all_archived() -> bool:
            return await archived_count(db) >= ORDERS

        await wait_for(all_archived, timeout=RUN_BUDGET_S, what=f"{ORDERS} archived")
        run_s = time.monotonic() - started
        drain_check = time.monotonic()
        drained_s, _ = await queues_drained(
            vhost,
            settings.queue_prefix,
            amqp_url=settings.amqp_url,
            # + the confirming second listing, which is not part of the drain itself
            timeout=DRAIN_BUDGET_S - (drain_check - last_restart) + STATS_INTERVAL_S,
        )
        # When the first all-zero listing was taken (the listing's own stats lag ≤ 5 s).
        quiet_after_restart_s = drain_check + drained_s - last_restart

        async def outbox_empty() -> bool:
            return await outbox_pending(db) == 0

        await wait_for(outbox_empty, timeout=10, what="outbox drained")
    finally:
        await field_broker.stop()
    await worker.terminate()

    oracles = await lifecycle_oracle(db, standins, order_ids)
    suppressed = worker.count(SUPPRESSED_LINE)
    ledger_repeats = await repeated_ledger_keys(standins.support)
    summary = (
        f"R1 {settings.resolved_database_url.split(':')[0]}: {ORDERS} orders in {run_s:.0f}s "
        f"({ORDERS / run_s:.1f}/s); {'; '.join(kills)}; {totals(oracles)}; "
        f"redeliveries seen by the hub: {suppressed} inbox-suppressed, "
        f"{len(ledger_repeats)} support keys called twice; field saw {recorder.repeated} "
        f"repeated events ({recorder.redelivered_flags} flagged redelivered); "
        f"queues quiet {quiet_after_restart_s:.0f}s after last restart "
        f"(drain check {drained_s:.0f}s)"
    )
    print(summary)
    for oracle in oracles:
        print("  ", oracle.line())
    assert len(kills) == 2 and len(set(worker.pids)) == 3, summary
    assert all(o.ok for o in oracles), summary + "\n" + "\n".join(o.line() for o in oracles)
    assert suppressed + len(ledger_repeats) >= 1, "no redelivery observed: vacuous run\n" + summary
