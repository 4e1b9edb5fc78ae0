"""What the storage ports hand back: plain records of the hub's bookkeeping.

The domain's own types (`WorkOrder`, `ResourceChange`, `SigningLink`, ...) live in
`hub.domain`; these records are the service layer's: attempts at side effects, stored test
results, report versions, signatures, audit lines and timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from schemas.v1 import (
    PingMeasurement,
    ResultKind,
    SpeedMeasurement,
    Thresholds,
    Verdict,
)


class EffectState(StrEnum):
    """Where one external side effect (an SMS, an e-mail, a billing start) stands."""

    PENDING = "pending"  # an attempt started; its outcome is not recorded yet
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EffectRecord:
    """One side effect by its business key: its state, attempts, lease and result."""

    key: str
    state: EffectState
    attempts: int
    lease_until: datetime | None
    result: str | None  # provider message id / billing reference
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One stored ping or speed test with the thresholds it was judged against."""

    order_id: str
    test_id: str
    kind: ResultKind
    seq: int
    technician_id: str
    measured_at: datetime
    measurement: PingMeasurement | SpeedMeasurement
    thresholds: Thresholds
    verdict: Verdict
    screenshots: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class ScreenshotRecord:
    """An uploaded picture, stored content-addressed in the data dir."""

    order_id: str
    sha256: str
    content_type: str
    size_bytes: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One rendered version of an order's delivery report."""

    order_id: str
    version: int
    data_hash: str
    sha256: str
    lang: str
    data: dict[str, Any]
    size_bytes: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of a signing's audit trail."""

    kind: str
    at: datetime
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]
    link_id: str | None = None


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """The order's signature (or a claim on it while the signed PDF is rendered)."""

    order_id: str
    status: str
    channel: str
    report_version: int
    report_sha256: str
    signed_sha256: str | None
    signed_path: str | None
    signer_name: str | None
    signed_at: datetime | None
    link_id: str | None
    claim_id: str | None = None  # the claim a `RenderSignedReport` completes


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Timer:
    """A scheduled message."""

    id: str
    kind: str
    order_id: str | None
    due_at: datetime
    status: TimerStatus
    message: BaseModel
    fired_at: datetime | None


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Messages waiting in a broker queue and the processes consuming it."""

    messages: int
    consumers: int


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a list: at most `limit` items, after skipping `offset`."""

    limit: int = 100
    offset: int = 0


FIRST_PAGE = Page()
