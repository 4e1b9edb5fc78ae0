"""`hub dlq …`: look at, replay and purge the consumers' parking queues."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from hub.cli.console import err, fail, load_or_exit, out, run
from hub.cli.parking import ParkedMessage, ParkingQueues, amqp_connection
from hub.config import Settings
from hub.messaging.subscriptions import ALL_CONSUMERS
from hub.messaging.topology import Topology

dlq_app = typer.Typer(help="Parking queues (dead letters) of the consumers.", no_args_is_help=True)

ConsumerOption = Annotated[
    str | None,
    typer.Option("--consumer", "-c", help="One consumer, e.g. workorder.create (default: all)."),
]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")]


@dlq_app.command("list")
def list_command(
    consumer: ConsumerOption = None,
    limit: LimitOption = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Depth of each parking queue and its first messages (peeked, not removed)."""
    settings = load_or_exit()
    consumers = _consumers(consumer)
    report = run(_peek_all(settings, consumers, limit))
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    _print_report(report)


@dlq_app.command("replay")
def replay_command(consumer: ConsumerOption = None, limit: LimitOption = 1000) -> None:
    """Move parked messages back to the queue they came from (failure headers removed)."""
    settings = load_or_exit()
    total = 0
    for name, moved, left in run(_replay_all(settings, _consumers(consumer), limit)):
        total += moved
        if moved or left:
            out.print(f"{name}: replayed {moved}")
        for reason in left:
            err.print(f"[yellow]{name}: left parked: {reason}[/yellow]", soft_wrap=True)
    out.print(f"replayed {total} message(s)")


@dlq_app.command("purge")
def purge_command(
    consumer: ConsumerOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Really delete the messages.")] = False,
) -> None:
    """Delete parked messages for good (needs --yes)."""
    if not yes:
        fail("refusing to purge without --yes (parked messages are deleted for good)")
    settings = load_or_exit()
    total = 0
    for name, purged in run(_purge_all(settings, _consumers(consumer))):
        if purged:
            out.print(f"{name}: purged {purged}")
        total += purged
    out.print(f"purged {total} message(s)")


def _consumers(consumer: str | None) -> tuple[str, ...]:
    if consumer is None:
        return ALL_CONSUMERS
    if consumer not in ALL_CONSUMERS:
        fail(f"unknown consumer {consumer!r}; one of: {', '.join(ALL_CONSUMERS)}", code=2)
    return (consumer,)


def _topology(settings: Settings) -> Topology:
    return Topology(prefix=settings.queue_prefix)


async def _peek_all(
    settings: Settings, consumers: tuple[str, ...], limit: int
) -> dict[str, dict[str, object]]:
    report: dict[str, dict[str, object]] = {}
    async with amqp_connection(settings.amqp_urls) as connection:
        parking = ParkingQueues(connection, _topology(settings))
        for consumer in consumers:
            depth = await parking.depth(consumer)
            messages: list[ParkedMessage] = []
            if depth:
                messages = await parking.peek(consumer, limit=limit)
            report[consumer] = {
                "queue": parking.name(consumer),
                "depth": depth,
                "messages": [m.as_dict() for m in messages],
            }
    return report


async def _replay_all(
    settings: Settings, consumers: tuple[str, ...], limit: int
) -> list[tuple[str, int, list[str]]]:
    results = []
    async with amqp_connection(settings.amqp_urls) as connection:
        parking = ParkingQueues(connection, _topology(settings))
        for consumer in consumers:
            if await parking.depth(consumer):
                result = await parking.replay(consumer, limit=limit)
                results.append((consumer, result.moved, result.left))
    return results


async def _purge_all(settings: Settings, consumers: tuple[str, ...]) -> list[tuple[str, int]]:
    results = []
    async with amqp_connection(settings.amqp_urls) as connection:
        parking = ParkingQueues(connection, _topology(settings))
        for consumer in consumers:
            if await parking.depth(consumer):
                results.append((consumer, await parking.purge(consumer)))
    return results


def _print_report(report: dict[str, dict[str, object]]) -> None:
    depths = Table("consumer", "parking queue", "depth", title="Parking queues")
    for consumer, entry in report.items():
        depth = entry["depth"]
        shown = "[dim]missing[/dim]" if depth is None else str(depth)
        depths.add_row(consumer, str(entry["queue"]), shown)
    out.print(depths)
    for consumer, entry in report.items():
        messages = entry["messages"]
        if not isinstance(messages, list) or not messages:
            continue
        table = Table(title=f"{consumer}: first {len(messages)} of {entry['depth']}")
        for column in ("message id", "error type", "error message", "original queue", "parked"):
            table.add_column(column, overflow="fold")
        for message in messages:
            table.add_row(
                message["message_id"] or "-",
                message["error_type"] or "-",
                message["error_message"] or "-",
                message["original_queue"] or "-",
                _when(message),
            )
        out.print(table)


def _when(message: dict[str, object]) -> str:
    if message["parked_at"]:
        return str(message["parked_at"])
    if message["death_reason"]:
        return f"dead-lettered: {message['death_reason']} x{message['death_count']}"
    return "-"
