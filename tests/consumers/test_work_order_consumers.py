"""The work-order consumers with the in-memory broker: message in, state and outbox out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hub.bootstrap import Hub
from hub.db.tables import outbox
from hub.domain.work_order import Status
from tests import factories
from tests.helpers import publish, thread_hops


async def _outbox_types(hub: Hub) -> list[str]:
    async with hub.db.read() as conn:
        rows = await conn.execute(select(outbox.c.message_type).order_by(outbox.c.created_at))
        return [r.message_type for r in rows]


async def test_create_command_stores_the_order_and_queues_its_events(memory_hub: Hub) -> None:
    await publish(memory_hub, factories.create_order("WO-M1"))
    async with memory_hub.uow() as uow:
        order = await uow.orders.get("WO-M1")
    assert order.status is Status.CREATED
    assert sorted(await _outbox_types(memory_hub)) == ["FlowLogEntry.v1", "WorkOrderCreated.v1"]


async def test_dispatch_queues_an_sms_notice_and_a_check_in_deadline(memory_hub: Hub) -> None:
    await publish(memory_hub, factories.create_order("WO-M2"))
    await publish(memory_hub, factories.dispatch("WO-M2"))
    assert "SendSms.v1" in await _outbox_types(memory_hub)
    async with memory_hub.uow() as uow:
        timers = await uow.timers.list()
    assert sorted((t.kind, t.order_id) for t in timers) == [
        ("acceptance_deadline", "WO-M2"),  # 接单 within HUB_ACCEPT_WITHIN_MIN
        ("check_in_deadline", "WO-M2"),
    ]


async def test_check_in_cancels_the_deadline_timer(memory_hub: Hub) -> None:
    for cmd in (
        factories.create_order("WO-M3"),
        factories.dispatch("WO-M3"),
        factories.check_in("WO-M3"),
    ):
        await publish(memory_hub, cmd)
    async with memory_hub.uow() as uow:
        timers = await uow.timers.list()
    assert [t.status for t in timers] == ["cancelled", "cancelled"]  # nothing fires after arrival


async def test_the_same_message_id_twice_has_one_effect(memory_hub: Hub) -> None:
    await publish(memory_hub, factories.create_order("WO-M4"), message_id="dup-1")
    before = await _outbox_types(memory_hub)
    await publish(memory_hub, factories.create_order("WO-M4"), message_id="dup-1")
    assert await _outbox_types(memory_hub) == before
    assert memory_hub.metrics.duplicates_suppressed.labels("workorder.create")._value.get() == 1


async def test_an_illegal_step_changes_nothing_and_is_parked(memory_hub: Hub) -> None:
    await publish(memory_hub, factories.create_order("WO-M5"))
    await publish(memory_hub, factories.complete("WO-M5"))
    async with memory_hub.uow() as uow:
        order = await uow.orders.get("WO-M5")
    assert order.status is Status.CREATED
    [parked] = memory_hub.parked  # type: ignore[attr-defined]
    assert parked.headers["x-error-type"] == "IllegalTransition"
    assert "cannot complete order WO-M5" in parked.headers["x-error-message"]
    assert parked.headers["x-original-queue"] == "mem.workorder.complete"


async def test_invalid_json_is_parked_not_raised(memory_hub: Hub) -> None:
    await memory_hub.broker.publish(
        b"{not json",
        exchange=memory_hub.topology.bus,
        routing_key="cmd.workorder.create",
        message_id="bad-1",
        content_type="application/json",
    )
    [parked] = memory_hub.parked  # type: ignore[attr-defined]
    assert parked.body == b"{not json"
    assert parked.headers["x-error-type"] in {"JSONDecodeError", "ValidationError"}


async def test_unknown_fields_are_refused(memory_hub: Hub) -> None:
    body = json.loads(factories.create_order("WO-M6").model_dump_json())
    body["priority"] = "urgent"
    await memory_hub.broker.publish(
        json.dumps(body).encode(),
        exchange=memory_hub.topology.bus,
        routing_key="cmd.workorder.create",
        message_id="bad-2",
        content_type="application/json",
    )
    async with memory_hub.uow() as uow:
        assert await uow.orders.find("WO-M6") is None
    [parked] = memory_hub.parked  # type: ignore[attr-defined]
    assert parked.headers["x-error-type"] == "ValidationError"
    assert "priority" in parked.headers["x-error-message"]
    assert body["contact"]["phone"] not in parked.headers["x-error-message"]


async def test_a_delivery_is_handled_without_a_hop_to_a_worker_thread(
    memory_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastStream resolves a `msg: RabbitMessage` parameter in a worker thread, one hop per
    delivery (about a sixth of a worker's CPU per order, measured): the hub's subscribers take
    the message id from the parser instead."""
    hops = thread_hops(monkeypatch)
    await publish(memory_hub, factories.create_order("WO-M5"), message_id="hop-1")
    await publish(memory_hub, factories.create_order("WO-M5"), message_id="hop-1")
    async with memory_hub.uow() as uow:
        assert (await uow.orders.get("WO-M5")).status is Status.CREATED
    assert memory_hub.metrics.duplicates_suppressed.labels("workorder.create")._value.get() == 1
    assert hops == []
