"""A hub whose broker connection drops consumes and parks again; a silent node is passed over.

After a reconnect the robust channel declares again what the hub declared on it (exchanges,
parking and wait queues, then the consumers' queues): a broker that lost them while the hub ran
(its data wiped) has them again, and a failed message still finds its parking queue.

A node that accepts connections but never answers (hung, half dead) is left after
`HUB_BROKER_ATTEMPT_TIMEOUT_S`, at start and on a reconnect, for the next address: before, the
hub waited on it until `HUB_CONNECT_TIMEOUT_S` failed its start, or for ever on a reconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import pytest
from aio_pika.exceptions import ChannelNotFoundEntity

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.messaging.broker import ClusterRabbitBroker
from hub.runtime import Runtime
from tests import factories
from tests.helpers import eventually, publish

pytestmark = pytest.mark.integration
CONSUMER = "delivery.report_signed"


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the broker's behaviour does not depend on the database")


async def drop_connection(broker: object) -> ClusterRabbitBroker:
    """Close the hub's broker connection under it, as a node that died would."""
    assert isinstance(broker, ClusterRabbitBroker) and broker.connection is not None
    transport = broker.connection.transport
    assert transport is not None
    await transport.connection.close(ConnectionResetError("dropped by the test"))
    return broker


async def consumes_again(hub: Hub, order_id: str) -> None:
    """An order published to the hub (once its channel is back) is consumed and recorded."""

    async def published() -> bool:
        try:
            await publish(hub, factories.create_order(order_id), message_id=order_id)
        except Exception:  # the hub's channel may still be reconnecting
            return False
        return True

    async def consumed() -> bool:
        async with hub.uow.read() as uow:
            return await uow.orders.find(order_id) is not None

    await eventually(published, timeout=30, interval=0.5)
    await eventually(consumed, timeout=20)


async def test_after_a_dropped_connection_the_hub_consumes_and_parks_again(
    sqlite_only: None, hub: Hub
) -> None:
    parking = hub.topology.parking_queue(CONSUMER)
    wait = hub.topology.retry_queue(hub.topology.retry_delays_ms[0])
    outside = await aio_pika.connect(hub.settings.amqp_urls[0])
    async with outside:
        channel = await outside.channel()
        for name in (parking.name, wait.name):  # what a broker that lost its data lacks
            await channel.queue_delete(name)

        await drop_connection(hub.broker)

        async def declared_again() -> bool:
            probe = await outside.channel()
            try:
                for name in (parking.name, wait.name):
                    await probe.declare_queue(name, passive=True)
            except ChannelNotFoundEntity:
                return False
            await probe.close()
            return True

        await eventually(declared_again, timeout=20)
        dlx = await channel.get_exchange(hub.topology.dlx.name)
        await dlx.publish(aio_pika.Message(b"{}"), routing_key=parking.routing_key)

        async def parked() -> bool:  # the dead-letter exchange routes to it again
            queue = await channel.declare_queue(parking.name, passive=True)
            return queue.declaration_result.message_count == 1

        await eventually(parked, timeout=10)
    await consumes_again(hub, "WO-RECONNECT")


@asynccontextmanager
async def silent_node() -> AsyncIterator[str]:
    """A broker address that accepts TCP connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"amqp://guest:guest@127.0.0.1:{port}/"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def hub_on(
    settings: Settings, *urls: str, start_within_s: float = 30
) -> AsyncIterator[Runtime]:
    """A started hub given these broker addresses, one attempt bounded to 1 s; stopped after."""
    update = {"amqp_url": ",".join(urls), "broker_attempt_timeout_s": 1.0}
    runtime = Runtime(bootstrap(settings.model_copy(update=update)))
    try:
        await asyncio.wait_for(runtime.start(), start_within_s)
        yield runtime
    finally:
        await runtime.stop()


async def test_a_silent_first_node_is_left_at_start_for_the_next(
    sqlite_only: None, settings: Settings
) -> None:
    real = settings.amqp_urls[0]
    # HUB_CONNECT_TIMEOUT_S is 30: the start must not wait on the silent node until then
    async with (
        silent_node() as silent,
        hub_on(settings, silent, real, start_within_s=20) as runtime,
    ):
        broker = runtime.hub.broker
        assert isinstance(broker, ClusterRabbitBroker) and broker.connection is not None
        assert broker.connected_url.startswith(real)  # + ?heartbeat=
        # the hub's default (HUB_BROKER_HEARTBEAT_S), not RabbitMQ's 60 s (3 min to notice)
        assert broker.connection.url.query["heartbeat"] == "10"


async def test_a_silent_next_node_is_left_on_a_reconnect_for_the_one_after(
    sqlite_only: None, settings: Settings
) -> None:
    real = settings.amqp_urls[0]
    same_broker = real.replace("127.0.0.1", "localhost")  # another address of the same node
    async with silent_node() as silent, hub_on(settings, real, silent, same_broker) as runtime:
        broker = await drop_connection(runtime.hub.broker)
        await consumes_again(runtime.hub, "WO-SILENT")
        assert broker.connected_url.startswith(same_broker)
