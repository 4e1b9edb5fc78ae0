"""Stopping waits for work in flight; bad messages are parked with a reason, never lost."""

from __future__ import annotations

import asyncio
import time

import aio_pika
import pytest

from adapters.support.embedded import EmbeddedWorkOrderSystem
from hub.bootstrap import Hub
from hub.runtime import Runtime
from tests import factories
from tests.fakes.standin_oracles import SupportRecords
from tests.helpers import eventually, parked_messages, publish

pytestmark = pytest.mark.integration


async def test_a_check_in_for_an_unknown_order_is_parked_with_its_reason(hub: Hub) -> None:
    message_id = await publish(hub, factories.check_in("WO-GHOST"))

    async def parked() -> bool:
        return len(await parked_messages(hub, "workorder.check_in")) == 1

    await eventually(parked, timeout=10, interval=0.3)
    [message] = await parked_messages(hub, "workorder.check_in")
    assert message.message_id == message_id
    assert message.headers["x-error-type"] == "NotFound"
    assert message.headers["x-error-message"] == "work order WO-GHOST does not exist"
    assert message.headers["x-original-queue"] == hub.topology.queue_name("workorder.check_in")


async def test_a_dispatch_that_overtakes_its_create_still_applies(hub: Hub) -> None:
    await publish(hub, factories.dispatch("WO-RACE"))
    await asyncio.sleep(0.1)
    await publish(hub, factories.create_order("WO-RACE"))

    async def dispatched() -> bool:
        async with hub.uow() as uow:
            order = await uow.orders.find("WO-RACE")
        return order is not None and order.status == "dispatched"

    await eventually(dispatched, timeout=10)


async def test_stop_waits_for_a_handler_in_flight_and_acks_it(runtime: Runtime) -> None:
    hub = runtime.hub
    support = hub.work_order_system
    assert isinstance(support, EmbeddedWorkOrderSystem)
    support.delay_ms = 3000  # the support-system call of the new order takes 3 s
    await publish(hub, factories.create_order("WO-STOP"))

    async def created() -> bool:
        async with hub.uow() as uow:
            return await uow.orders.find("WO-STOP") is not None

    await eventually(created, timeout=10)
    await asyncio.sleep(0.5)  # the relay publishes WorkOrderCreated; support.orders picks it up
    started = time.monotonic()
    await runtime.stop()
    waited = time.monotonic() - started

    registered = await SupportRecords.of(support).has_order("WO-STOP")
    assert registered, "the handler in flight was abandoned"
    assert waited > 1.0, f"stop returned after {waited:.2f}s, before the handler finished"
    connection = await aio_pika.connect(hub.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(hub.topology.queue_name("support.orders"), passive=True)
        assert queue.declaration_result.message_count == 0, "the finished message was not acked"
