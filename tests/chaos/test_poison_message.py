"""R7: a poison message is parked after exactly 1 + x-delivery-limit deliveries, never more.

Both tests run a test-only consumer on `<prefix>chaos.poison`, a hub work queue (quorum,
`x-delivery-limit` = settings.delivery_limit = 5, DLX to its parking queue) whose handler is the
real `create_work_order` inside the real MessageProcessor, except for one poison order:

* in-process, the poison raises RuntimeError: the hub's FailurePolicy nacks it back until the
  delivery counter says this is the last allowed delivery, then parks it with x-error-* headers;
* in a worker process that `os._exit`s on the poison, the hub never settles it: the broker's
  delivery limit and dead-letter exchange must end the crash loop (x-death reason delivery_limit).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import work_orders
from hub.db.uow import UnitOfWork
from hub.handlers.work_orders import create_work_order
from hub.messaging.topology import Topology
from hub.runtime import Runtime
from schemas.v1 import CreateWorkOrder
from tests import factories
from tests.chaos.harness import WorkerProcess, ready_counts, wait_for
from tests.chaos.oracles import count_rows
from tests.chaos.poison_worker import CRASH_EXIT_CODE, POISON_CONSUMER

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

GOOD = 999
POISON_AT = 500
CRASH_GOOD = 199


def _orders(prefix: str, count: int) -> list[CreateWorkOrder]:
    return [factories.create_order(f"{prefix}-{i:04d}") for i in range(count)]


async def _declare_poison_queues(broker: RabbitBroker, topology: Topology) -> tuple[str, str]:
    """The test consumer's work queue and its parking queue (bound to the DLX), as the hub's."""
    dlx = await broker.declare_exchange(topology.dlx)
    parking = topology.parking_queue(POISON_CONSUMER)
    queue = await broker.declare_queue(parking)
    await queue.bind(dlx, routing_key=parking.routing_key)
    work = topology.work_queue(POISON_CONSUMER, POISON_CONSUMER)
    await broker.declare_queue(work)
    return work.name, parking.name


async def _publish(broker: RabbitBroker, queue: str, orders: list[CreateWorkOrder]) -> None:
    for start in range(0, len(orders), 100):
        await asyncio.gather(
            *(
                broker.publish(
                    o.model_dump_json().encode(),
                    routing_key=queue,
                    message_id=f"cmd-{o.order_id}",
                    content_type="application/json",
                    persist=True,
                )
                for o in orders[start : start + 100]
            )
        )


async def _parked(amqp_url: str, parking: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(parking, ensure=False)
        messages = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            messages.append(message)
    return messages


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_poison_is_parked_by_the_hub_after_exactly_six_deliveries(
    settings: Settings, db: Database, broker_version: str
) -> None:
    limit = settings.delivery_limit
    assert limit == 5
    hub = bootstrap(settings)
    topology = hub.topology
    orders = _orders("R7", GOOD)
    poison = factories.create_order("R7-POISON")
    orders.insert(POISON_AT, poison)
    deliveries: Counter[str] = Counter()
    counters_seen: dict[str, list[Any]] = defaultdict(list)

    async def create_unless_poison(cmd: CreateWorkOrder, uow: UnitOfWork) -> None:
        if cmd.order_id == poison.order_id:
            raise RuntimeError("poison order: this handler always fails")
        await create_work_order(cmd, uow)

    queue = topology.work_queue(POISON_CONSUMER, POISON_CONSUMER)

    @hub.broker.subscriber(queue, ack_policy=AckPolicy.REJECT_ON_ERROR)
    async def create_or_fail(cmd: CreateWorkOrder, msg: RabbitMessage) -> None:
        deliveries[msg.message_id] += 1
        counters_seen[msg.message_id].append((msg.headers or {}).get("x-delivery-count"))
        await hub.processor.run(POISON_CONSUMER, msg.message_id, cmd, create_unless_poison)

    hub_runtime = Runtime(hub)
    await hub_runtime.start()
    try:
        work, parking = await _declare_poison_queues(hub.broker, topology)
        started = time.monotonic()
        await _publish(hub.broker, work, orders)

        async def all_settled() -> bool:
            good = await count_rows(db, work_orders)
            return good == GOOD and (await ready_counts(settings.amqp_url, [parking]))[parking] == 1

        await wait_for(all_settled, timeout=90, what="999 orders created and the poison parked")
        elapsed = time.monotonic() - started
    finally:
        await hub_runtime.stop()
    parked = await _parked(settings.amqp_url, parking)
    redelivered = hub.metrics.registry.get_sample_value(
        "hub_redeliveries_total", {"consumer": POISON_CONSUMER}
    )

    poison_id = f"cmd-{poison.order_id}"
    most = max(deliveries.values())
    headers = dict(parked[0].headers or {}) if parked else {}
    summary = (
        f"R7 RabbitMQ {broker_version}, x-delivery-limit={limit}: poison delivered "
        f"{deliveries[poison_id]}x (x-delivery-count seen {counters_seen[poison_id]}), "
        f"parked {len(parked)} with x-error-type={headers.get('x-error-type')}; "
        f"{GOOD} good created in {elapsed:.1f}s, max deliveries of any message {most}"
    )
    print(summary)
    assert deliveries[poison_id] == 1 + limit, summary
    assert redelivered == limit, f"hub_redeliveries_total says {redelivered}"  # the poison's
    assert most <= 1 + limit, summary
    assert sum(1 for mid, n in deliveries.items() if n > 1 and mid != poison_id) == 0, summary
    assert len(parked) == 1 and parked[0].message_id == poison_id, summary
    assert headers["x-error-type"] == "RuntimeError", summary
    assert headers["x-original-queue"] == work, summary
    assert "always fails" in str(headers["x-error-message"]), summary
    assert await count_rows(db, work_orders, work_orders.c.order_id == poison.order_id) == 0


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("prefetch", [1, 32])
async def test_poison_that_kills_the_worker_is_parked_by_the_broker_delivery_limit(
    settings: Settings,
    db: Database,
    tmp_path: Path,
    broker_version: str,
    make_worker: Callable[..., WorkerProcess],
    *,
    prefetch: int,
) -> None:
    """Every crash also returns the poison's prefetched neighbours, unprocessed: their delivery
    counts climb with the poison's, so up to prefetch - 1 of them are dead-lettered with it."""
    limit = settings.delivery_limit
    settings = settings.model_copy(update={"prefetch_count": prefetch})
    topology = Topology(prefix=settings.queue_prefix, delivery_limit=limit)
    orders = _orders("R7K", CRASH_GOOD)
    poison = factories.create_order("R7K-POISON")
    orders.insert(CRASH_GOOD // 2, poison)
    poison_log = tmp_path / "poison-deliveries.jsonl"
    worker = make_worker(
        "poison-worker",
        settings=settings,
        command=(sys.executable, "-m", "tests.chaos.poison_worker"),
        CHAOS_POISON_ORDER=poison.order_id,
        CHAOS_POISON_LOG=str(poison_log),
    )
    broker = RabbitBroker(settings.amqp_url, logger=None)
    await broker.connect()
    try:
        work, parking = await _declare_poison_queues(broker, topology)
        await _publish(broker, work, orders)
    finally:
        await broker.stop()

    crashes: list[int | None] = []
    started = time.monotonic()

    async def parked_count() -> int:
        return (await ready_counts(settings.amqp_url, [parking]))[parking]

    while await parked_count() == 0:
        assert len(crashes) <= 2 * (1 + limit), f"crash loop not stopped: {crashes}"
        await worker.start(may_die=True)

        async def died_or_parked() -> bool:
            return not worker.alive or await parked_count() > 0

        await wait_for(died_or_parked, timeout=30, interval=0.1, what="crash or park")
        if not worker.alive:
            crashes.append(worker.proc.returncode if worker.proc else None)
    if not worker.alive:
        await worker.start()

    async def queue_empty() -> bool:
        counts = await ready_counts(settings.amqp_url, [work])
        return counts[work] == 0 and await count_rows(db, work_orders) + await parked_count() > (
            CRASH_GOOD
        )

    try:
        await wait_for(queue_empty, timeout=60, what="work queue drained")
    finally:
        await worker.terminate()
    elapsed = time.monotonic() - started
    parked = await _parked(settings.amqp_url, parking)
    deliveries = [json.loads(line) for line in poison_log.read_text().splitlines()]
    poison_id = f"cmd-{poison.order_id}"
    poison_parked = [p for p in parked if p.message_id == poison_id]
    death = (poison_parked[0].headers or {}).get("x-death", [{}])[0] if poison_parked else {}
    collateral = [p for p in parked if p.message_id != poison_id]
    collateral_reasons = Counter(
        str((p.headers or {}).get("x-death", [{}])[0].get("reason")) for p in collateral
    )
    created = await count_rows(db, work_orders)
    summary = (
        f"R7 crash variant, RabbitMQ {broker_version}, x-delivery-limit={limit}, "
        f"prefetch={prefetch}: worker died {len(crashes)}x on the poison (exit codes "
        f"{sorted(set(crashes))}), poison delivered {len(deliveries)}x (x-delivery-count seen "
        f"{[d['x-delivery-count'] for d in deliveries]}), parked by the broker with x-death "
        f"reason={death.get('reason')} queue={death.get('queue')}; good: {created} created, "
        f"{len(collateral)} parked with it unprocessed {dict(collateral_reasons)}, "
        f"lost {CRASH_GOOD - created - len(collateral)}; {elapsed:.1f}s"
    )
    print(summary)
    assert crashes == [CRASH_EXIT_CODE] * (1 + limit), summary
    assert len(deliveries) == 1 + limit, summary
    assert len(poison_parked) == 1, summary
    assert death.get("reason") == "delivery_limit", summary
    assert death.get("queue") == work, summary
    assert "x-error-type" not in (poison_parked[0].headers or {}), summary
    assert created + len(collateral) == CRASH_GOOD, summary
    assert len(collateral) <= prefetch - 1, summary
    assert set(collateral_reasons) <= {"delivery_limit"}, summary
