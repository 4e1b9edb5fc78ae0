"""R8: malformed messages of every kind are parked with a reason, and the worker never falls over.

At least 500 invalid deliveries per command type (hypothesis; `HUB_CHAOS_FUZZ_EXAMPLES` raises it
for a nightly run), plus one 10 MB body per type, go straight to the hub's queues of a running
worker process, interleaved with valid commands that must still be processed. Every invalid one
must reach its consumer's parking queue within 5 s with x-error-type, a short PII-free
x-error-message and x-original-queue; the worker process and its consumers must stay the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest
from pydantic import BaseModel
from sqlalchemy import select

from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import inbox, work_orders
from hub.messaging.topology import Topology, message_type
from schemas.v1 import SendSms, VerifyCheckIn
from tests import factories
from tests.chaos.harness import WorkerProcess, is_work_queue, list_queues, wait_for
from tests.chaos.invalid_messages import COMMANDS, Probe, accepted, generate, huge_probe
from tests.chaos.oracles import PHONE, count_rows
from tests.chaos.raw_amqp import RawMessage, publish_without_message_id
from tests.fakes.standin_oracles import SmsRecords, Standins

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

EXAMPLES = int(os.environ.get("HUB_CHAOS_FUZZ_EXAMPLES", "500"))
VALID_PER_TYPE = 20
PER_ROUND = 50
SEED = 8080
LATENCY_BUDGET_S = 5.0
MAX_ERROR_BYTES = 1024


@dataclass
class Sent:
    chaos_id: str
    queue: str
    probe: Probe | None  # None: a valid command
    message_id: str | None
    effect_key: str = ""  # valid only: inbox message id, or the SMS id
    at: float = 0.0


@dataclass
class Parked:
    """What the test's consumer of the parking queues saw, per x-chaos-id."""

    copies: dict[str, list[tuple[float, str, dict[str, Any]]]] = field(default_factory=dict)

    async def on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        headers = dict(message.headers or {})
        key = str(headers.get("x-chaos-id"))
        self.copies.setdefault(key, []).append(
            (time.monotonic(), message.routing_key or "", headers)
        )


def _message(
    body: bytes,
    *,
    chaos_id: str,
    message_id: str | None,
    content_type: str | None,
    model: type[BaseModel] | None = None,
) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        message_id=message_id,
        content_type=content_type,
        type=message_type(model) if model else None,
        headers={"x-chaos-id": chaos_id},
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


async def _publish(
    channel: aio_pika.abc.AbstractChannel,
    amqp_url: str,
    batch: list[Sent],
    bodies: dict[str, tuple[bytes, str | None, type[BaseModel] | None]],
) -> None:
    """Publish a round; deliveries without a message id go through the raw publisher."""

    async def one(sent: Sent) -> None:
        body, content_type, model = bodies[sent.chaos_id]
        sent.at = time.monotonic()
        await channel.default_exchange.publish(
            _message(
                body,
                chaos_id=sent.chaos_id,
                message_id=sent.message_id,
                content_type=content_type,
                model=model,
            ),
            routing_key=sent.queue,
            mandatory=True,
        )

    raw = [s for s in batch if s.message_id is None]
    for sent in raw:
        sent.at = time.monotonic()
    await asyncio.gather(
        *(one(s) for s in batch if s.message_id is not None),
        publish_without_message_id(
            amqp_url,
            [
                RawMessage(
                    s.queue,
                    bodies[s.chaos_id][0],
                    bodies[s.chaos_id][1],
                    {"x-chaos-id": s.chaos_id},
                )
                for s in raw
            ],
        ),
    )


async def _command(
    channel: aio_pika.abc.AbstractChannel, queue: str, cmd: BaseModel, message_id: str
) -> None:
    await channel.default_exchange.publish(
        _message(
            cmd.model_dump_json().encode(),
            chaos_id=f"setup:{message_id}",
            message_id=message_id,
            content_type="application/json",
            model=type(cmd),
        ),
        routing_key=queue,
        mandatory=True,
    )


async def _prepare_orders(
    channel: aio_pika.abc.AbstractChannel, topology: Topology, db: Database
) -> dict[str, list[str]]:
    """Orders waiting in each state, so every valid lifecycle command has one to apply to."""
    pools = {
        p: [f"R8-{p}-{i:03d}" for i in range(VALID_PER_TYPE)]
        for p in ("created", "dispatched", "checked_in", "completed")
    }
    everyone = [o for ids in pools.values() for o in ids]
    steps: list[tuple[str, Callable[[str], BaseModel], list[str], str]] = [
        ("workorder.create", factories.create_order, everyone, "created"),
        ("workorder.dispatch", factories.dispatch, everyone[VALID_PER_TYPE:], "dispatched"),
        ("workorder.check_in", factories.check_in, everyone[2 * VALID_PER_TYPE :], "checked_in"),
        ("workorder.complete", factories.complete, everyone[3 * VALID_PER_TYPE :], "completed"),
    ]
    for consumer, make, ids, status in steps:
        await asyncio.gather(
            *(
                _command(channel, topology.queue_name(consumer), make(o), f"setup-{consumer}-{o}")
                for o in ids
            )
        )

        async def reached(ids: list[str] = ids, status: str = status) -> bool:
            return await count_rows(
                db, work_orders, work_orders.c.order_id.in_(ids), work_orders.c.status == status
            ) == len(ids)

        await wait_for(reached, timeout=30, what=f"{len(ids)} orders {status}")
    return pools


def _valid_commands(pools: dict[str, list[str]]) -> dict[str, list[BaseModel]]:
    n = range(VALID_PER_TYPE)
    return {
        "workorder.create": [factories.create_order(f"R8-new-{i:03d}") for i in n],
        "workorder.dispatch": [factories.dispatch(o) for o in pools["created"]],
        "workorder.check_in": [factories.check_in(o) for o in pools["dispatched"]],
        "workorder.complete": [factories.complete(o) for o in pools["checked_in"]],
        "workorder.archive": [factories.archive(o) for o in pools["completed"]],
        "workorder.verify_check_in": [VerifyCheckIn(order_id=o) for o in pools["created"]],
        "sms.send": [
            SendSms(
                sms_id=f"r8-valid-sms-{i:03d}",
                to="+8613800138000",
                body="测试短信",
                purpose="chaos_fuzz",
            )
            for i in n
        ],
    }


def _generate_all() -> dict[str, list[Probe]]:
    probes = {}
    for i, consumer in enumerate(COMMANDS):
        probes[consumer] = generate(consumer, EXAMPLES, seed_value=SEED + 100 * i)
        big = huge_probe(consumer)
        assert not accepted(consumer, big)
        probes[consumer].append(big)
    return probes


async def _watch_consumers(
    vhost: str, prefix: str, seen: dict[str, set[int]], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        for name, (_, _, consumers) in (await list_queues(vhost, prefix)).items():
            if is_work_queue(prefix, name):
                seen.setdefault(name, set()).add(consumers)
        await asyncio.sleep(2.0)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_invalid_messages_are_parked_with_reasons_while_the_worker_keeps_running(
    settings: Settings,
    vhost: str,
    db: Database,
    standins: Standins,
    make_worker: Callable[..., WorkerProcess],
) -> None:
    generating = asyncio.create_task(asyncio.to_thread(_generate_all))
    # Every valid text goes to one number: the chaos settings lift the per-phone daily limit.
    worker = make_worker()
    await worker.start()
    pid = worker.pid
    topology = Topology(prefix=settings.queue_prefix, delivery_limit=settings.delivery_limit)
    prefix = settings.queue_prefix
    connection = await aio_pika.connect(settings.amqp_url, timeout=10)
    parked = Parked()
    consumers_seen: dict[str, set[int]] = {}
    stop_watch = asyncio.Event()
    async with connection:
        channel = await connection.channel()
        pools = await _prepare_orders(channel, topology, db)
        valid = _valid_commands(pools)
        probes = await generating
        listen = await connection.channel()
        await listen.set_qos(prefetch_count=500)
        for consumer in COMMANDS:
            queue = await listen.get_queue(topology.parking_queue(consumer).name, ensure=False)
            await queue.consume(parked.on_message, no_ack=True)

        async def one_consumer_each() -> bool:
            listing = await list_queues(vhost, prefix)
            counts = [q[2] for n, q in listing.items() if is_work_queue(prefix, n)]
            return len(counts) >= len(COMMANDS) and set(counts) == {1}

        await wait_for(one_consumer_each, timeout=20, interval=1.0, what="1 consumer per queue")
        watcher = asyncio.create_task(_watch_consumers(vhost, prefix, consumers_seen, stop_watch))

        rng = random.Random(SEED)
        sent: list[Sent] = []
        bodies: dict[str, tuple[bytes, str | None, type[BaseModel] | None]] = {}
        started = time.monotonic()
        # Enough rounds for every probe and every valid command (2 valid per type per round).
        rounds = max(max(len(p) for p in probes.values()) // PER_ROUND + 1, VALID_PER_TYPE // 2)
        for r in range(rounds):
            batch: list[Sent] = []
            for consumer, model in COMMANDS.items():
                queue = topology.queue_name(consumer)
                for j, probe in enumerate(probes[consumer][r * PER_ROUND : (r + 1) * PER_ROUND]):
                    cid = f"bad:{consumer}:{r}:{j}"
                    bodies[cid] = (probe.body, probe.content_type, None)
                    mid = f"fuzz-{consumer}-{r}-{j}" if probe.has_message_id else None
                    batch.append(Sent(cid, queue, probe, mid))
                for k, cmd in enumerate(valid[consumer][r * 2 : (r + 1) * 2]):
                    cid = f"ok:{consumer}:{r}:{k}"
                    bodies[cid] = (cmd.model_dump_json().encode(), "application/json", model)
                    mid = f"valid-{consumer}-{r}-{k}"
                    key = cmd.sms_id if isinstance(cmd, SendSms) else mid
                    batch.append(Sent(cid, queue, None, mid, effect_key=key))
            rng.shuffle(batch)
            await _publish(channel, settings.amqp_url, batch, bodies)
            sent += batch
            wanted = {s.chaos_id for s in batch if s.probe is not None}

            async def round_parked(wanted: set[str] = wanted) -> bool:
                return wanted <= parked.copies.keys()

            with contextlib.suppress(AssertionError):  # lateness is judged per message below
                await wait_for(round_parked, timeout=LATENCY_BUDGET_S + 1, interval=0.05)
        fuzz_s = time.monotonic() - started
        leftover = [
            s.chaos_id for s in sent if s.probe is not None and s.chaos_id not in parked.copies
        ]
        if leftover:
            await asyncio.sleep(LATENCY_BUDGET_S)
        stop_watch.set()
        await watcher

        async def valid_done() -> bool:
            return await _valid_processed(db, standins.sms, sent) == sum(
                len(v) for v in valid.values()
            )

        with contextlib.suppress(AssertionError):  # reported below
            await wait_for(valid_done, timeout=30)
    alive, same_pid = worker.alive, worker.pid == pid
    await worker.terminate()

    invalid = [s for s in sent if s.probe is not None]
    problems = _judge(invalid, parked)
    valid_ok = await _valid_processed(db, standins.sms, sent)
    valid_total = sum(1 for s in sent if s.probe is None)
    parked_valid = [s.chaos_id for s in sent if s.probe is None and s.chaos_id in parked.copies]
    strays = [k for k in parked.copies if not k.startswith(("bad:", "ok:"))]
    latencies = sorted(
        parked.copies[s.chaos_id][0][0] - s.at for s in invalid if s.chaos_id in parked.copies
    )
    error_types = Counter(
        str(parked.copies[s.chaos_id][0][2].get("x-error-type"))
        for s in invalid
        if s.chaos_id in parked.copies
    )
    orders = await count_rows(db, work_orders)
    sms = await standins.sms.kept()
    consumer_counts = sorted({c for seen in consumers_seen.values() for c in seen})
    summary = (
        f"R8: {len(invalid)} invalid ({len(invalid) // len(COMMANDS)}/type, "
        f"{len({s.probe for s in invalid})} distinct; kinds "
        f"{dict(Counter(s.probe.kind for s in invalid if s.probe))}) + {valid_total} valid in "
        f"{fuzz_s:.0f}s; parked {sum(1 for s in invalid if s.chaos_id in parked.copies)}/"
        f"{len(invalid)}, latency max {latencies[-1] if latencies else -1:.2f}s p99 "
        f"{latencies[int(len(latencies) * 0.99)] if latencies else -1:.2f}s; error types "
        f"{dict(error_types)}; valid processed {valid_ok}/{valid_total}, valid parked "
        f"{len(parked_valid)}; worker pid {pid} alive={alive} same={same_pid} starts="
        f"{len(worker.pids)}; consumers seen {consumer_counts} on {len(consumers_seen)} queues; "
        f"orders {orders} sms {sms}; problems {len(problems)}"
    )
    print(summary)
    for problem in problems[:20]:
        print("  ", problem)
    assert alive and same_pid and len(worker.pids) == 1, summary
    assert consumer_counts == [1] and len(consumers_seen) >= len(COMMANDS), summary
    assert not problems, summary + "\n" + "\n".join(problems[:20])
    assert not parked_valid and not strays, summary
    assert valid_ok == valid_total, summary
    # 80 pool orders + 20 created by valid commands; 20 valid SMS + 80 dispatch notices.
    assert orders == 5 * VALID_PER_TYPE and sms == 5 * VALID_PER_TYPE, summary


def _judge(invalid: list[Sent], parked: Parked) -> list[str]:
    """Every invalid delivery parked once, in time, with useful and PII-free headers."""
    problems = []
    for s in invalid:
        assert s.probe is not None
        copies = parked.copies.get(s.chaos_id)
        what = f"{s.chaos_id} ({s.probe.kind})"
        if not copies:
            problems.append(f"{what}: never parked")
            continue
        if len(copies) > 1:
            problems.append(f"{what}: parked {len(copies)} times")
        at, _, headers = copies[0]
        if at - s.at > LATENCY_BUDGET_S:
            problems.append(f"{what}: parked after {at - s.at:.1f}s")
        message = str(headers.get("x-error-message", ""))
        if not headers.get("x-error-type") or not message:
            problems.append(f"{what}: no x-error-type/x-error-message: {headers}")
        if len(message.encode()) > MAX_ERROR_BYTES:
            problems.append(f"{what}: x-error-message is {len(message.encode())} bytes")
        if headers.get("x-original-queue") != s.queue:
            problems.append(f"{what}: x-original-queue {headers.get('x-original-queue')}")
        leaked = [p for p in s.probe.phones() if p in message] + PHONE.findall(message)
        if leaked:
            problems.append(f"{what}: phone number in x-error-message: {message!r}")
    return problems


async def _valid_processed(db: Database, sms: SmsRecords, sent: list[Sent]) -> int:
    """Valid commands with an effect: an inbox row for work-order commands, a sent SMS."""
    valid = [s for s in sent if s.probe is None]
    async with db.read() as conn:
        claimed = set((await conn.execute(select(inbox.c.message_id))).scalars())
    texts = set(await sms.sms_ids())
    return sum(
        1 for s in valid if s.effect_key in (texts if s.queue.endswith(".sms.send") else claimed)
    )
