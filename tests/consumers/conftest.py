"""In-memory broker tests: the real routers and handlers, SQLite, no RabbitMQ connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from faststream.rabbit import RabbitMessage, RabbitQueue, TestRabbitBroker

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.messaging.declare import ALL_CONSUMERS
from tests.fakes.standin_oracles import close_standins


async def _keep_raw(msg: Any) -> Any:
    return msg.body  # parked bodies may be anything: never decode them


@pytest.fixture
async def memory_hub(tmp_path: Path) -> AsyncIterator[Hub]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    hub = bootstrap(Settings(database_url=url, data_dir=tmp_path, queue_prefix="mem."))
    parked: list[RabbitMessage] = []
    for consumer in ALL_CONSUMERS:
        # Parking is published to the default exchange by queue name; the in-memory broker
        # matches on the queue's routing key, so subscribe by name only.
        @hub.broker.subscriber(
            RabbitQueue(hub.topology.parking_queue(consumer).name), decoder=_keep_raw
        )
        async def collect(msg: RabbitMessage) -> None:
            parked.append(msg)

    hub.parked = parked  # type: ignore[attr-defined]
    async with TestRabbitBroker(hub.broker):
        yield hub
    await close_standins(hub.work_order_system, hub.inventory, hub.billing, hub.sms_sender)
    await hub.db.dispose()
