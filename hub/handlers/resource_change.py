"""Running resource changes (fiber swap, box change): the saga's steps around the inventory.

    record (tx) ─▶ inventory change (keyed) ─┬▶ reissue the order + outcome (tx)
                                             ├▶ refused: outcome + notice (tx)
                                             └▶ order can't be reissued: compensating (tx)
                                                  ─▶ inventory revert (keyed) ─▶ compensated (tx)

No external call runs inside a transaction. A transient inventory failure is recorded on the
change; from AMQP it is raised (the failure policy retries with delays, then parks it with the
reason), from HTTP the command is handed to the queue for the same retries. A crash between
steps resumes from the stored state (redelivery, or the watchdog timer of an HTTP request): the
inventory replays its first answer for the same key, so nothing is applied twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from hub.domain import resource_change as saga
from hub.domain.reissue import Reissue, reissue
from hub.domain.resource_change import (
    Applied,
    BoxTarget,
    ChangeCommand,
    FiberTarget,
    Outcome,
    Refused,
    ReissueImpossible,
    ResourceChange,
    Reverted,
    Step,
    StepFailed,
)
from hub.domain.resources import AppliedChange
from hub.domain.work_order import WorkOrder
from hub.errors import (
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
    ResourceRefused,
    TransientAdapterError,
)
from hub.handlers.notifications import queue_sms
from hub.handlers.reactions import record_events
from hub.handlers.timer_kinds import RESOURCE_CHANGE_WATCHDOG
from hub.ports import ResourceInventory, UnitOfWork, UnitOfWorkFactory
from schemas.v1 import ChangeKind, SendSms

WATCHDOG = RESOURCE_CHANGE_WATCHDOG
CONFLICT_RETRIES = 5
T = TypeVar("T")

_KIND_TEXT = {ChangeKind.FIBER_SWAP: "同缆改纤", ChangeKind.BOX_CHANGE: "更改光箱"}


class ResourceChangeService:
    """Records and drives fiber swaps and box changes."""

    def __init__(
        self, uow: UnitOfWorkFactory, inventory: ResourceInventory, *, watchdog: timedelta
    ) -> None:
        self._uow = uow
        self._inventory = inventory
        self._watchdog = watchdog

    async def request(self, cmd: ChangeCommand) -> ResourceChange:
        """From the field app: record and drive it now; answers with where it got to.

        A repeated request reports the change without driving it a second time. If the
        inventory is unavailable, the command goes to its queue, whose retries finish it.
        """
        change, created = await self._record(cmd, watchdog=True)
        if not created:
            return change
        try:
            return await self._drive(change)
        except TransientAdapterError as exc:
            return await self._hand_over(change, cmd, exc)

    async def handle(self, cmd: ChangeCommand) -> ResourceChange:
        """From AMQP (or a watchdog timer): record if new, drive to the end or raise."""
        change, _ = await self._record(cmd, watchdog=False)
        try:
            return await self._drive(change)
        except TransientAdapterError as exc:
            await self._note_failure(change.change_id, exc)
            raise

    async def _active(self, order_id: str) -> ResourceChange | None:
        async with self._uow.read() as uow:
            return await uow.changes.active_for(order_id)

    async def get(self, change_id: str) -> ResourceChange:
        """Read a change (no write transaction: on SQLite that would wait for the writer)."""
        async with self._uow.read() as uow:
            return await uow.changes.get(change_id)

    # --- steps --------------------------------------------------------------------------------

    async def _record(self, cmd: ChangeCommand, *, watchdog: bool) -> tuple[ResourceChange, bool]:
        async def record(uow: UnitOfWork) -> tuple[ResourceChange, bool]:
            existing = await uow.changes.find(cmd.change_id)
            if existing is not None:
                if not saga.same_request(existing, cmd):
                    raise IllegalTransition(
                        f"change id {cmd.change_id} was already used for another request"
                    )
                return existing, False
            order = await uow.orders.get(cmd.order_id)
            change = saga.start(cmd, order, now=uow.now)
            try:
                await uow.changes.add(change)
            except ConcurrencyConflict:
                # Unique `active_order_id`: another change of this order is in flight.
                active = await self._active(cmd.order_id)
                if active is not None and active.change_id != cmd.change_id:
                    raise IllegalTransition(
                        f"order {cmd.order_id} already has a {active.kind.value} in progress "
                        f"({active.change_id})"
                    ) from None
                raise
            if watchdog:
                await uow.timers.schedule(
                    kind=WATCHDOG,
                    order_id=cmd.order_id,
                    due_at=uow.now + self._watchdog,
                    message=cmd,
                )
            await uow.commit()
            return change, True

        return await self._in_transaction(record)

    async def _drive(self, change: ResourceChange) -> ResourceChange:
        while True:
            match saga.next_step(change):
                case Step.APPLY:
                    change = await self._apply(change)
                case Step.REVERT:
                    await self._inventory.revert(
                        change.inventory_key, idempotency_key=change.revert_key
                    )
                    change = await self._finish(change, Reverted())
                case Step.NONE:
                    return change

    async def _apply(self, change: ResourceChange) -> ResourceChange:
        try:
            applied = await self._call_inventory(change)
        except ResourceRefused as exc:
            return await self._finish(change, Refused(exc.code, exc.reason))
        return await self._reissue(change, applied)

    async def _call_inventory(self, change: ResourceChange) -> AppliedChange:
        target = change.target
        if isinstance(target, FiberTarget):
            return await self._inventory.swap_fiber(
                change.order_id,
                fiber_id=target.fiber_id,
                fiber_no=target.fiber_no,
                new_order_id=change.new_order_id,
                idempotency_key=change.inventory_key,
            )
        assert isinstance(target, BoxTarget)
        return await self._inventory.change_box(
            change.order_id,
            box_id=target.box_id,
            port=target.port,
            new_order_id=change.new_order_id,
            idempotency_key=change.inventory_key,
        )

    async def _reissue(self, change: ResourceChange, applied: AppliedChange) -> ResourceChange:
        """Archive and reissue the order with the applied resources, or start compensating."""

        async def reissue_order(uow: UnitOfWork) -> ResourceChange:
            current = await uow.changes.get(change.change_id)
            if current.state is not change.state:
                return current  # another attempt got here first
            order = await uow.orders.get(current.order_id)
            done: Reissue | None = None
            outcome: Outcome
            try:
                done = reissue(
                    order,
                    new_order_id=current.new_order_id,
                    change_id=current.change_id,
                    change=current.kind,
                    technician_id=current.technician_id,
                    previous=applied.previous,
                    resources=applied.current,
                    now=uow.now,
                )
                outcome = Applied(applied.previous, applied.current)
            except DomainError as exc:
                outcome = ReissueImpossible(applied.previous, applied.current, str(exc))
            if done is not None:
                await uow.orders.save(done.old, expected_version=order.version, now=uow.now)
                await uow.orders.add(done.new, now=uow.now)
                await record_events(uow, done.events)
            return await self._decide(uow, current, outcome, order)

        return await self._in_transaction(reissue_order)

    async def _finish(self, change: ResourceChange, outcome: Outcome) -> ResourceChange:
        async def finish(uow: UnitOfWork) -> ResourceChange:
            current = await uow.changes.get(change.change_id)
            if current.state is not change.state:
                return current
            return await self._decide(
                uow, current, outcome, await uow.orders.find(current.order_id)
            )

        return await self._in_transaction(finish)

    async def _decide(
        self, uow: UnitOfWork, current: ResourceChange, outcome: Outcome, order: WorkOrder | None
    ) -> ResourceChange:
        new, events = saga.decide(current, outcome, now=uow.now)
        await uow.changes.save(new, expected_version=current.version)
        for event in events:
            await uow.outbox.add(event, correlation_id=new.order_id)
        if new.finished:
            await uow.timers.cancel_pending(WATCHDOG, order_id=new.order_id)
        notice = refusal_notice(new, order)
        if notice is not None:
            await queue_sms(uow, notice)
        await uow.commit()
        return new

    async def _note_failure(self, change_id: str, exc: Exception) -> ResourceChange:
        async def note(uow: UnitOfWork) -> ResourceChange:
            current = await uow.changes.get(change_id)
            if current.finished:
                return current
            new, _ = saga.decide(current, StepFailed(f"{type(exc).__name__}: {exc}"), now=uow.now)
            await uow.changes.save(new, expected_version=current.version)
            await uow.commit()
            return new

        return await self._in_transaction(note)

    async def _hand_over(
        self, change: ResourceChange, cmd: ChangeCommand, exc: Exception
    ) -> ResourceChange:
        """The inventory is unavailable: the queue retries it with delays from here on."""

        async def hand_over(uow: UnitOfWork) -> ResourceChange:
            current = await uow.changes.get(change.change_id)
            if current.finished:
                return current
            new, _ = saga.decide(current, StepFailed(f"{type(exc).__name__}: {exc}"), now=uow.now)
            await uow.changes.save(new, expected_version=current.version)
            await uow.timers.cancel_pending(WATCHDOG, order_id=new.order_id)
            await uow.outbox.add(
                cmd,
                correlation_id=new.order_id,
                message_id=f"change-{new.change_id}-{new.attempts}"[:64],
            )
            await uow.commit()
            return new

        return await self._in_transaction(hand_over)

    async def _in_transaction(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                async with self._uow() as uow:
                    return await work(uow)
            except ConcurrencyConflict:
                if attempt == CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def refusal_notice(change: ResourceChange, order: WorkOrder | None) -> SendSms | None:
    """The SMS telling the technician a change did not happen (and why)."""
    if change.state not in (saga.ChangeState.REFUSED, saga.ChangeState.COMPENSATED):
        return None
    if order is None or order.technician is None:
        return None
    return SendSms(
        sms_id=f"change-refused:{change.change_id}",
        to=order.technician.phone,
        body=(
            f"【政企交付】工单 {change.order_id} 的{_KIND_TEXT[change.kind]}未完成："
            f"{change.reason}。工单与资源均未变更。"
        )[:1600],
        purpose="change_refused",
        order_id=change.order_id,
    )
