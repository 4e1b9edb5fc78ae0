"""Least privilege on the broker: each process role's RabbitMQ user can do its job and no more
(the users come from `scripts/rabbitmq_users.sh`, run here for the test vhost and prefix)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.runtime import Runtime
from tests import factories
from tests.conftest import _delete_queues
from tests.helpers import eventually, publish

pytestmark = pytest.mark.integration
SCRIPT = Path(__file__).parents[2] / "scripts" / "rabbitmq_users.sh"


@pytest.fixture
def users(settings: Settings, vhost: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """AMQP URLs of hub-worker, hub-web and hub-relay on the test vhost, for this test's prefix
    (user names carry the prefix, so parallel test workers do not reset each other's)."""
    out = tmp_path / "users.env"
    suffix = "-" + settings.queue_prefix.strip(".")
    args = ["bash", str(SCRIPT), "--vhost", vhost, "--prefix", settings.queue_prefix]
    args += ["--user-suffix", suffix, "--out", str(out)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    passwords = dict(line.split("=", 1) for line in out.read_text().split())
    urls = {}
    for role in ("hub-worker", "hub-web", "hub-relay"):
        password = passwords["RABBITMQ_PASSWORD_" + role.replace("-", "_")]
        login = role + suffix
        urls[role] = f"amqp://{login}:{password}@127.0.0.1:5672/{quote(vhost, safe='')}"
    yield urls
    for role in urls:
        subprocess.run(
            ["rabbitmqctl", "-q", "delete_user", role + suffix],
            check=False,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture
async def running_as_roles(settings: Settings, users: dict[str, str]) -> AsyncIterator[None]:
    worker = Runtime(bootstrap(settings.model_copy(update={"amqp_url": users["hub-worker"]})))
    web_settings = settings.model_copy(update={"amqp_url": users["hub-web"]})
    web = Runtime(bootstrap(web_settings, consumers=False))
    await worker.start()
    await web.start()
    try:
        yield
    finally:
        await web.stop()
        await worker.stop()
        await _delete_queues(settings)


async def test_a_worker_and_a_web_process_run_with_their_own_users(
    settings: Settings, users: dict[str, str], running_as_roles: None
) -> None:
    """Each role starts, and an order published by the support system is processed."""
    admin = bootstrap(settings, consumers=False)  # the test publishes as the support system
    await admin.broker.connect()
    try:
        await publish(admin, factories.create_order(f"WO-ROLE-{uuid.uuid4().hex[:6]}"))

        async def created() -> bool:
            async with admin.uow.read() as uow:
                return bool(await uow.orders.count_by_status())

        await eventually(created, timeout=30)
    finally:
        await admin.broker.stop()
        await admin.db.dispose()


async def _take(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    raise AssertionError(f"{message.message_id} was delivered to a role that may not read it")


@pytest.mark.parametrize("role", ["hub-web", "hub-relay"])
async def test_the_web_and_relay_users_cannot_read_the_orders_queue(
    settings: Settings, users: dict[str, str], running_as_roles: None, role: str
) -> None:
    queue = f"{settings.queue_prefix}workorder.create"
    connection = await aio_pika.connect(users[role], timeout=10)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        with pytest.raises(ChannelAccessRefused):
            await declared.consume(_take)


async def test_no_role_reaches_another_prefix(settings: Settings, users: dict[str, str]) -> None:
    foreign = f"x{uuid.uuid4().hex[:6]}.bus"
    refused = []
    for role, url in users.items():
        connection = await aio_pika.connect(url, timeout=10)
        async with connection:
            channel = await connection.channel()
            with pytest.raises(ChannelAccessRefused, match="access to exchange"):
                await channel.declare_exchange(foreign, durable=True)
            refused.append(role)
    assert refused == ["hub-worker", "hub-web", "hub-relay"]
