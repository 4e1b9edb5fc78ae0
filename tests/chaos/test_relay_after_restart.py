"""After the broker restarts, a running hub publishes and consumes again by itself.

Seen in a review: a demo's relay logged `outbox publish failed … RobustChannel closed` every
minute after `rabbitmqctl stop_app` + `start_app`. Here a started hub lives through a restart;
then an order published to it must be consumed (it appears in the database) and its events
relayed (the outbox empties), within the 30 s R2 allows; one written while the broker was down
is relayed too.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from hub.bootstrap import Hub
from tests import factories
from tests.chaos.harness import broker_app_stopped, outbox_pending, wait_for
from tests.helpers import publish, run

pytestmark = [pytest.mark.chaos, pytest.mark.integration]
RECOVERY_S = 30.0


async def test_the_relay_and_the_consumers_work_again_after_a_broker_restart(
    hub: Hub, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the broker's behaviour does not depend on the database")

    async def drained() -> bool:
        return await outbox_pending(hub.db) == 0

    async def consumed() -> bool:
        async with hub.uow.read() as uow:
            return await uow.orders.find("WO-RESTART-3") is not None

    await run(hub, factories.create_order("WO-RESTART-1"))
    await wait_for(drained, timeout=20, what="outbox drained before the restart")
    with broker_app_stopped() as times:
        await run(hub, factories.create_order("WO-RESTART-2"))  # committed while it is down
    back = time.monotonic()
    await wait_for(drained, timeout=RECOVERY_S, what="the outbox written while down relayed")
    published = False
    while not published:  # the hub's own channel may still be reconnecting: as a client would
        try:
            await publish(hub, factories.create_order("WO-RESTART-3"), message_id="restart-3")
            published = True
        except Exception:
            if time.monotonic() - back > RECOVERY_S:
                raise
            await asyncio.sleep(0.5)
    await wait_for(consumed, timeout=RECOVERY_S, what="an order consumed after the restart")
    await wait_for(drained, timeout=RECOVERY_S, what="its events relayed")
    recovered = time.monotonic() - back
    print(f"broker down {times['downtime']:.1f}s; relay and consumers back in {recovered:.1f}s")
    assert recovered < RECOVERY_S
