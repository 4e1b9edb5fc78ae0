"""R5: every message delivered twice, to two competing workers → exactly one effect each.

The simulated field publishes every command twice with the same message id, and taps in this
process deliver every message the hub sends to its own queues (SendSms, flow-log entries,
created/archived events for the support mirror) a second time, straight to the consuming queue,
also with the same id. "Order completed" events reach the dispatcher twice too. Two worker
processes consume every queue concurrently.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from faststream import AckPolicy
from faststream.rabbit import QueueType, RabbitBroker, RabbitMessage, RabbitQueue
from pydantic import BaseModel

from hub.config import Settings
from hub.db.engine import Database
from hub.messaging.topology import Topology
from schemas.v1 import (
    FlowLogEntry,
    SendSms,
    WorkOrderArchived,
    WorkOrderCompleted,
    WorkOrderCreated,
)
from simulation.field import SimulatedField
from tests.chaos.harness import (
    SUPPRESSED_LINE,
    WorkerProcess,
    file_logger,
    is_work_queue,
    list_queues,
    outbox_pending,
    publish_creates,
    queues_drained,
    wait_for,
)
from tests.chaos.oracles import (
    archived_count,
    inbox_rows,
    lifecycle_oracle,
    repeated_ledger_keys,
    sms_history,
    totals,
)
from tests.fakes.standin_oracles import Standins

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

ORDERS = int(os.environ.get("HUB_CHAOS_R5_ORDERS", "300"))
SEED = 55
COMMANDS_PER_ORDER = 5  # create, dispatch, check in, complete, archive


class TwiceField(SimulatedField):
    """The simulated field, publishing every command twice with the same message id."""

    async def _send(self, message: BaseModel, message_id: str) -> None:
        await super()._send(message, message_id)
        await super()._send(message, message_id)


def _tap_again(broker: RabbitBroker, topology: Topology, tapped: Counter[str]) -> None:
    """Deliver every message on these routes once more, to the queue that consumes it."""
    targets: dict[type[BaseModel], str] = {
        SendSms: topology.queue_name("sms.send"),
        FlowLogEntry: topology.queue_name("support.flow_log"),
        WorkOrderCreated: topology.queue_name("support.orders"),
        WorkOrderArchived: topology.queue_name("support.archive"),
        WorkOrderCompleted: f"{topology.prefix}sim.dispatcher.completed",
    }
    for model, target in targets.items():
        tap = RabbitQueue(
            f"{topology.prefix}chaos.tap.{model.__name__}",
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=topology.route(model),
        )
        broker.subscriber(tap, topology.bus, ack_policy=AckPolicy.NACK_ON_ERROR)(
            _again(broker, target, tapped, name=target.removeprefix(topology.prefix))
        )


def _again(
    broker: RabbitBroker, target: str, tapped: Counter[str], *, name: str
) -> Callable[..., Any]:
    async def again(body: Any, msg: RabbitMessage) -> None:
        await broker.publish(
            msg.body,
            routing_key=target,
            message_id=msg.message_id,
            correlation_id=msg.correlation_id,
            content_type=msg.content_type,
            message_type=msg.raw_message.type,
            persist=True,
            mandatory=True,
        )
        tapped[name] += 1

    return again


async def test_every_message_twice_to_two_workers_has_exactly_one_effect(
    *,
    settings: Settings,
    vhost: str,
    db: Database,
    standins: Standins,
    tmp_path: Path,
    make_worker: Callable[..., WorkerProcess],
) -> None:
    workers = [make_worker("worker-a"), make_worker("worker-b")]
    await asyncio.gather(*(w.start() for w in workers))
    topology = Topology(prefix=settings.queue_prefix, delivery_limit=settings.delivery_limit)
    field = TwiceField(topology, seed=SEED, run_id="r5")
    broker = RabbitBroker(settings.amqp_url, logger=file_logger(tmp_path / "field.log", "r5"))
    field.attach(broker)
    tapped: Counter[str] = Counter()
    _tap_again(broker, topology, tapped)
    await broker.start()
    order_ids = [field.order(i).order_id for i in range(ORDERS)]
    consumers: dict[str, int] = {}

    async def both_workers_consume_every_queue() -> bool:
        consumers.clear()
        consumers.update(
            {
                name: q[2]
                for name, q in (await list_queues(vhost, settings.queue_prefix)).items()
                if is_work_queue(settings.queue_prefix, name)
            }
        )
        return len(consumers) >= 10 and set(consumers.values()) == {2}

    started = time.monotonic()
    try:
        # Consumer counts in the listing lag (stats interval), so wait for them to show.
        await wait_for(
            both_workers_consume_every_queue,
            timeout=20,
            interval=1.0,
            what=f"2 consumers on every hub queue: {consumers}",
        )
        await publish_creates(field, ORDERS, batch=50)

        async def all_archived() -> bool:
            return await archived_count(db) >= ORDERS

        await wait_for(all_archived, timeout=240, what=f"{ORDERS} archived")
        run_s = time.monotonic() - started
        await queues_drained(vhost, settings.queue_prefix, amqp_url=settings.amqp_url, timeout=60)

        async def outbox_empty() -> bool:
            return await outbox_pending(db) == 0

        await wait_for(outbox_empty, timeout=10, what="outbox drained")
    finally:
        await broker.stop()
    await asyncio.gather(*(w.terminate() for w in workers))

    oracles = await lifecycle_oracle(db, standins, order_ids)
    suppressed = [w.count(SUPPRESSED_LINE) for w in workers]
    ledger_repeats = await repeated_ledger_keys(standins.support)
    summary = (
        f"R5 {settings.resolved_database_url.split(':')[0]}: {ORDERS} orders, every message "
        f"twice, 2 workers, in {run_s:.0f}s ({ORDERS / run_s:.1f}/s); {totals(oracles)}; "
        f"field published {field.stats.published} commands, taps re-delivered "
        f"{sum(tapped.values())} ({dict(tapped)}); inbox suppressed {sum(suppressed)} "
        f"(a/b {suppressed}), inbox rows {await inbox_rows(db)}; support keys called twice "
        f"{len(ledger_repeats)}; consumers per hub queue {sorted(set(consumers.values()))}"
    )
    print(summary)
    sms_dupes = next(o for o in oracles if o.effect == "dispatch SMS").duplicated
    if sms_dupes:
        print(await sms_history(db, standins.sms, sms_dupes[:3]))
    for oracle in oracles:
        print("  ", oracle.line())
    assert all(o.ok for o in oracles), summary + "\n" + "\n".join(o.line() for o in oracles)
    # Vacuity: every command id arrived twice, so the inbox turned away at least one copy each.
    assert sum(suppressed) >= COMMANDS_PER_ORDER * ORDERS, summary
    assert all(suppressed), f"one worker never saw a duplicate: {summary}"
    assert tapped["sms.send"] >= ORDERS and tapped["support.flow_log"] >= 5 * ORDERS, summary
