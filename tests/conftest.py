"""Shared fixtures: a kept test vhost, a queue prefix per test, and a database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.runtime import Runtime
from tests import services


@pytest.fixture(scope="session")
def session_prefix() -> str:
    """Every queue and exchange this test session declares starts with this."""
    return f"t{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
def vhost(session_prefix: str) -> Iterator[str]:
    name = services.ensure_vhost()
    if os.environ.get("CI"):
        # CI owns the machine: sweep what a killed earlier run left in the test vhost, since
        # hundreds of idle quorum queues slow the broker down and can exhaust its handles.
        services.run_sync(services.delete_by_prefix(name, ""))
    yield name
    services.run_sync(services.delete_by_prefix(name, session_prefix))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once; each test copies it."""
    name = services.run_sync(services.create_database())

    async def _migrate() -> None:
        db = Database(services.pg_url(name))
        await upgrade(db)
        await db.dispose()

    services.run_sync(_migrate())
    yield name
    services.run_sync(services.drop_database(name))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
        db = Database(url)
        await upgrade(db)
        await db.dispose()
        yield url
        return
    template = request.getfixturevalue("pg_template")
    name = await services.create_database(template=template)
    yield services.pg_url(name)
    await services.drop_database(name)


@pytest.fixture
def settings(vhost: str, session_prefix: str, database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        amqp_url=services.amqp_url(vhost),
        database_url=database_url,
        data_dir=tmp_path,
        queue_prefix=f"{session_prefix}{uuid.uuid4().hex[:4]}.",
        retry_delays_ms=[200, 400, 800],
        transient_attempts=4,
        relay_poll_interval_s=0.05,
        timer_poll_interval_s=0.1,
        graceful_timeout_s=5,
        http_timeout_s=2,
    )


@pytest.fixture
async def runtime(settings: Settings, vhost: str) -> AsyncIterator[Runtime]:
    """A started hub (worker and relay) on the test's queue prefix and database."""
    running = Runtime(bootstrap(settings))
    await running.start()
    yield running
    await running.stop()
    await _delete_queues(settings)


@pytest.fixture
def hub(runtime: Runtime) -> Hub:
    return runtime.hub


async def _delete_queues(settings: Settings) -> None:
    import aio_pika

    conn = await aio_pika.connect(settings.amqp_url)
    async with conn:
        channel = await conn.channel()
        from hub.messaging.declare import ALL_CONSUMERS
        from hub.messaging.topology import Topology

        topo = Topology(
            prefix=settings.queue_prefix, retry_delays_ms=tuple(settings.retry_delays_ms)
        )
        names = [topo.queue_name(c) for c in ALL_CONSUMERS]
        names += [topo.parking_queue(c).name for c in ALL_CONSUMERS]
        names += [topo.retry_queue(d).name for d in topo.retry_delays_ms]
        for name in names:
            await channel.queue_delete(name)
        for exchange in (topo.bus.name, topo.dlx.name, topo.retry.name):
            await channel.exchange_delete(exchange)
