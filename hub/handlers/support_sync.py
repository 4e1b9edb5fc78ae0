"""Mirror the hub's work-order changes into the support system, idempotently.

Flow-log lines are committed together (group commit): the first line goes out at once, and the
lines whose deliveries arrive while a call is under way go out together in the next call. Each
delivery is acknowledged only when the call carrying its line succeeded; if the call fails, every
line in it fails and is retried by its own delivery (the keys make repeats harmless). With many
deliveries in flight this is one support-system transaction per batch instead of one per line;
with one, it adds no wait.
"""

from __future__ import annotations

import asyncio

from hub.ports import WorkOrderSystem
from schemas.v1 import FlowLogEntry, WorkOrderArchived, WorkOrderCreated, WorkOrderReissued

MAX_LINES_PER_CALL = 200


class SupportSync:
    """Each call carries a business idempotency key, so redeliveries have no second effect."""

    def __init__(self, system: WorkOrderSystem) -> None:
        self._system = system
        self._waiting: list[tuple[FlowLogEntry, str, asyncio.Future[None]]] = []
        self._sending = False

    async def register(self, event: WorkOrderCreated) -> None:
        await self._system.upsert_order(
            event.order_id, status="created", payload=event.order.model_dump(mode="json")
        )

    async def append_flow_log(self, entry: FlowLogEntry) -> None:
        """Returns once the line is in the support system (raises what its call raised)."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, f"flow-log:{entry.order_id}:{entry.seq}", done))
        if not self._sending:
            self._sending = True
            asyncio.get_running_loop().create_task(self._send_waiting())
        await done

    async def _send_waiting(self) -> None:
        """Send what waits, call after call, until nothing does."""
        try:
            while self._waiting:
                batch = self._waiting[:MAX_LINES_PER_CALL]
                del self._waiting[:MAX_LINES_PER_CALL]
                try:
                    await self._system.append_flow_logs([(e, key) for e, key, _ in batch])
                except Exception as exc:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._sending = False

    async def archive(self, event: WorkOrderArchived) -> None:
        await self._system.archive(event.order_id, idempotency_key=f"archive:{event.order_id}")

    async def archive_reissued(self, event: WorkOrderReissued) -> None:
        """An order replaced by an on-site fix is archived there too (its successor is
        registered by its own `WorkOrderCreated`)."""
        await self._system.archive(event.order_id, idempotency_key=f"archive:{event.order_id}")
