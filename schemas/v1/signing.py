"""Signing contracts: send a signing link by SMS, remind the customer (a durable timer), and
render the signed report behind an accepted signature.

The signature itself is announced by `ReportSigned` (schemas.v1.delivery), once the signed PDF
is stored.
"""

from __future__ import annotations

from pydantic import Field

from schemas.v1.common import Contract, OrderId
from schemas.v1.delivery import Sha256


class SendSigningLink(Contract):
    """Text the order's contact a link to sign the latest delivery report remotely.

    Sent once per (order, report version); `reissue` sends a fresh link and revokes the old.
    """

    order_id: OrderId
    reissue: bool = Field(
        default=False, description="Revoke the current link and send a new one (same version)"
    )


class RemindSigner(Contract):
    """Remind the customer by SMS that a signing link is waiting (fired by a durable timer)."""

    order_id: OrderId
    link_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The signing link to remind of")
    reminder_no: int = Field(ge=1, le=10, description="1 for the first reminder, 2 for the next")


class RenderSignedReport(Contract):
    """Render the signed PDF of a signature the hub accepted, then record it (`ReportSigned`).

    Queued through the outbox in the transaction that claimed the order's one signature, so a
    crash between accepting the signature and rendering loses nothing: the render is retried
    until the signed PDF is stored. A repeat for a signature already recorded does nothing.
    """

    order_id: OrderId
    claim_id: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="The claim on the order's signature it completes"
    )
    signature_sha256: Sha256 = Field(
        description="SHA-256 of the drawn signature (a re-encoded PNG in the data dir)"
    )
