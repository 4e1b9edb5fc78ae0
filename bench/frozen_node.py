"""A frozen broker node: how long until the hub's broker consumes again on another node.

`kill -9` of a node closes its TCP connections and the hub moves on at once (R6,
`tests/chaos/test_cluster_failover.py`). A node that stops answering without closing them (a
paused VM, a machine cut off; here `SIGSTOP` of its Erlang VM) is only noticed by AMQP
heartbeats, and the other nodes only give up on it after Erlang's `net_ticktime`. This starts
the real 3-node cluster (`scripts/rabbit-cluster.sh`, its `net_ticktime` from `--net-ticktime`),
consumes a quorum queue with the hub's own broker class (`ClusterRabbitBroker`, the three
addresses, `?heartbeat=` from `--heartbeat`), publishes a numbered message every 0.2 s through
another node, freezes the consumer's node and prints how long until a message published after
the freeze is consumed:

    PYTHONPATH=. .venv/bin/python bench/frozen_node.py --heartbeat 10 [--net-ticktime 15]

The cluster is stopped at the end (the frozen node is let go first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import time

import aio_pika
from faststream.rabbit import QueueType, RabbitQueue

from hub.messaging.addresses import with_heartbeat
from hub.messaging.broker import ClusterRabbitBroker
from tests.chaos.cluster import RabbitCluster

PUBLISH_EVERY_S = 0.2


async def main(args: argparse.Namespace) -> None:
    if args.net_ticktime:
        os.environ["HUB_CLUSTER_NET_TICKTIME"] = str(args.net_ticktime)
    cluster = RabbitCluster()
    cluster.stop()  # a fresh cluster with this net_ticktime
    urls = tuple(with_heartbeat(url, args.heartbeat) for url in cluster.start())
    try:
        found = await _freeze_and_wait(cluster, urls, args.cap)
        print(f"heartbeat={args.heartbeat} s, net_ticktime={args.net_ticktime or 60} s: {found}")
    finally:
        cluster.stop()


async def _freeze_and_wait(cluster: RabbitCluster, urls: tuple[str, ...], cap: float) -> str:
    consumed: list[tuple[float, int]] = []
    broker = ClusterRabbitBroker(urls, timeout=5, log_level=logging.DEBUG)  # no line per message
    queue = RabbitQueue("bench-frozen-node", queue_type=QueueType.QUORUM, durable=True)

    @broker.subscriber(queue)
    async def take(body: int) -> None:
        consumed.append((time.monotonic(), body))

    await broker.start()
    node = cluster.node_of(os.getpid())
    assert node is not None, "the broker is not connected to a cluster node"
    other = next(n for n in (1, 2, 3) if n != node)
    sent = 0
    publisher = await aio_pika.connect(cluster.urls[other - 1])
    channel = await publisher.channel()

    async def publish_forever() -> None:
        nonlocal sent
        while True:
            sent += 1
            message = aio_pika.Message(str(sent).encode())
            # a publish to a queue whose leader is frozen times out: the next one is tried
            with contextlib.suppress(TimeoutError, aio_pika.exceptions.AMQPError):
                await asyncio.wait_for(channel.default_exchange.publish(message, queue.name), 2)
            await asyncio.sleep(PUBLISH_EVERY_S)

    feeding = asyncio.create_task(publish_forever())
    await asyncio.sleep(2)
    beam = int(cluster.script("pid", str(node)).strip())
    os.kill(beam, signal.SIGSTOP)
    frozen_at, last_before = time.monotonic(), sent
    try:
        while time.monotonic() - frozen_at < cap:
            after = [at for at, number in consumed if number > last_before]
            if after:
                return (
                    f"froze hubc{node}; consuming again on hubc{cluster.node_of(os.getpid())} "
                    f"after {after[0] - frozen_at:.1f} s"
                )
            await asyncio.sleep(0.1)
        return f"froze hubc{node}: not consuming again within {cap:.0f} s"
    finally:
        os.kill(beam, signal.SIGCONT)
        feeding.cancel()
        await asyncio.gather(feeding, return_exceptions=True)
        await publisher.close()
        await broker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heartbeat", type=int, default=10, help="seconds (?heartbeat=)")
    parser.add_argument("--net-ticktime", type=int, default=0, help="0: Erlang's default, 60")
    parser.add_argument("--cap", type=float, default=240.0, help="give up after this many s")
    asyncio.run(main(parser.parse_args()))
