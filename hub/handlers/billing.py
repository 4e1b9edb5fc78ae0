"""Starting billing (起租) exactly once per order, and only for a verified signed report.

    checks: archived + signed report + the stored signed PDF re-hashes to its recorded SHA-256
    record attempt (lease, key billing:<order>) ─▶ [reconcile: billing.lookup(key)]
        ─▶ billing.start ─▶ record reference + BillingStarted on the order (one transaction)

An order that fails the checks is refused (parked) before any call; a crash after the call
and before the record is resolved by the lookup, so the billing system sees one start.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

import structlog
from sqlalchemy.exc import IntegrityError

from hub.content_store import ContentStore
from hub.db.side_effects import EffectState
from hub.db.uow import UnitOfWorkFactory
from hub.domain import delivery
from hub.errors import IllegalTransition, PermanentAdapterError, TransientAdapterError
from hub.handlers.reactions import record_events
from hub.ports import Billing
from schemas.v1 import CreateWorkOrder, StartBilling

log = structlog.get_logger(__name__)

T = TypeVar("T")


class BillingInFlight(TransientAdapterError):
    """Another attempt for this order holds the lease; try again later."""


def billing_key(order_id: str) -> str:
    return f"billing:{order_id}"


class BillingService:
    """Handles `StartBilling`."""

    def __init__(
        self, uow: UnitOfWorkFactory, billing: Billing, *, store: ContentStore, lease: timedelta
    ) -> None:
        self._uow = uow
        self._billing = billing
        self._store = store
        self._lease = lease

    async def start(self, cmd: StartBilling) -> None:
        try:
            begun = await self._begin(cmd)
        except IntegrityError as exc:  # a concurrent attempt inserted the row first
            raise BillingInFlight(f"billing of {cmd.order_id} is being started elsewhere") from exc
        if begun is None:
            return
        retry, sha256, details = begun
        key = billing_key(cmd.order_id)
        reference = (
            await self._call(cmd, self._billing.lookup(idempotency_key=key)) if retry else None
        )
        if reference is not None:
            log.info("billing reconciled, not started again", order_id=cmd.order_id)
        else:
            reference = await self._call(
                cmd,
                self._billing.start(
                    cmd.order_id,
                    product=details.product,
                    bandwidth_mbps=details.bandwidth_mbps,
                    report_sha256=sha256,
                    idempotency_key=key,
                ),
            )
        async with self._uow() as uow:
            await uow.billing.mark_done(cmd.order_id, reference)
            order = await uow.orders.get(cmd.order_id)
            new, events = delivery.record_billing_started(order, reference, now=uow.now)
            if new.version != order.version:
                await uow.orders.save(new, expected_version=order.version, now=uow.now)
            await record_events(uow, events)
            await uow.commit()
        log.info("billing started", order_id=cmd.order_id, reference=reference)

    async def _begin(self, cmd: StartBilling) -> tuple[bool, str, CreateWorkOrder] | None:
        """Check the order and take the lease; None if billing already started (or failed).

        Returns whether an earlier attempt exists (then reconcile first), the signed report's
        SHA-256 and the order's details.
        """
        async with self._uow() as uow:
            order = await uow.orders.get(cmd.order_id)
            record = await uow.billing.find(cmd.order_id)
            if record is not None and record.state is not EffectState.PENDING:
                return None
            refusal = delivery.billing_refusal(order)
            if refusal is not None or order.signed_report is None:
                raise IllegalTransition(f"billing not started: {refusal}")
            sha256 = order.signed_report.sha256
            await self._store.read_verified(sha256)  # TamperedReport: parked, nothing billed
            if record is not None and record.lease_until and record.lease_until > uow.now:
                raise BillingInFlight(f"billing of {cmd.order_id} is being started elsewhere")
            await uow.billing.start_attempt(
                cmd.order_id, lease=self._lease, idempotency_key=billing_key(cmd.order_id)
            )
            await uow.commit()
        return record is not None, sha256, order.details

    async def _call(self, cmd: StartBilling, call: Awaitable[T]) -> T:
        """Run one billing call; a failure ends the attempt (lease released, or row failed)."""
        try:
            return await call
        except PermanentAdapterError as exc:
            async with self._uow() as uow:
                await uow.billing.mark_failed(cmd.order_id, type(exc).__name__)
                await uow.commit()
            raise
        except TransientAdapterError:
            async with self._uow() as uow:
                await uow.billing.release_lease(cmd.order_id)
                await uow.commit()
            raise
