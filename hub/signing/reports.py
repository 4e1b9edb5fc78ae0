"""What signing needs from the report service (`hub.reports.ReportService` provides it)."""

from __future__ import annotations

from typing import Protocol

from hub.reports import AuditEvent, ReportVersion, SignedReport


class ReportSource(Protocol):
    """The delivery report: its latest version, and a signed copy of one."""

    async def render_if_changed(self, order_id: str) -> ReportVersion:
        """The order's current report version (rendered first if its data changed)."""
        ...

    async def render_signed(
        self,
        report: ReportVersion,
        *,
        signature_png: bytes,
        signer_name: str,
        audit: list[AuditEvent],
    ) -> SignedReport:
        """The report with the signature and an audit page, stored by its SHA-256."""
        ...
