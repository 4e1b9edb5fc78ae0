"""Handlers of the work-order lifecycle commands."""

from __future__ import annotations

from hub.domain import work_order
from hub.domain.clock import DEFAULT_WINDOW, ClockWindow
from hub.errors import IllegalTransition
from hub.handlers.reactions import record_events
from hub.ports import UnitOfWork
from schemas.v1 import CreateWorkOrder


async def create_work_order(cmd: CreateWorkOrder, uow: UnitOfWork) -> None:
    """Open an order; the same create sent again is accepted without effect."""
    existing = await uow.orders.find(cmd.order_id)
    if existing is not None:
        if existing.details == cmd:
            return
        raise IllegalTransition(f"order {cmd.order_id} already exists with different data")
    order, events = work_order.create(cmd, now=uow.now)
    await uow.orders.add(order, now=uow.now)
    await record_events(uow, events)


async def apply_command(
    cmd: work_order.Command,
    uow: UnitOfWork,
    *,
    radius_m: float,
    clock: ClockWindow = DEFAULT_WINDOW,
) -> None:
    """Dispatch, check in, complete, archive or verify the check-in of an order."""
    order = await uow.orders.get(cmd.order_id)
    new, events = work_order.decide(order, cmd, now=uow.now, radius_m=radius_m, clock=clock)
    if new.version != order.version:
        await uow.orders.save(new, expected_version=order.version, now=uow.now)
    await record_events(uow, events)
