"""Values of the report contract: versions, signed copies, audit events, fetch records."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.errors import DomainError
from hub.reports.stamp import SignatureLayout


class InvalidSignature(DomainError):
    """The signature image is empty, not a PNG, or unreasonably large."""


@dataclass(frozen=True, slots=True)
class ReportVersion:
    """One rendered version of an order's delivery report."""

    order_id: str
    version: int
    sha256: str
    path: Path
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SignedReport:
    """A signed copy of a report version (signature image + audit page)."""

    order_id: str
    version: int
    sha256: str
    path: Path


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One step of a signing, printed on the audit page (`at` is shown in UTC)."""

    kind: str
    at: datetime
    ip: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """A URL the renderer asked for, and whether the fetcher served it."""

    url: str
    allowed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class StampJob:
    """A render-pool job: render the signing layer and lay it over the report's PDF."""

    report_pdf: bytes
    layer_html: str
    layout: SignatureLayout


RenderJob = str | StampJob  # report HTML to render whole, or a report to stamp


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(pdf_bytes: bytes, expected_sha256: str) -> bool:
    """True if `pdf_bytes` hash to `expected_sha256` (constant-time comparison)."""
    return hmac.compare_digest(sha256_hex(pdf_bytes), expected_sha256.strip().lower())
