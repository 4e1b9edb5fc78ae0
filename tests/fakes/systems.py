"""Recording fakes of the external systems: SMS platform, work-order system, billing, mail.

Each records every call (so "called twice" is visible), honours idempotency keys as the
embedded stand-ins do (`adapters/*/embedded.py`, `log_sender.py`), and injects faults:
`unavailable` / `fail_next` raise `TransientAdapterError` before anything happens,
`refuse_next` raises `PermanentAdapterError`, `lose_next_answers` does the work and then
raises `TransientAdapterError` (the answer was lost on its way back), and `slow` makes every
call yield to the event loop first, so concurrent requests interleave as over a network.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from hub.errors import PermanentAdapterError, TransientAdapterError, UnknownRemoteRecord
from schemas.v1 import FlowLogEntry


class Faults:
    """Injected faults shared by every fake system."""

    label = "system"

    def __init__(self) -> None:
        self.unavailable = False
        self.fail_next = 0
        self.refuse_next = 0
        self.lose_next_answers = 0
        self.slow = False

    async def before_call(self) -> None:
        if self.slow:
            await asyncio.sleep(0)
        if self.unavailable:
            raise TransientAdapterError(f"{self.label} unavailable (injected)")
        if self.fail_next > 0:
            self.fail_next -= 1
            raise TransientAdapterError(f"{self.label} failed (injected)")
        if self.refuse_next > 0:
            self.refuse_next -= 1
            raise PermanentAdapterError(f"{self.label} refused the request (injected)")

    def after_call(self) -> None:
        if self.lose_next_answers > 0:
            self.lose_next_answers -= 1
            raise TransientAdapterError(f"{self.label} answer lost (injected)")


@dataclass(frozen=True, slots=True)
class SentSms:
    sms_id: str
    to: str
    body: str
    provider_message_id: str


class FakeSmsSender(Faults):
    """`hub.ports.SmsSender`: every send is kept (a resend is a second entry)."""

    name = "fake"
    label = "sms platform"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentSms] = []
        self.lookups: list[str] = []

    async def send(self, *, sms_id: str, to: str, body: str) -> str:
        await self.before_call()
        provider_id = f"SM{len(self.sent) + 1:06d}"
        self.sent.append(SentSms(sms_id, to, body, provider_id))
        self.after_call()
        return provider_id

    async def lookup(self, *, sms_id: str, to: str, body: str, since: datetime) -> str | None:
        await self.before_call()
        self.lookups.append(sms_id)
        return next((s.provider_message_id for s in self.sent if s.sms_id == sms_id), None)

    def to(self, phone: str) -> list[SentSms]:
        """What a phone received, oldest first."""
        return [s for s in self.sent if s.to == phone]

    def sends_of(self, sms_id: str) -> int:
        return sum(1 for s in self.sent if s.sms_id == sms_id)


@dataclass(frozen=True, slots=True)
class Attachment:
    order_id: str
    sha256: str
    size_bytes: int


class FakeWorkOrderSystem(Faults):
    """`hub.ports.WorkOrderSystem` (客保): orders, flow-log lines, attachments, completions."""

    label = "support system"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []  # (operation, idempotency key)
        self.orders: dict[str, str] = {}  # order id → status
        self.flow_log: dict[str, FlowLogEntry] = {}  # by idempotency key
        self.attachments: dict[str, Attachment] = {}  # by idempotency key
        self.completed: set[str] = set()

    async def upsert_order(self, order_id: str, *, status: str, payload: dict[str, Any]) -> None:
        await self.before_call()
        self.calls.append(("upsert_order", f"upsert:{order_id}:{status}"))
        if self.orders.get(order_id) != "archived":  # late updates can't reopen an order
            self.orders[order_id] = status

    async def append_flow_log(self, entry: FlowLogEntry, *, idempotency_key: str) -> None:
        await self.before_call()
        self.calls.append(("append_flow_log", idempotency_key))
        self.flow_log.setdefault(idempotency_key, entry)
        self.after_call()

    async def append_flow_logs(self, lines: Sequence[tuple[FlowLogEntry, str]]) -> None:
        await self.before_call()
        for entry, key in lines:
            self.calls.append(("append_flow_log", key))
            self.flow_log.setdefault(key, entry)
        self.after_call()

    async def archive(self, order_id: str, *, idempotency_key: str) -> None:
        await self.before_call()
        self.calls.append(("archive", idempotency_key))
        if order_id not in self.orders:
            raise UnknownRemoteRecord(f"support system has no order {order_id}")
        self.orders[order_id] = "archived"
        self.after_call()

    async def attach_report(
        self, order_id: str, *, pdf: bytes, sha256: str, idempotency_key: str
    ) -> None:
        await self.before_call()
        if hashlib.sha256(pdf).hexdigest() != sha256:
            raise PermanentAdapterError("the attachment does not match its SHA-256")
        self.calls.append(("attach_report", idempotency_key))
        if order_id not in self.orders:
            raise UnknownRemoteRecord(f"support system has no order {order_id}")
        self.attachments.setdefault(idempotency_key, Attachment(order_id, sha256, len(pdf)))
        self.after_call()

    async def report_completion(self, order_id: str, *, idempotency_key: str) -> None:
        await self.before_call()
        self.calls.append(("report_completion", idempotency_key))
        if order_id not in self.orders:
            raise UnknownRemoteRecord(f"support system has no order {order_id}")
        if order_id not in self.completed and self.orders[order_id] != "archived":
            self.orders[order_id] = "completed"
        self.completed.add(order_id)
        self.after_call()

    def attachments_of(self, order_id: str) -> list[Attachment]:
        return [a for a in self.attachments.values() if a.order_id == order_id]


@dataclass(frozen=True, slots=True)
class BillingStart:
    reference: str
    order_id: str
    product: str
    bandwidth_mbps: int
    report_sha256: str


class FakeBilling(Faults):
    """`hub.ports.Billing`: a repeated idempotency key returns the first reference."""

    label = "billing system"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []
        self.starts: dict[str, BillingStart] = {}  # by idempotency key

    async def start(
        self,
        order_id: str,
        *,
        product: str,
        bandwidth_mbps: int,
        report_sha256: str,
        idempotency_key: str,
    ) -> str:
        await self.before_call()
        self.calls.append(("start", idempotency_key))
        if idempotency_key not in self.starts:
            reference = f"BIL-{len(self.starts) + 1:06d}"
            self.starts[idempotency_key] = BillingStart(
                reference, order_id, product, bandwidth_mbps, report_sha256
            )
        self.after_call()
        return self.starts[idempotency_key].reference

    async def lookup(self, *, idempotency_key: str) -> str | None:
        await self.before_call()
        self.calls.append(("lookup", idempotency_key))
        found = self.starts.get(idempotency_key)
        return None if found is None else found.reference

    def starts_of(self, order_id: str) -> list[BillingStart]:
        return [s for s in self.starts.values() if s.order_id == order_id]


@dataclass(frozen=True, slots=True)
class SentEmail:
    email_id: str
    message: EmailMessage


class FakeMailer(Faults):
    """`hub.ports.Mailer`; `remembers=False` is SMTP (a lookup never knows), True the log."""

    name = "fake"
    label = "mail server"

    def __init__(self, *, remembers: bool = False) -> None:
        super().__init__()
        self.remembers = remembers
        self.sent: list[SentEmail] = []

    async def send(self, message: EmailMessage, *, email_id: str) -> str:
        await self.before_call()
        self.sent.append(SentEmail(email_id, message))
        self.after_call()
        return str(message["Message-ID"])

    async def lookup(self, *, email_id: str) -> str | None:
        await self.before_call()
        if not self.remembers:
            return None
        found = [e for e in self.sent if e.email_id == email_id]
        return str(found[0].message["Message-ID"]) if found else None

    def to(self, address: str) -> list[EmailMessage]:
        return [e.message for e in self.sent if str(e.message["To"]) == address]
