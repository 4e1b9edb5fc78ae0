"""Set-up and oracle for fiber-swap chaos tests.

open_dispatched   orders written straight to the hub's tables (set-up, not under test)
swap_oracle       every swap applied-and-reissued or refused, never half done; each fiber
                  held by at most one live order; no swap, event or SMS doubled
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from adapters.support.embedded import EmbeddedWorkOrderSystem
from hub.db.engine import Database
from hub.db.tables import outbox, resource_changes, work_orders
from hub.db.uow import UnitOfWorkFactory
from hub.domain import work_order
from hub.messaging.topology import Topology
from tests import factories
from tests.fakes.standin_oracles import InventoryRecords, SmsRecords, SupportRecords


async def open_dispatched(
    db: Database, support_records: SupportRecords, order_ids: Iterable[str], *, tech_of: object
) -> None:
    """Create and dispatch orders in the hub and the support stand-in, without the broker."""
    uow_factory = UnitOfWorkFactory(db, exchange=Topology().bus.name)
    support = EmbeddedWorkOrderSystem(support_records.storage)
    now = datetime.now(UTC)
    ids = list(order_ids)
    for start in range(0, len(ids), 100):
        async with uow_factory() as uow:
            for order_id in ids[start : start + 100]:
                order, created = work_order.create(factories.create_order(order_id), now=now)
                tech = tech_of(order_id)  # type: ignore[operator]
                order, dispatched = work_order.decide(
                    order, factories.dispatch(order_id, tech), now=now, radius_m=500
                )
                await uow.orders.add(order, now=now)
                for event in (*created, *dispatched):
                    await uow.flow_log.append(event)
            await uow.commit()
    for order_id in ids:
        await support.upsert_order(order_id, status="dispatched", payload={})


@dataclass
class SwapReport:
    """How the swaps ended, and everything that should not have happened."""

    reissued: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"reissued={len(self.reissued)} refused={len(self.refused)} "
            f"unfinished={len(self.unfinished)} problems={len(self.problems)}"
            + (f" e.g. {self.problems[:3]}" if self.problems else "")
        )


async def swap_oracle(
    db: Database, inventory: InventoryRecords, sms: SmsRecords, swaps: dict[str, tuple[str, str]]
) -> SwapReport:
    """`swaps`: change id → (order id, target fiber id); `inventory` and `sms` read the stand-ins'
    own storage."""
    report = SwapReport()
    async with db.read() as conn:
        changes = {
            r.change_id: r
            for r in (
                await conn.execute(
                    select(resource_changes).where(resource_changes.c.change_id.in_(list(swaps)))
                )
            ).all()
        }
        orders = {r.order_id: r for r in (await conn.execute(select(work_orders))).all()}
        events = Counter(
            (r.correlation_id, r.message_type)
            for r in (
                await conn.execute(select(outbox.c.correlation_id, outbox.c.message_type))
            ).all()
        )
    texts = Counter(await sms.sms_ids())
    assignments = await inventory.assignments()
    holders = await inventory.fiber_holders()
    for change_id, (order_id, target) in swaps.items():
        change = changes.get(change_id)
        state = change.state if change is not None else "missing"
        check = _Check(report, change_id)
        if state == "reissued":
            report.reissued.append(change_id)
            new_id = change.new_order_id  # type: ignore[union-attr]
            old, new = orders.get(order_id), orders.get(new_id)
            check(
                old is not None and old.status == "archived" and old.reissued_as == new_id,
                "old order not archived as reissued",
            )
            check(
                new is not None and new.status == "dispatched" and new.reissued_from == order_id,
                "new order missing or not dispatched",
            )
            check(holders.get(target) == ("in_use", new_id), "target fiber not held by new order")
            check(assignments.get(new_id, ("?",))[0] == "active", "no active assignment")
            check(events[(order_id, "FiberSwapped.v1")] == 1, "FiberSwapped not exactly once")
            check(texts[f"dispatch-notice:{new_id}:v2"] == 1, "new order's SMS not exactly once")
        elif state == "refused":
            report.refused.append(change_id)
            old = orders.get(order_id)
            check(
                old is not None and old.status == "dispatched" and old.reissued_as is None,
                "refused swap changed the order",
            )
            check(assignments.get(order_id, ("?",))[0] == "active", "refused swap moved resources")
            check(events[(order_id, "FiberSwapRefused.v1")] == 1, "refusal not exactly once")
        else:
            report.unfinished.append(f"{change_id}:{state}")
    applied = (await inventory.operation_counts()).get("applied", 0)
    if applied != len(report.reissued):
        report.problems.append(f"inventory applied {applied} ≠ {len(report.reissued)} reissued")
    for fiber_id, (_, holder) in holders.items():
        if holder is None or not holder.startswith("WO"):
            continue
        order = orders.get(holder)
        if order is None and ".R" in holder:
            report.problems.append(f"{fiber_id} held by {holder}, which the hub never issued")
        elif order is not None and order.status == "archived":
            report.problems.append(f"{fiber_id} held by archived order {holder}")
    return report


class _Check:
    def __init__(self, report: SwapReport, change_id: str) -> None:
        self._report = report
        self._change_id = change_id

    def __call__(self, ok: bool, problem: str) -> None:
        if not ok:
            self._report.problems.append(f"{self._change_id}: {problem}")
