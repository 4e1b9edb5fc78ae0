"""Signing contracts: send a signing link by SMS, remind the customer (a durable timer).

The signature itself is announced by `ReportSigned` (schemas.v1.delivery).
"""

from __future__ import annotations

from pydantic import Field

from schemas.v1.common import Contract, OrderId


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
