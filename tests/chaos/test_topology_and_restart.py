"""R10: every queue is declared for safety, messages at rest survive a broker restart, and an
unroutable command is a loud failure, never a silent success.

The restart test stops the RabbitMQ application of the whole machine for a few seconds
(`rabbitmqctl stop_app` / `start_app`); it always starts it again, even when it fails.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import aio_pika
import pytest
from aiormq.exceptions import PublishError
from faststream.rabbit import RabbitBroker
from sqlalchemy import select

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import outbox
from hub.messaging.topology import Topology, message_type
from hub.runtime import Runtime
from schemas.v1 import CreateWorkOrder, WorkOrderArchived
from tests import factories, services
from tests.chaos.harness import (
    WorkerProcess,
    broker_app_stopped,
    is_work_queue,
    ready_counts,
    wait_for,
)

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

AT_REST_PARKED = 300
AT_REST_WORK = 700
UNROUTABLE = 100


def _queue_declarations(vhost: str, prefix: str) -> dict[str, dict[str, Any]]:
    out = services.rabbitmqctl(
        "list_queues",
        "-q",
        "-p",
        vhost,
        "name",
        "type",
        "durable",
        "arguments",
        "--formatter",
        "json",
    )
    queues = {}
    for queue in json.loads(out):
        if queue["name"].startswith(prefix):
            queue["arguments"] = {name: value for name, _kind, value in queue["arguments"]}
            queues[queue["name"]] = queue
    return queues


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_every_hub_queue_is_declared_quorum_with_a_dead_letter_exchange_and_a_limit(
    settings: Settings, vhost: str, make_worker: Callable[..., WorkerProcess], broker_version: str
) -> None:
    worker = make_worker()
    await worker.start()
    await worker.terminate()
    prefix = settings.queue_prefix
    queues = await asyncio.to_thread(_queue_declarations, vhost, prefix)
    work = {n: q for n, q in queues.items() if is_work_queue(prefix, n)}
    parking = {n: q for n, q in queues.items() if n.endswith(".parking")}
    retry = {n: q for n, q in queues.items() if n.removeprefix(prefix).startswith("retry.")}
    wrong = []
    for name, q in work.items():
        args = q["arguments"]
        expected = {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": f"{prefix}dlx",
            "x-dead-letter-routing-key": name,
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        if (
            q["type"] != "quorum"
            or not q["durable"]
            or any(args.get(k) != v for k, v in expected.items())
        ):
            wrong.append(f"{name}: {q}")
    wrong += [f"{n}: {q}" for n, q in parking.items() if q["type"] != "quorum" or not q["durable"]]
    wrong += [
        f"{n}: {q}"
        for n, q in retry.items()
        if not q["durable"]
        or "x-message-ttl" not in q["arguments"]
        or q["arguments"].get("x-dead-letter-exchange") != ""
    ]
    unclassified = set(queues) - set(work) - set(parking) - set(retry)
    summary = (
        f"R10 topology on RabbitMQ {broker_version}: {len(work)} work queues (quorum, DLX, "
        f"x-delivery-limit={settings.delivery_limit}, at-least-once, reject-publish), "
        f"{len(parking)} parking (quorum), {len(retry)} retry wait queues "
        f"({Counter(q['type'] for q in retry.values())}, TTL, DLX to the default exchange); "
        f"wrong {len(wrong)}, unclassified {sorted(unclassified)}"
    )
    print(summary)
    assert len(work) >= 10 and len(parking) >= len(work) and retry, summary
    assert not wrong, summary + "\n" + "\n".join(wrong)
    assert not unclassified, summary


async def _counts_when_back(amqp_url: str, names: list[str]) -> dict[str, int]:
    async def available() -> bool:
        try:
            await ready_counts(amqp_url, names)
        except Exception:  # quorum queues elect their leader after start_app
            return False
        return True

    await wait_for(available, timeout=60, interval=0.5, what="queues available after restart")
    return await ready_counts(amqp_url, names)


async def _drain(amqp_url: str, names: list[str]) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        messages = []
        for name in names:
            queue = await channel.get_queue(name, ensure=False)
            while (message := await queue.get(fail=False, no_ack=True)) is not None:
                messages.append(message)
    return messages


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_thousand_messages_at_rest_survive_a_broker_restart(
    settings: Settings, vhost: str, make_worker: Callable[..., WorkerProcess]
) -> None:
    topology = Topology(prefix=settings.queue_prefix, delivery_limit=settings.delivery_limit)
    create_queue = topology.queue_name("workorder.create")
    worker = make_worker()
    await worker.start()
    broker = RabbitBroker(settings.amqp_url, logger=None)
    await broker.connect()
    ids: set[str] = set()
    try:
        # Parked by the hub itself (FailurePolicy.park), so the parked copies are its publishes.
        for i in range(AT_REST_PARKED):
            ids.add(mid := f"r10-bad-{i:04d}")
            await broker.publish(
                b'{"not": "a work order"}',
                routing_key=create_queue,
                message_id=mid,
                content_type="application/json",
                persist=True,
            )
        parking = topology.parking_queue("workorder.create").name

        async def all_parked() -> bool:
            return (await ready_counts(settings.amqp_url, [parking]))[parking] == AT_REST_PARKED

        await wait_for(all_parked, timeout=30, what=f"{AT_REST_PARKED} parked")
        assert await worker.terminate() == 0
        for i in range(AT_REST_WORK):
            cmd = factories.create_order(f"R10-{i:04d}")
            ids.add(mid := f"r10-cmd-{i:04d}")
            await broker.publish(
                cmd.model_dump_json().encode(),
                exchange=topology.bus,
                routing_key=topology.route(CreateWorkOrder),
                message_id=mid,
                content_type="application/json",
                message_type=message_type(CreateWorkOrder),
                persist=True,
            )
    finally:
        await broker.stop()
    names = [create_queue, parking]
    before = await ready_counts(settings.amqp_url, names)
    with broker_app_stopped() as times:
        pass
    after = await _counts_when_back(settings.amqp_url, names)
    messages = await _drain(settings.amqp_url, names)
    found = {m.message_id for m in messages}
    transient = sum(1 for m in messages if m.delivery_mode != aio_pika.DeliveryMode.PERSISTENT)
    summary = (
        f"R10 restart: at rest {before} → after stop_app/start_app {after}; read back "
        f"{len(found & ids)}/{len(ids)} by message id, {transient} not persistent; "
        f"stop {times['stopped']:.1f}s, broker down {times['downtime']:.1f}s (file-handle "
        f"limit kept at {times['file_handle_limit']:.0f})"
    )
    print(summary)
    assert sum(before.values()) == AT_REST_PARKED + AT_REST_WORK, summary
    assert after == before, summary
    assert found == ids and len(messages) == len(ids), summary
    assert transient == 0, summary


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_unroutable_commands_raise_or_stay_in_the_outbox_with_an_error(
    settings: Settings, db: Database
) -> None:
    # No worker has run under this prefix: no queue is bound to any command routing key.
    hub = bootstrap(settings, consumers=False)
    hub_runtime = Runtime(hub)
    await hub_runtime.start()
    raised = silent = 0
    event_silent = 0
    try:
        async with hub.uow() as uow:
            for i in range(UNROUTABLE):
                await uow.outbox.add(
                    factories.create_order(f"R10-UNROUTED-{i:03d}"),
                    message_id=f"r10-outbox-{i:03d}",
                )
            await uow.commit()

        async def all_tried() -> bool:
            async with db.read() as conn:
                rows = (await conn.execute(select(outbox.c.attempts))).scalars().all()
            return len(rows) == UNROUTABLE and all(a >= 1 for a in rows)

        await wait_for(all_tried, timeout=30, what="every outbox row tried")
        publisher = hub.publishers[hub.topology.route(CreateWorkOrder)]
        for i in range(UNROUTABLE):
            try:
                await publisher.publish(
                    factories.create_order(f"R10-DIRECT-{i:03d}").model_dump_json().encode(),
                    message_id=f"r10-direct-{i:03d}",
                )
            except PublishError:
                raised += 1
            else:
                silent += 1
        archived = hub.publishers[hub.topology.route(WorkOrderArchived)]
        for i in range(10):
            await archived.publish(b"{}", message_id=f"r10-event-{i}")
            event_silent += 1
    finally:
        await hub_runtime.stop()
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox))).mappings().all()
    sent = [r["id"] for r in rows if r["sent_at"] is not None]
    failed = [r for r in rows if r["sent_at"] is None and r["last_error"]]
    summary = (
        f"R10 unroutable: outbox {len(failed)}/{UNROUTABLE} kept unsent with last_error "
        f"({failed[0]['last_error'] if failed else '-'}), {len(sent)} marked sent; direct "
        f"command publishes {raised}/{UNROUTABLE} raised, {silent} silent successes; "
        f"events are not mandatory by design: {event_silent}/10 unrouted events accepted"
    )
    print(summary)
    assert not sent and len(failed) == UNROUTABLE, summary
    assert raised == UNROUTABLE and silent == 0, summary
