"""A hub worker with one extra test consumer whose handler kills the process on the poison order.

Used by R7's crash variant: the hub never gets to park the poison itself, so only the broker's
`x-delivery-limit` and dead-letter exchange can stop the crash loop. Every delivery of the poison
is appended (and fsynced) to `CHAOS_POISON_LOG` before the process dies.

    CHAOS_POISON_ORDER=<order id> CHAOS_POISON_LOG=<file> python -m tests.chaos.poison_worker
"""

from __future__ import annotations

import asyncio
import json
import os

from faststream import AckPolicy
from faststream.rabbit import RabbitMessage

from hub.bootstrap import Hub, bootstrap
from hub.cli.signals import stop_on_signals
from hub.config import load_settings
from hub.handlers.work_orders import create_work_order
from hub.logging import configure_logging
from hub.runtime import Runtime
from schemas.v1 import CreateWorkOrder

POISON_CONSUMER = "chaos.poison"
CRASH_EXIT_CODE = 137


def add_poison_consumer(hub: Hub, *, poison_order: str, log_path: str) -> None:
    """Consume `<prefix>chaos.poison`: create orders, but die on the poison order."""
    queue = hub.topology.work_queue(POISON_CONSUMER, POISON_CONSUMER)

    @hub.broker.subscriber(queue, ack_policy=AckPolicy.REJECT_ON_ERROR)
    async def create_or_die(cmd: CreateWorkOrder, msg: RabbitMessage) -> None:
        if cmd.order_id == poison_order:
            record = {
                "x-delivery-count": (msg.headers or {}).get("x-delivery-count"),
                "redelivered": bool(getattr(msg.raw_message, "redelivered", False)),
                "pid": os.getpid(),
            }
            fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, (json.dumps(record) + "\n").encode())
            os.fsync(fd)
            os.close(fd)
            os._exit(CRASH_EXIT_CODE)
        await hub.processor.run(POISON_CONSUMER, msg.message_id, cmd, create_work_order)


async def main() -> None:
    settings = load_settings()
    configure_logging(settings)
    hub = bootstrap(settings)
    add_poison_consumer(
        hub, poison_order=os.environ["CHAOS_POISON_ORDER"], log_path=os.environ["CHAOS_POISON_LOG"]
    )
    stop = asyncio.Event()
    with stop_on_signals(stop):
        hub_runtime = Runtime(hub)
        await hub_runtime.start()
        print("worker ready", flush=True)
        await stop.wait()
        await hub_runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
