"""What one hub delivery cannot cost less than: its raw layers, CPU per unit, in one run.

A hub delivery is at least one AMQP message in and out (consume, publish confirmed, ack) and
one database transaction (claim the message id in the inbox, change a row, add an outbox row).
This bench measures each layer alone, in this process, with the hub's concurrency (32 in
flight), and prints client CPU per unit:

    amqp:        `bench/throughput.py`'s raw 3-hop chain (persistent, confirmed, quorum queues);
                 per message = this process's CPU ÷ messages (it publishes and consumes each)
    asyncpg:     BEGIN; INSERT … ON CONFLICT DO NOTHING RETURNING; UPDATE; INSERT; COMMIT
    SQLAlchemy:  the same transaction through SQLAlchemy Core on its asyncpg dialect, as the hub
                 runs it (statements built once, bind parameters)

and, next to the hub's own CPU per message from `bench/throughput.py --processes 1`, what a
ceiling on the throughput ratio those layers leave: raw ÷ (raw + transaction), if CPU per
message were all that counted (PostgreSQL's and RabbitMQ's own CPU come on top).

    .venv/bin/python bench/floor.py --database-url postgresql+asyncpg://postgres@127.0.0.1/DB \
        [--transactions 6000] [--messages 6000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Column, Integer, MetaData, String, Text, bindparam, insert, text, update
from sqlalchemy import Table as SqlTable
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import create_async_engine
from throughput import private_vhost, run_raw

from hub.config import load_settings

IN_FLIGHT = 32  # the hub's prefetch per consumer
ROWS = 500  # distinct "orders" the transactions update
VHOST = "hub-bench-floor"

metadata = MetaData(schema="bench_floor")
inbox = SqlTable(
    "inbox",
    metadata,
    Column("consumer", String, primary_key=True),
    Column("message_id", String, primary_key=True),
)
orders = SqlTable(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)
outbox = SqlTable(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
)
BODY = "x" * 240  # about the hub's mean outbox body


async def _schema(url: str, *, create: bool) -> None:
    """The bench's own schema: dropped, then (if `create`) made from the tables above."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS bench_floor CASCADE"))
            if create:
                await conn.execute(text("CREATE SCHEMA bench_floor"))
                await conn.run_sync(metadata.create_all)
                await conn.execute(insert(orders), [{"id": i, "n": 0} for i in range(ROWS)])
    finally:
        await engine.dispose()


async def _timed(
    count: int, one: Callable[[int], Awaitable[None]], progress: Progress, label: str
) -> tuple[float, float]:
    """Run `one(i)` for i < count, IN_FLIGHT at a time; (wall s, this process's CPU s)."""
    task = progress.add_task(label, total=count)
    queue = iter(range(count))

    async def lane() -> None:
        for i in queue:
            await one(i)
            progress.advance(task)

    started, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(lane() for _ in range(IN_FLIGHT)))
    return time.monotonic() - started, time.process_time() - cpu


async def run_asyncpg(dsn: str, count: int, progress: Progress) -> tuple[float, float]:
    pool = await asyncpg.create_pool(dsn, min_size=IN_FLIGHT, max_size=IN_FLIGHT)
    run = uuid.uuid4().hex[:8]
    try:

        async def one(i: int) -> None:
            async with pool.acquire() as conn, conn.transaction():
                claimed = await conn.fetchval(
                    "INSERT INTO bench_floor.inbox VALUES ($1, $2) "
                    "ON CONFLICT DO NOTHING RETURNING message_id",
                    "floor",
                    f"{run}-{i}",
                )
                assert claimed
                await conn.execute(
                    "UPDATE bench_floor.orders SET n = n + 1 WHERE id = $1", i % ROWS
                )
                await conn.execute("INSERT INTO bench_floor.outbox (body) VALUES ($1)", BODY)

        return await _timed(count, one, progress, "asyncpg transactions")
    finally:
        await pool.close()


async def run_sqlalchemy(url: str, count: int, progress: Progress) -> tuple[float, float]:
    engine = create_async_engine(url, pool_size=IN_FLIGHT, max_overflow=0)
    run = uuid.uuid4().hex[:8]
    claim = (
        pg_insert(inbox)
        .values(consumer="floor", message_id=bindparam("message_id"))
        .on_conflict_do_nothing()
        .returning(inbox.c.message_id)
    )
    bump = update(orders).values(n=orders.c.n + 1).where(orders.c.id == bindparam("row"))
    add = insert(outbox).values(body=bindparam("body"))
    try:

        async def one(i: int) -> None:
            async with engine.begin() as conn:
                claimed = await conn.scalar(claim, {"message_id": f"{run}-{i}"})
                assert claimed
                await conn.execute(bump, {"row": i % ROWS})
                await conn.execute(add, {"body": BODY})

        return await _timed(count, one, progress, "SQLAlchemy Core transactions")
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    load_before = os.getloadavg()[0]
    await _schema(args.database_url, create=True)
    console = Console(stderr=args.json)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    try:
        with progress:
            async with private_vhost(args.amqp_url, VHOST) as amqp_url:
                raw = await run_raw(amqp_url, args.messages // 3, progress, 600)
            pg = await run_asyncpg(dsn, args.transactions, progress)
            sa = await run_sqlalchemy(args.database_url, args.transactions, progress)
    finally:
        await _schema(args.database_url, create=False)
    amqp_us = 1e6 * raw.cpu_s / raw.messages
    result = {
        "load_1m_before": load_before,
        "amqp_message_us": amqp_us,
        "amqp_messages_per_s": raw.messages_per_s,
        "asyncpg_transaction_us": 1e6 * pg[1] / args.transactions,
        "asyncpg_transactions_per_s": args.transactions / pg[0],
        "sqlalchemy_transaction_us": 1e6 * sa[1] / args.transactions,
        "sqlalchemy_transactions_per_s": args.transactions / sa[0],
    }
    for name in ("asyncpg", "sqlalchemy"):
        tx_us = result[f"{name}_transaction_us"]
        result[f"ceiling_ratio_{name}"] = amqp_us / (amqp_us + tx_us)
    return result


def show(result: dict[str, Any]) -> None:
    table = Table(title="client CPU per unit (this process), one run")
    table.add_column("layer")
    table.add_column("µs CPU each", justify="right")
    table.add_column("per second", justify="right")
    table.add_column("ceiling ratio, one transaction a message", justify="right")
    table.add_row(
        "AMQP message (publish confirmed + consume + ack)",
        f"{result['amqp_message_us']:.0f}",
        f"{result['amqp_messages_per_s']:,.0f}",
        "",
    )
    for name, label in (("asyncpg", "asyncpg transaction"), ("sqlalchemy", "SQLAlchemy Core")):
        table.add_row(
            f"{label} (BEGIN, 3 statements, COMMIT)",
            f"{result[f'{name}_transaction_us']:.0f}",
            f"{result[f'{name}_transactions_per_s']:,.0f}",
            f"{result[f'ceiling_ratio_{name}']:.2f}",
        )
    Console().print(table)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--transactions", type=int, default=6000)
    parser.add_argument("--messages", type=int, default=6000, help="raw AMQP messages")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--amqp-url", default=load_settings().amqp_url, help="the broker (no vhost)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    outcome = asyncio.run(main(arguments))
    print(json.dumps(outcome, indent=2)) if arguments.json else show(outcome)
