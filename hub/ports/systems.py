"""Ports: what the hub needs from each external system, as Protocols.

Adapters implement them; only `hub/bootstrap.py` chooses which. Every adapter maps the foreign
errors of its library to `TransientAdapterError` / `PermanentAdapterError` (see `hub.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

from hub.domain.resources import AppliedChange, Fiber, OpticalBox, ResourceState
from schemas.v1 import Coordinates, FlowLogEntry, ResourceAssignment


class SmsSender(Protocol):
    """An SMS platform."""

    name: str

    async def send(self, *, sms_id: str, to: str, body: str) -> str:
        """Hand one SMS to the platform; returns the platform's message id."""
        ...

    async def lookup(self, *, sms_id: str, to: str, body: str, since: datetime) -> str | None:
        """The platform's id of an SMS already sent for `sms_id`, if any (reconciliation)."""
        ...


class WorkOrderSystem(Protocol):
    """The customer-support / work-order system (客保), the system of record for orders."""

    async def upsert_order(self, order_id: str, *, status: str, payload: dict[str, Any]) -> None:
        """Create or update the order's record and status."""
        ...

    async def append_flow_log(self, entry: FlowLogEntry, *, idempotency_key: str) -> None:
        """Add one flow-log line to the order; a repeated key is accepted without effect."""
        ...

    async def append_flow_logs(self, lines: Sequence[tuple[FlowLogEntry, str]]) -> None:
        """Add several lines (each with its idempotency key) at once; all or none on failure
        (a retry is safe: repeated keys have no effect)."""
        ...

    async def archive(self, order_id: str, *, idempotency_key: str) -> None:
        """Mark the order archived (归档)."""
        ...

    async def attach_report(
        self, order_id: str, *, pdf: bytes, sha256: str, idempotency_key: str
    ) -> None:
        """Attach the signed delivery report (PDF) to the order; a repeated key adds nothing."""
        ...

    async def report_completion(self, order_id: str, *, idempotency_key: str) -> None:
        """Report the order completed (报竣)."""
        ...


class Mailer(Protocol):
    """An outgoing mail server (SMTP), or the `log` stand-in."""

    name: str

    async def send(self, message: EmailMessage, *, email_id: str) -> str:
        """Hand one message to the server; returns its Message-ID."""
        ...

    async def lookup(self, *, email_id: str) -> str | None:
        """The Message-ID of a message already handed over for `email_id`, if knowable."""
        ...


class Billing(Protocol):
    """The billing system (计费/起租)."""

    async def start(
        self,
        order_id: str,
        *,
        product: str,
        bandwidth_mbps: int,
        report_sha256: str,
        idempotency_key: str,
    ) -> str:
        """Start billing for the order; returns the billing reference (a repeated key returns
        the first reference and starts nothing)."""
        ...

    async def lookup(self, *, idempotency_key: str) -> str | None:
        """The reference of a start already made under this key, if any (reconciliation)."""
        ...


class ResourceInventory(Protocol):
    """The resource inventory (综资): system of record for cables, boxes and assignments.

    Changes carry an idempotency key: a repeated key returns the first answer (the same
    assignment, or the same refusal) and changes nothing. A refusal is `ResourceRefused`.
    """

    async def assignment(self, order_id: str) -> ResourceAssignment:
        """The order's current resources; `UnknownRemoteRecord` if it has none."""
        ...

    async def fibers(self, cable_id: str, *, state: ResourceState | None = None) -> list[Fiber]:
        """The fibers of a cable by number, optionally only those in `state`."""
        ...

    async def boxes_near(self, near: Coordinates, *, limit: int = 5) -> list[OpticalBox]:
        """The optical boxes nearest to a position, with their ports."""
        ...

    async def allocate(
        self, order_id: str, *, near: Coordinates, idempotency_key: str
    ) -> ResourceAssignment:
        """Assign a free fiber and box port near the address to a new order."""
        ...

    async def swap_fiber(
        self,
        order_id: str,
        *,
        fiber_id: str,
        fiber_no: int,
        new_order_id: str,
        idempotency_key: str,
    ) -> AppliedChange:
        """Move the order to another free fiber of its cable; the assignment moves to
        `new_order_id` (the reissued order) and the old fiber is marked faulty."""
        ...

    async def change_box(
        self, order_id: str, *, box_id: str, port: int, new_order_id: str, idempotency_key: str
    ) -> AppliedChange:
        """Move the order to a free port of an optical box, as `new_order_id`; the old port
        is marked faulty."""
        ...

    async def revert(self, change_key: str, *, idempotency_key: str) -> None:
        """Undo the change applied under `change_key` (compensation); no-op if none applied."""
        ...
