"""The command table: what each consumer does with its message, used by consumers and web alike.

Every consumer named in `hub.messaging.subscriptions` gets one `Handle(message, message_id)`.
Handlers of the `(message, uow)` shape run inside the message processor (inbox claim + state +
outbox in one transaction; a broker's deliveries in flight together share one, see
`hub.messaging.processing`); the others (SMS, e-mail, billing, mirror calls, sagas) keep their
own exactly-once discipline. The web runs a command through `CommandTable.run`, so an HTTP
request and an AMQP delivery of the same command share one consumer name and one inbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
from pydantic import BaseModel

from hub.content_store import ContentStore
from hub.domain.acceptance import AcceptancePolicy
from hub.domain.clock import ClockWindow
from hub.errors import HubError
from hub.handlers.appointments import apply_appointment, remind_confirmation
from hub.handlers.billing import BillingService
from hub.handlers.calls import check_transcript
from hub.handlers.close_out import CloseOut, accept_signed_report
from hub.handlers.email import EmailService
from hub.handlers.exception_reports import report_exception, resolve_exception
from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.sms import SmsService
from hub.handlers.support_sync import SupportSync
from hub.handlers.test_results import record_test_result
from hub.handlers.visit_links import VisitLinkSender
from hub.handlers.work_orders import apply_command, create_work_order
from hub.messaging.processing import Handler, MessageProcessor
from hub.messaging.subscriptions import ALL_CONSUMERS, consumer_of
from hub.signing.reports import ReportSource
from hub.signing.service import SigningService
from hub.signing.signatures import report_signed_id
from schemas.v1 import RenderSignedReport

log = structlog.get_logger(__name__)

Handle = Callable[[Any, str | None], Awaitable[object]]
"""What a consumer does with one message (the message, its AMQP message id)."""


@dataclass(frozen=True, slots=True)
class InTransaction:
    """A `(message, uow)` handler, run once per (consumer, message id) by the processor."""

    handler: Handler[Any]


@dataclass(frozen=True, slots=True)
class OnItsOwn:
    """A handler that keeps its own exactly-once discipline (leases, idempotency keys)."""

    handle: Handle


Binding = InTransaction | OnItsOwn


class CommandTable:
    """Consumer name → handle, complete for every subscription of the hub."""

    def __init__(self, processor: MessageProcessor, bindings: Mapping[str, Binding]) -> None:
        missing = set(ALL_CONSUMERS) - set(bindings)
        unknown = set(bindings) - set(ALL_CONSUMERS)
        if missing or unknown:
            raise ValueError(f"command table: missing {sorted(missing)}, unknown {sorted(unknown)}")
        self._processor = processor
        self._handles = {name: self._bind(name, b, grouped=True) for name, b in bindings.items()}
        self._alone = {name: self._bind(name, b, grouped=False) for name, b in bindings.items()}

    def handle(self, consumer: str) -> Handle:
        """What `consumer` does with a delivery: committed together with the deliveries in
        flight beside it (`MessageProcessor.run_grouped`)."""
        return self._handles[consumer]

    async def run(self, command: BaseModel, *, message_id: str) -> bool:
        """Run a command as its consumer would, in a transaction of its own (a web request
        answers once its own command committed); False if this message id was seen before."""
        result = await self._alone[consumer_of(type(command))](command, message_id)
        return result is not False

    def _bind(self, consumer: str, binding: Binding, *, grouped: bool) -> Handle:
        if isinstance(binding, OnItsOwn):
            return binding.handle
        run = self._processor.run_grouped if grouped else self._processor.run
        handler = binding.handler

        async def in_transaction(message: Any, message_id: str | None) -> bool:
            return await run(consumer, message_id, message, handler)

        return in_transaction


@dataclass(frozen=True, slots=True)
class UseCases:
    """The use cases the table binds (built by the composition root)."""

    processor: MessageProcessor
    sms: SmsService
    support: SupportSync
    changes: ResourceChangeService
    reports: ReportSource
    close_out: CloseOut
    emails: EmailService
    billing: BillingService
    signing: SigningService
    policy: AcceptancePolicy
    store: ContentStore
    radius_m: float
    clock: ClockWindow
    public_url: str
    results_per_order: int = 50
    call_sample_pct: int = 10


async def render_signed(u: UseCases, cmd: RenderSignedReport, _: str | None) -> bool:
    """Render and record an accepted signature's PDF, then take the close-out's first step
    (`delivery.report_signed`) at once in this process: one broker hop fewer between the
    signature and billing. The broker's copy of `ReportSigned` then finds that consumer's
    inbox holding its message id and does nothing; if the step fails here, that copy does it."""
    signed = await u.signing.complete_signature(cmd)
    if signed is None:
        return False
    accept = partial(accept_signed_report, store=u.store)
    try:
        await u.processor.run("delivery.report_signed", report_signed_id(signed), signed, accept)
    except HubError as exc:  # not lost: the published ReportSigned retries it
        log.warning("close-out deferred to the ReportSigned delivery", error=type(exc).__name__)
    return True


def command_table(u: UseCases) -> CommandTable:
    """The hub's command table: every consumer and what it does."""
    apply = InTransaction(partial(apply_command, radius_m=u.radius_m, clock=u.clock))
    appointment = InTransaction(apply_appointment)
    record_test = InTransaction(
        partial(record_test_result, policy=u.policy, clock=u.clock, most=u.results_per_order)
    )
    return CommandTable(
        u.processor,
        {
            "workorder.create": InTransaction(create_work_order),
            "workorder.dispatch": apply,
            "workorder.check_in": apply,
            "workorder.complete": apply,
            "workorder.archive": apply,
            "workorder.verify_check_in": apply,
            "workorder.return": apply,
            "sms.send": OnItsOwn(lambda cmd, _: u.sms.send(cmd)),
            "support.orders": OnItsOwn(lambda event, _: u.support.register(event)),
            "support.flow_log": OnItsOwn(lambda entry, _: u.support.append_flow_log(entry)),
            "support.archive": OnItsOwn(lambda event, _: u.support.archive(event)),
            "support.reissue": OnItsOwn(lambda event, _: u.support.archive_reissued(event)),
            "onsite.fiber_swap": OnItsOwn(lambda cmd, _: u.changes.handle(cmd)),
            "onsite.box_change": OnItsOwn(lambda cmd, _: u.changes.handle(cmd)),
            "onsite.exception_report": InTransaction(
                partial(report_exception, public_url=u.public_url)
            ),
            "onsite.exception_resolve": InTransaction(resolve_exception),
            "delivery.record_ping": record_test,
            "delivery.record_speed": record_test,
            "report.render": OnItsOwn(lambda cmd, _: u.reports.render_if_changed(cmd.order_id)),
            "signing.send_link": OnItsOwn(
                lambda cmd, mid: u.signing.send_link(
                    cmd.order_id, reissue=cmd.reissue, message_id=mid
                )
            ),
            "signing.remind": OnItsOwn(lambda cmd, mid: u.signing.remind(cmd, message_id=mid)),
            "signing.render_signed": OnItsOwn(partial(render_signed, u)),
            "delivery.report_signed": InTransaction(partial(accept_signed_report, store=u.store)),
            "delivery.attach_report": OnItsOwn(
                lambda cmd, mid: u.close_out.attach_and_archive(cmd, message_id=mid)
            ),
            "email.send": OnItsOwn(lambda cmd, _: u.emails.send(cmd)),
            "billing.start": OnItsOwn(lambda cmd, _: u.billing.start(cmd)),
            "appointment.book": appointment,
            "appointment.accept": appointment,
            "appointment.confirm": appointment,
            "appointment.reschedule": appointment,
            "appointment.verify_acceptance": appointment,
            "appointment.remind_confirmation": InTransaction(remind_confirmation),
            "appointment.send_visit_link": InTransaction(
                VisitLinkSender(u.signing.sealer, u.public_url).send
            ),
            "appointment.customer_answer": appointment,
            "appointment.set_off": appointment,
            "calls.check_transcript": InTransaction(
                partial(check_transcript, sample_pct=u.call_sample_pct)
            ),
        },
    )
