"""Issue 4's reliability test: 500 delivery reports signed while the worker is killed twice.

Every signed order must be billed exactly once (起租, counted in the billing stand-in's own
records), and no order whose customer never signed may be billed at all.

    this process   the simulated field (AMQP) and customers (HTTP), and the hub's web app
                   (uvicorn, no consumers: what it decides goes through the outbox)
    worker         `python -m hub worker`: consumers, the outbox relay of both, timers;
                   `kill -9` at ~25 % and ~75 % of the signed orders billed, restarted at once

Half the reports are signed on the technician's phone, the rest by SMS link (open, ask for a code,
read it on the phone through the local SMS platform's API, type it, sign); one in ten customers
never signs. On PostgreSQL:
two processes writing at once is the scaled-out deployment, which runs on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from faststream.rabbit import RabbitBroker
from pydantic import AnyHttpUrl
from sqlalchemy import select

from adapters.sms.local_platform import LocalSmsPlatform
from adapters.standin_app import standin_app
from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import outbox, signatures, work_orders
from hub.messaging.topology import Topology
from simulation.customers import PlatformPhones
from simulation.delivery import SimulatedDelivery
from simulation.field import SimulatedField, customer_phone
from tests.chaos.harness import (
    REDELIVERED_LINE,
    STATS_INTERVAL_S,
    SUPPRESSED_LINE,
    WorkerProcess,
    file_logger,
    holds_deliveries,
    kill_at,
    outbox_pending,
    publish_creates,
    queues_drained,
    wait_for,
)
from tests.chaos.oracles import Oracle, repeated_ledger_keys, totals
from tests.fakes.standin_oracles import Standins, close_standins
from tests.helpers import callers
from tests.integration.signing_support import served

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

ORDERS = int(os.environ.get("HUB_CHAOS_SIGN_ORDERS", "500"))
SEED = 23
ON_SITE_RATE = 0.5
NEVER_SIGN_RATE = 0.1
KILL_AT = (0.25, 0.75)
RUN_BUDGET_S = 900.0
DRAIN_BUDGET_S = 90.0


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def settings(settings: Settings, unused_tcp_port: int) -> Settings:
    return settings.model_copy(
        update={
            "prefetch_count": 20,
            "public_base_url": AnyHttpUrl(f"http://127.0.0.1:{unused_tcp_port}"),
        }
    )


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Hub]:
    """The hub's web app in this process, on the public base URL's port; no consumers."""
    hub = bootstrap(settings, consumers=False)
    port = int(str(settings.public_base_url).rstrip("/").rsplit(":", 1)[1])
    try:
        async with served(hub, port, access_log=False):
            yield hub
    finally:
        await hub.reports.close()
        await close_standins(
            hub.work_order_system, hub.inventory, hub.billing, hub.sms_sender, hub.mailer
        )
        await hub.db.dispose()


@pytest.fixture
async def phones(standins: Standins) -> AsyncIterator[PlatformPhones]:
    """The customers' phones: the SMS platform's API over the worker's platform storage."""
    app = standin_app(sms=LocalSmsPlatform(standins.sms.storage))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://standins") as client:
        yield PlatformPhones(client, number_of=customer_phone)


async def test_signed_orders_are_billed_once_and_unsigned_never_with_the_worker_killed_twice(
    *,
    web: Hub,
    settings: Settings,
    vhost: str,
    db: Database,
    standins: Standins,
    phones: PlatformPhones,
    tmp_path: Path,
    make_worker: Callable[..., WorkerProcess],
) -> None:
    worker = make_worker(settings=settings)
    await worker.start()
    topology = Topology(prefix=settings.queue_prefix, delivery_limit=settings.delivery_limit)
    delivery = SimulatedDelivery(
        settings.public_url,
        phones,
        seed=SEED,
        on_site_rate=ON_SITE_RATE,
        never_sign_rate=NEVER_SIGN_RATE,
        auth=callers(web),  # each technician signs in with a token of their own
    )
    field = SimulatedField(topology, seed=SEED, run_id="rs", delivery=delivery)
    field_broker = RabbitBroker(settings.amqp_url, logger=file_logger(tmp_path / "field.log", "rs"))
    field.attach(field_broker)
    await field_broker.start()
    order_ids = [field.order(i).order_id for i in range(ORDERS)]
    never = {o for o in order_ids if delivery.way(o) == "never"}
    signers = [o for o in order_ids if o not in never]
    linked = [o for o in order_ids if delivery.way(o) != "on_site"]
    started = time.monotonic()

    async def billed() -> int:
        return await standins.billing.starts()

    try:
        await publish_creates(field, ORDERS)
        targets = [int(len(signers) * fraction) for fraction in KILL_AT]
        kills = await kill_at(
            worker,
            billed,
            targets,
            what="billed",
            timeout=RUN_BUDGET_S,
            busy=lambda: holds_deliveries(vhost, settings.queue_prefix),
        )

        async def all_delivered() -> bool:
            return (
                await billed() >= len(signers)
                and delivery.stats.never_signed >= len(never)
                and delivery.signing == 0
            ) or bool(delivery.stats.failures)

        await wait_for(all_delivered, timeout=RUN_BUDGET_S, what="every signed order billed")
        run_s = time.monotonic() - started
        drained_s, _ = await queues_drained(
            vhost,
            settings.queue_prefix,
            amqp_url=settings.amqp_url,
            timeout=DRAIN_BUDGET_S + STATS_INTERVAL_S,
        )

        async def outbox_empty() -> bool:
            return await outbox_pending(db) == 0

        await wait_for(outbox_empty, timeout=10, what="outbox drained")
    finally:
        await delivery.close()
        await field_broker.stop()
    await worker.terminate()

    oracles = await _delivery_oracles(db, standins, signers, never, linked)
    suppressed = worker.count(SUPPRESSED_LINE)
    redelivered = Counter(
        re.findall(REDELIVERED_LINE + r"\s+(?:\[[^\]]*\]\s+)?consumer=(\S+)", worker.log_text())
    )
    ledger_repeats = await repeated_ledger_keys(standins.support, standins.billing)
    stats = delivery.stats
    summary = (
        f"signing chaos {settings.resolved_database_url.split(':')[0]}: {ORDERS} orders in "
        f"{run_s:.0f}s; signed on site {stats.signed_on_site}, by link {stats.signed_remote}, "
        f"never {stats.never_signed}; {'; '.join(kills)}; {totals(oracles)}; redeliveries seen "
        f"by the hub: {sum(redelivered.values())} deliveries {dict(redelivered)}, "
        f"{suppressed} inbox-suppressed, "
        f"{len(ledger_repeats)} support/billing keys called "
        f"twice; queues drained {drained_s:.0f}s after the last order"
    )
    print(summary)
    for oracle in oracles:
        print("  ", oracle.line())
    assert not stats.failures, (
        f"{len(stats.failures)} customers could not sign: {stats.failures[:5]}"
    )
    assert len(kills) == 2 and len(set(worker.pids)) == 3, summary
    assert all(o.ok for o in oracles), summary + "\n" + "\n".join(o.line() for o in oracles)
    assert stats.signed_on_site > 0 and stats.signed_remote > 0 and never, summary
    assert redelivered, "the kills interrupted nothing: vacuous run\n" + summary


async def _delivery_oracles(
    db: Database, standins: Standins, signers: list[str], never: set[str], linked: list[str]
) -> list[Oracle]:
    """Per effect: what every signed order must have had once, and unsigned orders never."""
    async with db.read() as conn:
        signed = (
            await conn.execute(select(signatures.c.order_id).where(signatures.c.status == "signed"))
        ).scalars()
        orders = (
            await conn.execute(
                select(
                    work_orders.c.order_id, work_orders.c.status, work_orders.c.billing_reference
                )
            )
        ).all()
        signed_events = (
            await conn.execute(
                select(outbox.c.correlation_id).where(outbox.c.message_type == "ReportSigned.v1")
            )
        ).scalars()
    billed = await standins.billing.billed_orders()
    attached = await standins.support.attached_orders()
    texts = Counter(await standins.sms.sms_ids())
    link_orders = [sms_id.split(":")[1] for sms_id in texts if sms_id.startswith("signing-link:")]
    return [
        Oracle.compare("signed (signatures)", signers, list(signed)),
        Oracle.compare("ReportSigned events", signers, list(signed_events)),
        Oracle.compare("billing started (billing stand-in)", signers, billed),
        Oracle.compare(
            "billing reference on the order", signers, [o for o, _, ref in orders if ref]
        ),
        Oracle.compare("archived", signers, [o for o, s, _ in orders if s == "archived"]),
        Oracle.compare(
            "never signed, still on site", never, [o for o, s, _ in orders if s == "checked_in"]
        ),
        Oracle.compare("signed report attached (support)", signers, attached),
        Oracle.compare("link texted once per remote order", linked, link_orders),
        Oracle.compare(
            "texts sent once per sms id", texts, [k for k, n in texts.items() for _ in range(n)]
        ),
    ]
