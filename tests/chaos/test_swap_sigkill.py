"""`kill -9` of the worker in the middle of 500 fiber swaps.

500 dispatched orders on 20 cables (25 per cable) each ask over AMQP for a random free-looking
fiber of their cable, so some pick the same fiber (one wins) or a faulty one (refused). The
worker process is killed at ~40 % of swaps finished and restarted. Every swap must end applied
and reissued, or refused: never half done (inventory changed but no reissue, or the reverse);
each fiber is held by at most one live order; no swap, event or SMS happens twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from faststream.rabbit import RabbitBroker
from pydantic import AnyHttpUrl
from sqlalchemy import func, select

from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import resource_changes
from hub.messaging.topology import Topology, message_type
from schemas.v1 import SwapFiber
from tests.chaos.harness import WorkerProcess, outbox_pending, wait_for
from tests.chaos.swap_oracle import open_dispatched, swap_oracle
from tests.fakes.standin_oracles import Standins
from tests.inventory_standin import (
    drop_separate_database,
    line_seed,
    separate_database,
    serve_inventory,
)

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

SWAPS = int(os.environ.get("HUB_CHAOS_SWAP_KILL_SWAPS", "500"))
PER_CABLE, FIBERS = 25, 48
KILL_AT = 0.4
SEED = 9


def order_id(i: int) -> str:
    return f"WO-K-{i:04d}"


def tech_of(order: str) -> str:
    return f"T{order[-4:]}"


def swap_for(i: int, rng: random.Random) -> SwapFiber:
    """Order i holds fiber (i % 25) + 1; it asks for one of 26–48 (48 is faulty)."""
    cable = i // PER_CABLE + 1
    no = rng.randint(PER_CABLE + 1, FIBERS)
    return SwapFiber(
        change_id=f"kill-swap-{i:04d}",
        order_id=order_id(i),
        technician_id=tech_of(order_id(i)),
        fiber_id=f"C{cable:03d}-F{no:03d}",
        fiber_no=no,
    )


async def finished(db: Database) -> tuple[int, int]:
    """(finished, recorded but unfinished) swaps."""
    async with db.read() as conn:
        rows = dict(
            (
                await conn.execute(
                    select(resource_changes.c.finished_at.is_(None), func.count()).group_by(
                        resource_changes.c.finished_at.is_(None)
                    )
                )
            ).all()
        )
    return rows.get(False, 0), rows.get(True, 0)


@pytest.fixture
async def inventory_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    url = await separate_database(backend, tmp_path)
    yield url
    await drop_separate_database(url)


async def test_every_swap_ends_applied_and_reissued_or_refused_when_the_worker_is_killed(
    *,
    settings: Settings,
    db: Database,
    standins: Standins,
    inventory_url: str,
    backend: str,
    make_worker: Callable[..., WorkerProcess],
) -> None:
    orders = [order_id(i) for i in range(SWAPS)]
    rng = random.Random(SEED)
    swaps = [swap_for(i, rng) for i in range(SWAPS)]
    async with serve_inventory(
        inventory_url, line_seed(orders, per_cable=PER_CABLE, fibers=FIBERS)
    ) as stand_in:
        settings = settings.model_copy(
            update={"inventory_url": AnyHttpUrl(stand_in.url), "prefetch_count": 50}
        )
        await open_dispatched(db, standins.support, orders, tech_of=tech_of)
        worker = make_worker(settings=settings)
        await worker.start()
        topology = Topology(prefix=settings.queue_prefix)
        broker = RabbitBroker(settings.amqp_url, logger=None)
        await broker.connect()
        started = time.monotonic()
        try:
            for start in range(0, SWAPS, 50):
                await asyncio.gather(
                    *(_publish(broker, topology, s) for s in swaps[start : start + 50])
                )
        finally:
            await broker.stop()

        async def reached_kill_point() -> bool:
            return (await finished(db))[0] >= SWAPS * KILL_AT

        await wait_for(reached_kill_point, timeout=300, interval=0.05, what="kill point")
        await worker.kill9()
        done_at_kill, in_flight_at_kill = await finished(db)
        await asyncio.sleep(1.0)
        restart_s = await worker.start()

        async def all_finished() -> bool:
            done, unfinished = await finished(db)
            return done >= SWAPS and unfinished == 0

        await wait_for(all_finished, timeout=300, what=f"{SWAPS} swaps finished")
        run_s = time.monotonic() - started
        expected = {s.change_id: (s.order_id, s.fiber_id) for s in swaps}

        async def settled() -> bool:
            if await outbox_pending(db):
                return False
            report = await swap_oracle(db, stand_in.records, standins.sms, expected)
            return not report.problems and not report.unfinished

        await wait_for(settled, timeout=120, what="side effects settled")
        report = await swap_oracle(db, stand_in.records, standins.sms, expected)
        calls = await stand_in.records.calls("swap_fiber")
        await worker.terminate()

    replayed = len(calls) - len({key for _, key in calls})
    summary = (
        f"swap kill -9 {backend}: {SWAPS} swaps in {run_s:.0f}s; killed at {done_at_kill} "
        f"finished with {in_flight_at_kill} recorded but unfinished; ready again in "
        f"{restart_s:.1f}s; {replayed} inventory calls replayed by key; {report.line()}"
    )
    print(summary)
    assert len(set(worker.pids)) == 2, summary
    assert in_flight_at_kill > 0 or replayed > 0, "nothing was in flight: vacuous\n" + summary
    assert not report.unfinished and not report.problems, summary
    assert len(report.reissued) + len(report.refused) == SWAPS, summary
    assert report.reissued and report.refused, summary


async def _publish(broker: RabbitBroker, topology: Topology, cmd: SwapFiber) -> None:
    await broker.publish(
        cmd.model_dump_json().encode(),
        exchange=topology.bus,
        routing_key=topology.route(SwapFiber),
        message_id=f"field:{cmd.change_id}",
        content_type="application/json",
        message_type=message_type(SwapFiber),
        persist=True,
        mandatory=True,
    )
