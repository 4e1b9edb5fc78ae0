"""Starting billing (起租) exactly once per order, and only for a verified signed report.

    checks: archived + signed report + the stored signed PDF re-hashes to its recorded SHA-256
    record attempt (lease, key billing:<order>) ─▶ [reconcile: billing.lookup(key)]
        ─▶ billing.start ─▶ record reference + BillingStarted on the order (one transaction)

An order that fails the checks is refused (parked) before any call; a crash after the call
and before the record is resolved by the lookup, so the billing system sees one start.
"""

from __future__ import annotations

from datetime import timedelta

import structlog

from hub.content_store import ContentStore
from hub.domain import close_out
from hub.errors import IllegalTransition, TransientAdapterError
from hub.handlers.reactions import record_events
from hub.handlers.side_effects import RecordedEffect
from hub.ports import Billing, UnitOfWork, UnitOfWorkFactory
from schemas.v1 import CreateWorkOrder, StartBilling

log = structlog.get_logger(__name__)


class BillingInFlight(TransientAdapterError):
    """Another attempt for this order holds the lease; try again later."""


def billing_key(order_id: str) -> str:
    return f"billing:{order_id}"


class BillingService:
    """Handles `StartBilling`."""

    def __init__(
        self, uow: UnitOfWorkFactory, billing: Billing, *, store: ContentStore, lease: timedelta
    ) -> None:
        self._billing = billing
        self._store = store
        self._effect = RecordedEffect(
            uow, lambda u: u.billing, lease=lease, in_flight=BillingInFlight, what="billing of"
        )

    async def start(self, cmd: StartBilling) -> None:
        checked: list[tuple[str, CreateWorkOrder]] = []

        async def check(uow: UnitOfWork) -> None:
            """Archived, signed, and the stored signed PDF still re-hashes: else nothing."""
            order = await uow.orders.get(cmd.order_id)
            refusal = close_out.billing_refusal(order)
            if refusal is not None or order.signed_report is None:
                raise IllegalTransition(f"billing not started: {refusal}")
            await self._store.read_verified(order.signed_report.sha256)  # TamperedReport: parked
            checked.append((order.signed_report.sha256, order.details))

        attempt = await self._effect.begin(
            cmd.order_id, check=check, idempotency_key=billing_key(cmd.order_id)
        )
        if attempt is None:
            return
        sha256, details = checked[-1]
        key = billing_key(cmd.order_id)
        reference = (
            await self._effect.call(cmd.order_id, self._billing.lookup(idempotency_key=key))
            if attempt.retry
            else None
        )
        if reference is not None:
            log.info("billing reconciled, not started again", order_id=cmd.order_id)
        else:
            start = self._billing.start(
                cmd.order_id,
                product=details.product,
                bandwidth_mbps=details.bandwidth_mbps,
                report_sha256=sha256,
                idempotency_key=key,
            )
            reference = await self._effect.call(cmd.order_id, start)
        started = reference

        async def record(uow: UnitOfWork) -> None:
            order = await uow.orders.get(cmd.order_id)
            new, events = close_out.record_billing_started(order, started, now=uow.now)
            if new.version != order.version:
                await uow.orders.save(new, expected_version=order.version, now=uow.now)
            await record_events(uow, events)

        await self._effect.finish(cmd.order_id, reference, then=record)
        log.info("billing started", order_id=cmd.order_id, reference=reference)
