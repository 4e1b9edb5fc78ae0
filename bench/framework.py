"""What FastStream adds to a delivery and to a publish, against raw aio-pika, in one run.

The hub consumes and publishes through FastStream (`hub.messaging.broker.make_broker`: the
hub's parser, failure middleware, FastStream's Prometheus middleware, structlog). This bench
measures the CPU of this process per unit for each way, rounds alternating (the machine's speed
drifts), on one broker in a vhost of its own:

    consume (a `SendSms` body, prefetch 32, a quorum queue filled beforehand, untimed):
      raw        aio-pika consumer: validate the body with the contract model, ack
      faststream a bare RabbitBroker subscriber taking the model (per-message log lines at
                 DEBUG, as the hub has them)
      hub        the hub's broker, its subscriber taking the model (ack policy REJECT_ON_ERROR)
    publish (persistent, publisher-confirmed, mandatory, 200 in flight as the relay's batch):
      raw        aio_pika Exchange.publish
      hub        the relay's publish function over the hub's declared publishers (`publish_via`)

    .venv/bin/python bench/framework.py [--messages 4000] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from faststream import AckPolicy
from faststream.rabbit import Channel, QueueType, RabbitBroker, RabbitQueue
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from throughput import private_vhost

from hub.config import load_settings
from hub.logging import configure
from hub.messaging.broker import make_broker
from hub.messaging.failures import FailurePolicy
from hub.messaging.publishers import declare_publishers, publish_via
from hub.messaging.relay import OutboxMessage
from hub.messaging.topology import Topology, message_type
from hub.metrics import Metrics
from schemas.v1 import SendSms

VHOST = "hub-bench-framework"
PREFETCH = 32  # the hub's default
PUBLISH_IN_FLIGHT = 200  # the relay's batch
TOPOLOGY = Topology(prefix="bench.fw.")
SMS_KEY = "cmd.sms.send"
BODY = SendSms(
    sms_id="sms-bench-framework-0001",
    to="+8613800138000",
    body="您的装机工单已派单，工程师将于 14:00–16:00 上门。",
    purpose="dispatch-notice",
    order_id="WO-BENCH-0001",
).model_dump_json()

Consume = Callable[[str, str, int], Awaitable[float]]


def hub_broker(url: str) -> RabbitBroker:
    metrics = Metrics()
    policy = FailurePolicy(TOPOLOGY, metrics=metrics, transient_attempts=3)
    return make_broker(
        (url,),
        policy=policy,
        metrics=metrics,
        prefetch_count=PREFETCH,
        graceful_timeout_s=5.0,
        attempt_timeout_s=10.0,
        heartbeat_s=30,
    )


def bare_broker(url: str) -> RabbitBroker:
    """No middleware, FastStream's own parser and logger; its per-message lines at DEBUG, as
    the hub sets them (at INFO each delivery logs two lines, about 100 µs)."""
    return RabbitBroker(
        url, default_channel=Channel(prefetch_count=PREFETCH), log_level=logging.DEBUG
    )


async def _fill(url: str, queue: str, count: int) -> None:
    """`count` messages in a fresh quorum queue (untimed)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.declare_queue(queue, durable=True, arguments={"x-queue-type": "quorum"})
        for start in range(0, count, PUBLISH_IN_FLIGHT):
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(
                        aio_pika.Message(BODY.encode(), message_id=uuid.uuid4().hex),
                        routing_key=queue,
                    )
                    for _ in range(min(PUBLISH_IN_FLIGHT, count - start))
                )
            )


async def _drop(url: str, queue: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)


async def consume_raw(url: str, queue: str, count: int) -> float:
    done, seen = asyncio.Event(), [0]
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        source = await channel.get_queue(queue)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            SendSms.model_validate_json(message.body)
            await message.ack()
            seen[0] += 1
            if seen[0] == count:
                done.set()

        cpu = time.process_time()
        await source.consume(on_message)
        await done.wait()
        return time.process_time() - cpu


def consume_with(make: Callable[[str], RabbitBroker]) -> Consume:
    async def consume(url: str, queue: str, count: int) -> float:
        broker, done, seen = make(url), asyncio.Event(), [0]

        @broker.subscriber(
            RabbitQueue(queue, durable=True, queue_type=QueueType.QUORUM),
            ack_policy=AckPolicy.REJECT_ON_ERROR,
        )
        async def on_message(body: SendSms) -> None:
            seen[0] += 1
            if seen[0] == count:
                done.set()

        cpu = time.process_time()
        await broker.start()
        try:
            await done.wait()
            return time.process_time() - cpu
        finally:
            await broker.stop()

    return consume


CONSUMERS: dict[str, Consume] = {
    "raw": consume_raw,
    "faststream": consume_with(bare_broker),
    "hub": consume_with(hub_broker),
}


async def _in_flight(count: int, one: Callable[[int], Awaitable[None]]) -> float:
    """CPU s of `one(i)` for i < count, PUBLISH_IN_FLIGHT at a time."""
    items = iter(range(count))

    async def lane() -> None:
        for i in items:
            await one(i)

    cpu = time.process_time()
    await asyncio.gather(*(lane() for _ in range(PUBLISH_IN_FLIGHT)))
    return time.process_time() - cpu


async def publish_both(url: str, count: int) -> dict[str, float]:
    """CPU s of `count` publishes each way, on one connection (the hub broker's)."""
    broker = hub_broker(url)
    publish = publish_via(declare_publishers(broker, TOPOLOGY))
    await broker.start()
    try:
        exchange = await broker.declare_exchange(TOPOLOGY.bus)
        sink = await broker.declare_queue(
            RabbitQueue("bench.fw.sink", durable=True, queue_type=QueueType.QUORUM)
        )
        await sink.bind(exchange, routing_key=SMS_KEY)
        kind = message_type(SendSms)

        async def via_hub(i: int) -> None:
            await publish(
                OutboxMessage(uuid.uuid4().hex, TOPOLOGY.bus.name, SMS_KEY, kind, BODY, "WO", 0)
            )

        async def via_aio_pika(i: int) -> None:
            await exchange.publish(
                aio_pika.Message(
                    BODY.encode(),
                    message_id=uuid.uuid4().hex,
                    correlation_id="WO",
                    content_type="application/json",
                    type=kind,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=SMS_KEY,
                mandatory=True,
            )

        result = {"hub": await _in_flight(count, via_hub)}
        result["raw"] = await _in_flight(count, via_aio_pika)
        await sink.purge()
        return result
    finally:
        await broker.stop()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    consume_us: dict[str, list[float]] = {name: [] for name in CONSUMERS}
    publish_us: dict[str, list[float]] = {"raw": [], "hub": []}
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    )
    with progress:
        task = progress.add_task("rounds", total=args.rounds)
        async with private_vhost(args.amqp_url, VHOST) as url:
            for round_no in range(args.rounds):
                names = list(CONSUMERS) if round_no % 2 == 0 else list(reversed(CONSUMERS))
                for name in names:
                    queue = f"bench.fw.{name}"
                    await _fill(url, queue, args.messages)
                    cpu = await CONSUMERS[name](url, queue, args.messages)
                    await _drop(url, queue)
                    consume_us[name].append(1e6 * cpu / args.messages)
                for name, cpu in (await publish_both(url, args.messages)).items():
                    publish_us[name].append(1e6 * cpu / args.messages)
                progress.advance(task)
    consume = {name: statistics.median(v) for name, v in consume_us.items()}
    publish = {name: statistics.median(v) for name, v in publish_us.items()}
    return {
        "messages": args.messages,
        "rounds": args.rounds,
        "load_1m_before": load_before,
        "consume_us": consume_us,
        "publish_us": publish_us,
        "consume_ratio_faststream": consume["faststream"] / consume["raw"],
        "consume_ratio_hub": consume["hub"] / consume["raw"],
        "publish_ratio_hub": publish["hub"] / publish["raw"],
    }


def show(result: dict[str, Any]) -> None:
    table = Table(title=f"µs of CPU each, this process ({result['rounds']} rounds, medians)")
    table.add_column("")
    table.add_column("raw aio-pika", justify="right")
    table.add_column("bare FastStream", justify="right")
    table.add_column("hub broker", justify="right")
    table.add_column("hub ÷ raw", justify="right")
    c, p = result["consume_us"], result["publish_us"]
    table.add_row(
        "delivery (validate, ack)",
        f"{statistics.median(c['raw']):.0f}",
        f"{statistics.median(c['faststream']):.0f}",
        f"{statistics.median(c['hub']):.0f}",
        f"{result['consume_ratio_hub']:.2f}",
    )
    table.add_row(
        "publish (persistent, confirmed)",
        f"{statistics.median(p['raw']):.0f}",
        "",
        f"{statistics.median(p['hub']):.0f}",
        f"{result['publish_ratio_hub']:.2f}",
    )
    Console().print(table)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4000, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--amqp-url", default=load_settings().amqp_url, help="the broker (no vhost)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    configure()  # as a hub process does: structlog drops FastStream's per-message debug lines
    arguments = parse_args(sys.argv[1:])
    outcome = asyncio.run(main(arguments))
    print(json.dumps(outcome, indent=2)) if arguments.json else show(outcome)
