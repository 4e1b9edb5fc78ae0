"""The `hub` console script, run as a real subprocess against the test's RabbitMQ vhost and DB."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy import select

from hub.bootstrap import Hub, bootstrap
from hub.bootstrap.web import web_services
from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import work_orders
from hub.db.timers import TimerStatus
from hub.db.uow import UnitOfWorkFactory
from hub.identity.errors import Unauthenticated
from hub.identity.tokens import token_hash
from hub.messaging.declare import ALL_CONSUMERS
from hub.messaging.topology import ROUTES, Topology, message_type
from schemas.v1 import CreateWorkOrder, VerifyCheckIn
from tests import factories, services
from tests.helpers import eventually

pytestmark = pytest.mark.integration

HUB = str(Path(sys.executable).with_name("hub"))


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


def hub_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The test's settings as the HUB_* variables a separate process reads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_AMQP_URL=settings.amqp_url,
        HUB_DATABASE_URL=settings.resolved_database_url,
        HUB_QUEUE_PREFIX=settings.queue_prefix,
        HUB_DATA_DIR=str(settings.data_dir),
        HUB_RETRY_DELAYS_MS=json.dumps(settings.retry_delays_ms),
        HUB_TRANSIENT_ATTEMPTS=str(settings.transient_attempts),
        HUB_RELAY_POLL_INTERVAL_S=str(settings.relay_poll_interval_s),
        HUB_TIMER_POLL_INTERVAL_S=str(settings.timer_poll_interval_s),
        HUB_GRACEFUL_TIMEOUT_S=str(settings.graceful_timeout_s),
        HUB_HTTP_TIMEOUT_S=str(settings.http_timeout_s),
        COLUMNS="200",
        NO_COLOR="1",
    )
    env.update(extra)
    return env


async def hub_cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> Ran:
    proc = await asyncio.create_subprocess_exec(
        HUB,
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return Ran(proc.returncode or 0, out.decode(), err.decode())


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    return hub_env(settings)


async def test_demo_delivers_every_order_signed_on_site_or_by_link_and_prints_one_json_object(
    settings: Settings, env: dict[str, str]
) -> None:
    ran = await hub_cli(
        "demo",
        "--orders",
        "30",
        *("--bad-fiber-rate", "0", "--bad-box-rate", "0", "--exception-rate", "0"),
        *("--on-site-rate", "0.4", "--never-sign-rate", "0.2"),
        "--json",
        "--timeout",
        "150",
        env=env,
        cwd=settings.data_dir,
        timeout=200,
    )
    assert ran.code == 0, ran.stderr[-3000:]
    lines = ran.stdout.strip().splitlines()
    assert len(lines) == 1, ran.stdout
    report = json.loads(lines[0])
    delivery = report["delivery"]
    signed = delivery["signed_on_site"] + delivery["signed_remote"]
    waiting = delivery["awaiting_signature"]
    assert report["orders"] == 30
    assert delivery["signed_on_site"] > 0 and delivery["signed_remote"] > 0 and waiting > 0
    assert report["archived"] == signed == 30 - waiting
    assert report["final_states"] == {"archived": signed, "checked_in": waiting}
    assert report["lost"] == 0
    assert delivery["billed_orders"] == signed  # 起租 for every signed order
    assert delivery["billed_twice"] == delivery["billed_unsigned"] == 0
    assert delivery["reports_rendered"] >= 30
    assert report["duplicated_sms"] == 0
    # a dispatch notice per order, a link per remote order, one code per customer who signed
    # (on site too: the customer confirms with a code texted to their phone)
    assert report["sms_sent"] == 30 + (delivery["signed_remote"] + waiting) + signed
    assert report["signing_failures"] == []
    kept = report["punctuality"]  # 履约率 of the month: every order's visit fell due
    assert kept["due"] == 30 == kept["on_time"] + kept["late"] + kept["missed"]
    assert kept["rate"] == round(kept["on_time"] / 30, 4)
    assert report["ok"] is True
    assert report["p50_step_latency_ms"] <= report["p99_step_latency_ms"]


async def test_a_demo_runs_on_queues_of_its_own_and_deletes_them(
    settings: Settings, env: dict[str, str], vhost: str
) -> None:
    """Beside a running hub (`hub.`) a demo must not consume its messages, nor leave queues."""
    own = {k: v for k, v in env.items() if k != "HUB_QUEUE_PREFIX"}
    before = services.queue_names(vhost, "demo")
    ran = await hub_cli(
        "demo", "--orders", "3", "--no-sign", "--json", env=own, cwd=settings.data_dir
    )
    assert ran.code == 0, ran.stderr[-3000:]
    assert json.loads(ran.stdout)["archived"] == 3
    assert services.queue_names(vhost, "demo") == before == []
    assert services.queue_names(vhost, "hub.") == [], "the default hub's queues were not used"


async def test_a_bad_setting_exits_2_naming_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_AMQP_URL="nonsense", HUB_DATA_DIR=str(tmp_path))
    ran = await hub_cli("worker", env=env, cwd=tmp_path)
    assert ran.code == 2
    assert "HUB_AMQP_URL" in ran.stderr
    assert "Traceback" not in ran.stderr


async def test_dlq_lists_replays_and_purges_a_parked_message(
    hub: Hub, settings: Settings, env: dict[str, str]
) -> None:
    await hub.broker.publish(
        b'{"order_id": 5}',
        exchange=hub.topology.bus,
        routing_key=hub.topology.route(CreateWorkOrder),
        message_id="bad-create-1",
        content_type="application/json",
        message_type=message_type(CreateWorkOrder),
        persist=True,
    )
    queue = hub.topology.queue_name("workorder.create")

    async def parked() -> dict[str, object]:
        ran = await hub_cli(
            "dlq", "list", "-c", "workorder.create", "--json", env=env, cwd=settings.data_dir
        )
        assert ran.code == 0, ran.stderr
        entry: dict[str, object] = json.loads(ran.stdout)["workorder.create"]
        return entry

    async def one_parked() -> bool:
        return (await parked())["depth"] == 1

    await eventually(one_parked, timeout=30, interval=0.5)
    entry = await parked()
    assert entry["messages"] == [
        {
            "message_id": "bad-create-1",
            "error_type": "ValidationError",
            "error_message": entry["messages"][0]["error_message"],  # type: ignore[index]
            "original_queue": queue,
            "parked_at": entry["messages"][0]["parked_at"],  # type: ignore[index]
            "death_reason": None,
            "death_count": None,
        }
    ]
    listed = await hub_cli("dlq", "list", env=env, cwd=settings.data_dir)
    assert "ValidationError" in listed.stdout
    assert queue in listed.stdout
    assert await one_parked(), "peeking must not remove the message"

    replayed = await hub_cli(
        "dlq", "replay", "-c", "workorder.create", env=env, cwd=settings.data_dir
    )
    assert replayed.code == 0, replayed.stderr
    assert "replayed 1 message(s)" in replayed.stdout

    async def parked_twice() -> bool:
        value = hub.metrics.registry.get_sample_value(
            "hub_messages_parked_total",
            {"consumer": "workorder.create", "error_type": "ValidationError"},
        )
        return value == 2

    await eventually(parked_twice, timeout=30)
    await eventually(one_parked, timeout=30, interval=0.5)  # parked again: nothing lost

    refused = await hub_cli(
        "dlq", "purge", "-c", "workorder.create", env=env, cwd=settings.data_dir
    )
    assert refused.code != 0
    assert await one_parked()
    purged = await hub_cli(
        "dlq", "purge", "-c", "workorder.create", "--yes", env=env, cwd=settings.data_dir
    )
    assert purged.code == 0, purged.stderr
    assert "purged 1 message(s)" in purged.stdout
    assert (await parked())["depth"] == 0


async def test_replay_returns_a_broker_dead_lettered_message_to_its_queue(
    hub: Hub, settings: Settings, env: dict[str, str]
) -> None:
    queue = hub.topology.queue_name("workorder.create")
    death = {
        "count": 5,
        "reason": "delivery_limit",
        "queue": queue,
        "exchange": hub.topology.bus.name,
        "routing-keys": ["cmd.workorder.create"],
    }
    await hub.broker.publish(  # as the broker's DLX leaves it after the delivery limit
        factories.create_order("WO-DEAD-1").model_dump_json().encode(),
        routing_key=hub.topology.parking_queue("workorder.create").name,
        headers={"x-death": [death], "x-delivery-count": 5},
        message_id="dead-create-1",
        content_type="application/json",
        message_type=message_type(CreateWorkOrder),
        persist=True,
    )
    listed = await hub_cli(
        "dlq", "list", "-c", "workorder.create", "--json", env=env, cwd=settings.data_dir
    )
    (message,) = json.loads(listed.stdout)["workorder.create"]["messages"]
    assert message["death_reason"] == "delivery_limit"
    assert message["death_count"] == 5
    assert message["original_queue"] == queue
    assert (
        "dead-lettered: delivery_limit x5"
        in (await hub_cli("dlq", "list", env=env, cwd=settings.data_dir)).stdout
    )

    replayed = await hub_cli("dlq", "replay", env=env, cwd=settings.data_dir)
    assert "replayed 1 message(s)" in replayed.stdout, replayed.stderr

    async def created() -> bool:
        async with hub.uow() as uow:
            return await uow.orders.find("WO-DEAD-1") is not None

    await eventually(created, timeout=30)


async def test_timers_are_listed_moved_and_cancelled(
    settings: Settings, env: dict[str, str]
) -> None:
    db = Database(settings.resolved_database_url)
    uow = UnitOfWorkFactory(db, exchange=Topology(prefix=settings.queue_prefix).bus.name)
    try:
        async with uow() as tx:
            timer_id = await tx.timers.schedule(
                kind="check_in_deadline",
                order_id="WO-TIMER-1",
                due_at=datetime.now(UTC) + timedelta(days=1),
                message=VerifyCheckIn(order_id="WO-TIMER-1"),
            )
            await tx.commit()

        async def cli(*args: str) -> Ran:
            return await hub_cli("timers", *args, env=env, cwd=settings.data_dir)

        listed = await cli("list")
        assert listed.code == 0, listed.stderr
        assert timer_id in listed.stdout
        assert "WO-TIMER-1" in listed.stdout
        rows = [json.loads(line) for line in (await cli("list", "--json")).stdout.splitlines()]
        assert [r["id"] for r in rows] == [timer_id]

        before = datetime.now(UTC)
        moved = await cli("move", timer_id, "--in", "1h")
        assert moved.code == 0, moved.stderr
        async with uow() as tx:
            timer = await tx.timers.get(timer_id)
        assert timedelta(minutes=59) < timer.due_at - before < timedelta(minutes=61)

        cancelled = await cli("cancel", timer_id)
        assert cancelled.code == 0, cancelled.stderr
        async with uow() as tx:
            assert (await tx.timers.get(timer_id)).status is TimerStatus.CANCELLED
        pending = await cli("list", "--status", "pending", "--json")
        assert pending.stdout.strip() == ""

        again = await cli("move", timer_id, "--in", "10m")
        assert again.code == 1
        assert f"cannot move timer {timer_id}: it is cancelled" in again.stderr

        unknown = await cli("cancel", "no-such-timer")
        assert unknown.code == 1
        assert "timer no-such-timer does not exist" in unknown.stderr
    finally:
        await db.dispose()


async def test_worker_processes_a_command_and_stops_on_sigterm(
    settings: Settings, env: dict[str, str]
) -> None:
    proc = await asyncio.create_subprocess_exec(
        HUB,
        "worker",
        env=env,
        cwd=settings.data_dir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    db = Database(settings.resolved_database_url)
    broker = RabbitBroker(settings.amqp_url, logger=None)
    try:
        assert proc.stdout is not None
        ready = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert ready.decode().startswith(
            f"worker ready prefix={settings.queue_prefix} pid={proc.pid}"
        )
        await broker.connect()
        order = factories.create_order("WO-WORKER-1")
        topology = Topology(prefix=settings.queue_prefix)
        await broker.publish(
            order.model_dump_json().encode(),
            exchange=topology.bus,
            routing_key=topology.route(CreateWorkOrder),
            message_id="worker-create-1",
            content_type="application/json",
            message_type=message_type(CreateWorkOrder),
            persist=True,
        )

        async def created() -> bool:
            async with db.read() as conn:
                status = await conn.scalar(
                    select(work_orders.c.status).where(work_orders.c.order_id == "WO-WORKER-1")
                )
            return status == "created"

        await eventually(created, timeout=30)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 15)
        assert code == 0
        assert proc.stderr is not None
        assert "hub stopped" in (await proc.stderr.read()).decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await broker.stop()
        await db.dispose()


async def test_docs_lists_every_consumer_queue_and_routing_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    ran = await hub_cli(
        "docs", "--out", str(tmp_path / "docs" / "asyncapi.json"), env=env, cwd=tmp_path
    )
    assert ran.code == 0, ran.stderr
    document = json.loads((tmp_path / "docs" / "asyncapi.json").read_text())
    assert document["asyncapi"].startswith("3.")
    channels = document["channels"].values()
    queues = {
        c["bindings"]["amqp"]["queue"]["name"]
        for c in channels
        if c["bindings"]["amqp"]["is"] == "queue"
    }
    addresses = {c["address"] for c in channels}
    assert queues >= {f"hub.{consumer}" for consumer in ALL_CONSUMERS}
    assert addresses >= set(ROUTES.values())
    openapi = json.loads((tmp_path / "docs" / "openapi.json").read_text())
    assert "/metrics" in openapi["paths"]


@pytest.mark.parametrize("command", ["web", "worker", "up"])
async def test_a_clean_sigint_stop_exits_0(
    command: str, settings: Settings, env: dict[str, str], unused_tcp_port: int
) -> None:
    """Ctrl-C on a running process is a clean stop, not a crash: exit status 0 for all three."""
    args = [command] if command == "worker" else [command, "--port", str(unused_tcp_port)]
    proc = await asyncio.create_subprocess_exec(
        HUB,
        *args,
        env=env,
        cwd=settings.data_dir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        ready = ("worker ready", "web listening", "Delivery hub is up")
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
            assert line, "the process ended before it was ready"
            if line.startswith(ready):
                break
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 30)
        assert proc.stderr is not None
        assert code == 0, (await proc.stderr.read()).decode()[-2000:]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_users_are_added_listed_and_revoked_and_the_token_signs_in(
    settings: Settings, env: dict[str, str]
) -> None:
    added = await hub_cli(
        "users",
        "add",
        "wang.fang",
        "--role",
        "technician",
        "--technician-id",
        "T007",
        env=env,
        cwd=settings.data_dir,
    )
    token = added.stdout.strip()
    assert added.code == 0, added.stderr
    assert token.startswith("hub_") and "not stored" in added.stderr
    twice = await hub_cli(
        "users", "add", "wang.fang", "--role", "ops", env=env, cwd=settings.data_dir
    )
    assert twice.code != 0 and "exists already" in twice.stderr + twice.stdout

    hub = bootstrap(settings, consumers=False)
    try:
        identity = await web_services(hub).authenticator.authenticate(f"Bearer {token}")
        assert identity.technician_id == "T007"
        listed = await hub_cli("users", "list", env=env, cwd=settings.data_dir)
        assert (
            "wang.fang" in listed.stdout and "T007" in listed.stdout and "active" in listed.stdout
        )
        assert token not in listed.stdout and token_hash(token) not in listed.stdout
        revoked = await hub_cli("users", "revoke", "wang.fang", env=env, cwd=settings.data_dir)
        assert revoked.code == 0
        with pytest.raises(Unauthenticated, match="token revoked"):
            await web_services(hub).authenticator.authenticate(f"Bearer {token}")
        assert "revoked" in (await hub_cli("users", "list", env=env, cwd=settings.data_dir)).stdout
    finally:
        await hub.aclose()


async def test_web_refuses_to_listen_beyond_loopback_without_an_identity_provider(
    settings: Settings, env: dict[str, str]
) -> None:
    ran = await hub_cli("web", "--host", "0.0.0.0", "--port", "0", env=env, cwd=settings.data_dir)
    assert ran.code != 0
    assert "HUB_OIDC_ISSUER" in ran.stderr and "HUB_AUTH_USER_STORE_ON_NETWORK" in ran.stderr
