"""The flow-log entry (流水) every step of a work order writes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field

from schemas.v1.common import Contract, OrderId


class FlowStep(StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    CHECKED_IN = "checked_in"
    CHECK_IN_OVERDUE = "check_in_overdue"
    COMPLETED = "completed"
    ARCHIVED = "archived"
    REISSUED = "reissued"
    RETURNED = "returned"
    EXCEPTION_REPORTED = "exception_reported"
    EXCEPTION_RESOLVED = "exception_resolved"
    PING_TEST = "ping_test"
    SPEED_TEST = "speed_test"
    REPORT_SIGNED = "report_signed"
    BILLING_STARTED = "billing_started"
    SMS_WITHHELD = "sms_withheld"
    APPOINTMENT_BOOKED = "appointment_booked"
    ACCEPTED = "accepted"
    ACCEPTANCE_OVERDUE = "acceptance_overdue"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    CUSTOMER_CONFIRMED = "customer_confirmed"
    ON_THE_WAY = "on_the_way"
    RESCHEDULE_REQUESTED = "reschedule_requested"


class FlowLogEntry(Contract):
    """One line of a work order's flow log."""

    order_id: OrderId
    seq: int = Field(ge=1, description="Position in the order's log: 1, 2, 3...")
    at: AwareDatetime = Field(description="When the step happened (UTC)")
    step: FlowStep
    actor: str = Field(max_length=100, description="Who did it: a technician id, system, ...")
    summary: str = Field(max_length=500, description="One readable line (Simplified Chinese)")
    details: dict[str, Any] = Field(default_factory=dict, description="Step data, no PII")
