"""Several broker addresses against the real broker: the hub starts on the first that answers.

Losing the node in use mid-run needs a real cluster: tests/chaos/test_cluster_failover.py.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.domain.work_order import Status
from hub.messaging.broker import ClusterRabbitBroker
from hub.messaging.queue_depths import queue_depths
from hub.runtime import BrokerUnavailable, Runtime
from tests import factories
from tests.helpers import eventually, publish

pytestmark = pytest.mark.integration


@pytest.fixture
def dead_node() -> Iterator[str]:
    """The URL of a port nothing listens on (a node that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"amqp://guest:guest@127.0.0.1:{port}/"


async def test_the_hub_starts_on_the_first_node_that_answers_and_consumes(
    settings: Settings, dead_node: str
) -> None:
    settings = settings.model_copy(update={"amqp_url": f"{dead_node},{settings.amqp_url}"})
    runtime = Runtime(bootstrap(settings))
    await runtime.start()
    try:
        hub: Hub = runtime.hub
        assert isinstance(hub.broker, ClusterRabbitBroker)
        assert hub.broker.connected_url.startswith(settings.amqp_urls[1])  # + ?heartbeat=
        await publish(hub, factories.create_order("WO-ADDR-1"))

        async def created() -> bool:
            async with hub.uow() as uow:
                order = await uow.orders.find("WO-ADDR-1")
            return order is not None and order.status == Status.CREATED

        await eventually(created)
        depths = await queue_depths(
            settings.amqp_urls, [hub.topology.queue_name("workorder.create")]
        )
        assert depths[hub.topology.queue_name("workorder.create")].consumers >= 1
    finally:
        await runtime.stop()


async def test_no_node_answering_names_every_address_tried(
    settings: Settings, dead_node: str
) -> None:
    other = dead_node.replace("guest:guest", "hub:secret")
    settings = settings.model_copy(
        update={"amqp_url": f"{dead_node},{other.replace('127.0.0.1', 'localhost')}"}
    )
    hub = bootstrap(settings)
    with pytest.raises(BrokerUnavailable) as caught:
        await Runtime(hub).start()
    await hub.aclose()
    assert dead_node.replace(":guest@", ":***@") in str(caught.value)
    assert "secret" not in str(caught.value)
