"""Close-out of a signed order: hold the signed report, write it back, report completion, archive.

    ReportSigned ─▶ accept_signed_report: held on the order (completing it), in one transaction
    AttachSignedReport ─▶ attach_report (key report:<order>:v<n>) ─▶ report_completion
    (key completion:<order>) ─▶ ArchiveWorkOrder applied in one transaction (inbox-guarded)

The support calls carry business idempotency keys, so a redelivery repeats them harmlessly.
E-mail and billing follow as reactions (`hub.handlers.report_reactions`).
"""

from __future__ import annotations

from functools import partial

import structlog

from hub.content_store import ContentStore
from hub.domain import close_out
from hub.domain.work_order import Status
from hub.errors import IllegalTransition
from hub.handlers.reactions import record_events
from hub.handlers.work_orders import apply_command
from hub.messaging.processing import MessageProcessor
from hub.messaging.subscriptions import consumer_of
from hub.ports import UnitOfWork, WorkOrderSystem
from schemas.v1 import ArchiveWorkOrder, AttachSignedReport, ReportSigned

log = structlog.get_logger(__name__)

ARCHIVE_REASON = "delivered: signed report attached"


class CloseOut:
    """Finishes an order whose customer signed its delivery report."""

    def __init__(
        self,
        processor: MessageProcessor,
        support: WorkOrderSystem,
        *,
        store: ContentStore,
        radius_m: float,
    ) -> None:
        self._processor = processor
        self._support = support
        self._store = store
        self._radius_m = radius_m

    async def attach_and_archive(self, cmd: AttachSignedReport, *, message_id: str | None) -> None:
        pdf = await self._store.read_verified(cmd.sha256_signed)
        await self._support.attach_report(
            cmd.order_id,
            pdf=pdf,
            sha256=cmd.sha256_signed,
            idempotency_key=f"report:{cmd.order_id}:v{cmd.report_version}",
        )
        await self._support.report_completion(
            cmd.order_id, idempotency_key=f"completion:{cmd.order_id}"
        )
        handler = partial(_archive_signed, radius_m=self._radius_m)
        await self._processor.run(consumer_of(AttachSignedReport), message_id, cmd, handler)
        log.info("signed report attached; order archived", order_id=cmd.order_id)


async def _archive_signed(cmd: AttachSignedReport, uow: UnitOfWork, *, radius_m: float) -> None:
    order = await uow.orders.get(cmd.order_id)
    held = order.signed_report
    if held is None or held.sha256 != cmd.sha256_signed:
        raise IllegalTransition(f"order {cmd.order_id} does not hold this signed report")
    if order.status is Status.ARCHIVED:
        return
    archive = ArchiveWorkOrder(order_id=cmd.order_id, reason=ARCHIVE_REASON)
    await apply_command(archive, uow, radius_m=radius_m)


async def accept_signed_report(
    event: ReportSigned, uow: UnitOfWork, *, store: ContentStore
) -> None:
    """Hold the signed report on the order (completing it) once its file verifies."""
    await store.read_verified(event.sha256_signed)  # TamperedReport (parked) if it does not
    order = await uow.orders.get(event.order_id)
    latest = await uow.reports.latest_version(event.order_id)
    new, events = close_out.accept_signed_report(order, event, now=uow.now, latest_version=latest)
    if new.version != order.version:
        await uow.orders.save(new, expected_version=order.version, now=uow.now)
    await record_events(uow, events)
