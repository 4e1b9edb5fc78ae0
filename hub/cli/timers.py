"""`hub timers …`: list, move and cancel durable timers (through the unit of work)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from hub.cli.console import fail, load_or_exit, out, run
from hub.config import Settings
from hub.db.engine import Database
from hub.db.uow import UnitOfWork, UnitOfWorkFactory
from hub.errors import DomainError, NotFound
from hub.messaging.topology import Topology
from hub.ports import Timer, TimerStatus

timers_app = typer.Typer(help="Durable timers (reminders, deadlines).", no_args_is_help=True)

DURATION = re.compile(r"(\d+)\s*([smhdw])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
T = TypeVar("T")


@timers_app.command("list")
def list_command(
    status: Annotated[TimerStatus | None, typer.Option(help="Only timers in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """Timers by due time."""
    settings = load_or_exit()

    async def listed(uow: UnitOfWork) -> list[Timer]:
        return await uow.timers.list(status=status, limit=limit)

    found = run(_in_uow(settings, listed, commit=False))
    if as_json:
        for timer in found:
            print(json.dumps(_as_dict(timer), ensure_ascii=False))
        return
    table = Table("id", "kind", "order", "due at (UTC)", "status", "fired at", title="Timers")
    for timer in found:
        table.add_row(
            timer.id,
            timer.kind,
            timer.order_id or "-",
            _iso(timer.due_at),
            timer.status.value,
            _iso(timer.fired_at),
        )
    out.print(table, soft_wrap=True)
    out.print(f"{len(found)} timer(s)")


@timers_app.command("move")
def move_command(
    timer_id: Annotated[str, typer.Argument(help="The timer's id (see `hub timers list`).")],
    at: Annotated[
        str | None, typer.Option("--at", help="New due time, ISO 8601 (UTC if no offset).")
    ] = None,
    in_: Annotated[
        str | None, typer.Option("--in", help="New due time from now: 10m, 1h30m, 2d.")
    ] = None,
) -> None:
    """Move a pending timer to a new due time."""
    if (at is None) == (in_ is None):
        fail("give exactly one of --at or --in", code=2)
    due_at = parse_at(at) if at is not None else datetime.now(UTC) + parse_duration(in_ or "")
    settings = load_or_exit()

    async def moved(uow: UnitOfWork) -> Timer:
        return await uow.timers.move(timer_id, due_at)

    timer = run(_in_uow(settings, moved, commit=True))
    out.print(f"timer {timer.id} now due at {_iso(timer.due_at)}")


@timers_app.command("cancel")
def cancel_command(
    timer_id: Annotated[str, typer.Argument(help="The timer's id (see `hub timers list`).")],
) -> None:
    """Cancel a pending timer."""
    settings = load_or_exit()

    async def cancelled(uow: UnitOfWork) -> Timer:
        return await uow.timers.cancel(timer_id)

    timer = run(_in_uow(settings, cancelled, commit=True))
    out.print(f"timer {timer.id} {timer.status.value}")


def parse_duration(text: str) -> timedelta:
    """`"1h30m"` → 90 minutes; units s, m, h, d, w."""
    compact = text.replace(" ", "").lower()
    parts = DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        fail(f"--in: cannot read {text!r}; use e.g. 30s, 10m, 1h30m, 2d", code=2)
    return timedelta(seconds=sum(int(n) * UNIT_SECONDS[u] for n, u in parts))


def parse_at(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is taken as UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not an ISO 8601 time (e.g. 2025-06-01T09:30:00+08:00)", code=2)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def _in_uow(
    settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]], *, commit: bool
) -> T:
    db = Database(settings.resolved_database_url)
    uow_factory = UnitOfWorkFactory(db, exchange=Topology(prefix=settings.queue_prefix).bus.name)
    try:
        async with uow_factory() as uow:
            result = await work(uow)
            if commit:
                await uow.commit()
        return result
    except (NotFound, DomainError) as exc:
        fail(str(exc))
    finally:
        await db.dispose()


def _as_dict(timer: Timer) -> dict[str, object]:
    return {
        "id": timer.id,
        "kind": timer.kind,
        "order_id": timer.order_id,
        "due_at": _iso(timer.due_at),
        "status": timer.status.value,
        "fired_at": None if timer.fired_at is None else _iso(timer.fired_at),
    }


def _iso(when: datetime | None) -> str:
    return "-" if when is None else when.astimezone(UTC).isoformat(timespec="seconds")
