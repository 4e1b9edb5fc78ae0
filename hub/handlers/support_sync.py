"""Mirror the hub's work-order changes into the support system, idempotently."""

from __future__ import annotations

from hub.ports import WorkOrderSystem
from schemas.v1 import FlowLogEntry, WorkOrderArchived, WorkOrderCreated, WorkOrderReissued


class SupportSync:
    """Each call carries a business idempotency key, so redeliveries have no second effect."""

    def __init__(self, system: WorkOrderSystem) -> None:
        self._system = system

    async def register(self, event: WorkOrderCreated) -> None:
        await self._system.upsert_order(
            event.order_id, status="created", payload=event.order.model_dump(mode="json")
        )

    async def append_flow_log(self, entry: FlowLogEntry) -> None:
        await self._system.append_flow_log(
            entry, idempotency_key=f"flow-log:{entry.order_id}:{entry.seq}"
        )

    async def archive(self, event: WorkOrderArchived) -> None:
        await self._system.archive(event.order_id, idempotency_key=f"archive:{event.order_id}")

    async def archive_reissued(self, event: WorkOrderReissued) -> None:
        """An order replaced by an on-site fix is archived there too (its successor is
        registered by its own `WorkOrderCreated`)."""
        await self._system.archive(event.order_id, idempotency_key=f"archive:{event.order_id}")
