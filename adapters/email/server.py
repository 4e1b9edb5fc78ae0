"""The local mailbox's REST API: the messages an address received (subject and attachment hash).

Served on the stand-in port only (`adapters/standin_app.py`), never on the hub's public app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from adapters.email.local_mailbox import MAX_LISTED, LocalMailbox


class Mail(BaseModel):
    """One message in the mailbox."""

    message_id: str
    to: str
    subject: str
    attachment_sha256: str | None = Field(description="SHA-256 of the attached report, if any")
    sent_at: AwareDatetime


class Mailbox(BaseModel):
    """The messages an address received, oldest first."""

    to: str
    messages: list[Mail]


def mailbox_router(mailbox: LocalMailbox) -> APIRouter:
    """`GET /messages?to=...`, backed by `mailbox`."""
    router = APIRouter()

    @router.get("/messages", response_model=Mailbox, tags=["mailbox"])
    async def messages(
        to: Annotated[str, Query(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")],
        limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
    ) -> Mailbox:
        """The newest messages handed over for `to` (at most `limit`), oldest first."""
        found = await mailbox.received_by(to, limit=limit)
        return Mailbox(
            to=to,
            messages=[
                Mail(
                    message_id=m.message_id,
                    to=m.to,
                    subject=m.subject,
                    attachment_sha256=m.attachment_sha256,
                    sent_at=m.sent_at,
                )
                for m in found
            ],
        )

    return router
