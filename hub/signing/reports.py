"""What signing needs from the report service (`hub.reports.ReportService` provides it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hub.reports import AuditEvent, ReportVersion, SignedReport


class ReportSource(Protocol):
    """The delivery report: its latest version, and a signed copy of one."""

    async def render_if_changed(self, order_id: str) -> ReportVersion:
        """The order's current report version (rendered first if its data changed)."""
        ...

    async def current_version(self, order_id: str) -> ReportVersion | None:
        """The latest version if still current, None if a render is due; never renders."""
        ...

    async def recorded(self, order_id: str, version: int) -> ReportVersion | None:
        """A recorded version, latest or not."""
        ...

    async def render_signed(
        self,
        report: ReportVersion,
        *,
        signature_png: bytes,
        signer_name: str,
        audit: list[AuditEvent],
        signed_at: datetime | None = None,
        latest_only: bool = True,
    ) -> SignedReport:
        """The report with the signature and an audit page, stored by its SHA-256."""
        ...
