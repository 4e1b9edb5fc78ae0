"""The delivery report (交付报告): HTML → PDF, versioned, content-addressed, signable.

Contract for the signing pages (keep these names and signatures stable):

* `ReportService.render_if_changed(order_id) -> ReportVersion` renders the order's report if
  its data changed since the last version (new test results, a new check-in, ...) and returns
  the latest version: `ReportVersion(order_id, version, sha256, path, created_at)`. Versions
  count up from 1; only the latest can be signed.
* `ReportService.current_version(order_id) -> ReportVersion | None` never renders: the latest
  version if the order's data is unchanged since, else None (a render is due). Web requests
  use it; only workers render (`hub web` has no render pool). `recorded(order_id, version)`
  is a recorded version, latest or not.
* `ReportService.render_signed(report, *, signature_png, signer_name, audit, signed_at=None,
  latest_only=True) -> SignedReport`
  stamps the stored PDF of `report` (`hub.reports.stamp`): its pages unchanged, the signer,
  time and signature image laid over its signature block, then an audit page (`AuditEvent`s
  with UTC time, IP, user agent, and the SHA-256 of the viewed report); a report whose block
  cannot be located is rendered again whole from the same data. `signed_at` is the time
  printed (the acceptance of the signature), and `latest_only=False` skips the staleness
  checks below (the worker rendering a signature accepted while its version was the latest).
  Raises `StaleReport` if `report` is no longer the latest (or its data changed),
  `TamperedReport` if its stored file no longer matches its hash, `InvalidSignature` if the
  image is empty or not a PNG. Returns `SignedReport(order_id, version, sha256, path)`.
* `verify(pdf_bytes, expected_sha256) -> bool` compares in constant time.
* Both PDFs are stored content-addressed under `<data_dir>/reports/<sha[:2]>/<sha>.pdf`, so a
  SHA-256 alone locates a report (`ReportService.path_for(sha256)`).
* When a signature is recorded, publish `schemas.v1.ReportSigned(order_id, version,
  sha256_signed, channel)` through the outbox with the message id
  `hub.messaging.ids.stable_id("report-signed", order_id, version)` (at most 64 characters,
  the outbox id's width, whatever the order id's length); the close-out reacts to it: the
  signed PDF is re-hashed, the order completed, the PDF attached in the support system with
  报竣, the order archived, a copy e-mailed, and billing started once.

Rendering runs in a pool of worker processes (`HUB_REPORT_WORKERS`) with a time limit
(`HUB_REPORT_RENDER_TIMEOUT_S`, at most 20 s): a render past it is killed and raises
`ReportRenderFailed`. A worker gives its memory back after each render, and one whose render
peaked past `HUB_REPORT_WORKER_MAX_RSS_MB` (300) is replaced. WeasyPrint only ever sees HTML
from autoescaped templates and a URL fetcher that serves `data:` URLs and the packaged assets
and refuses everything else; every request is written to `ReportService.fetch_ledger`.
"""

from hub.reports.model import (
    AuditEvent,
    FetchRecord,
    InvalidSignature,
    ReportVersion,
    SignedReport,
    verify,
)
from hub.reports.service import ReportService

__all__ = [
    "AuditEvent",
    "FetchRecord",
    "InvalidSignature",
    "ReportService",
    "ReportVersion",
    "SignedReport",
    "verify",
]
