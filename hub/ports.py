"""Ports: what the hub needs from each external system, as Protocols.

Adapters implement them; only `hub/bootstrap.py` chooses which. Every adapter maps the foreign
errors of its library to `TransientAdapterError` / `PermanentAdapterError` (see `hub.errors`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from schemas.v1 import FlowLogEntry


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

    async def archive(self, order_id: str, *, idempotency_key: str) -> None:
        """Mark the order archived (归档)."""
        ...
