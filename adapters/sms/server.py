"""The local SMS platform's REST API: what it "delivered" to a number, as that phone shows it.

Served on the stand-in port only (`adapters/standin_app.py`), never on the hub's public app: the
texts hold signing links and codes. A simulated customer's phone reads its texts here, through
the provider's own interface, not through the hub's tables.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from adapters.sms.local_platform import MAX_LISTED, LocalSmsPlatform

E164 = r"^\+[1-9][0-9]{6,14}$"


class Text(BaseModel):
    """One text as the platform delivered it."""

    number: int = Field(description="Position in the platform's stream; later texts are higher")
    message_id: str = Field(description="The platform's id of the message")
    reference: str = Field(description="The sender's id for the text (the hub's SMS id)")
    to: str = Field(description="The number it was delivered to (E.164)")
    body: str
    sent_at: AwareDatetime


class Texts(BaseModel):
    """Texts delivered, oldest first; ask again with `after` = the last `number` for more."""

    texts: list[Text]


def sms_platform_router(platform: LocalSmsPlatform) -> APIRouter:
    """`GET /messages?to=...&since=...`, backed by `platform`."""
    router = APIRouter()

    @router.get("/messages", response_model=Texts, tags=["sms platform"])
    async def messages(
        to: Annotated[
            str | None, Query(pattern=E164, description="Only texts to this number (E.164)")
        ] = None,
        since: Annotated[
            AwareDatetime | None, Query(description="Only texts sent at or after this time")
        ] = None,
        after: Annotated[int, Query(ge=0, description="Only texts numbered above this")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
    ) -> Texts:
        """The texts a number received (all texts without `to`), oldest first, `limit` at most."""
        found = await platform.delivered(to=to, since=since, after=after, limit=limit)
        return Texts(
            texts=[
                Text(
                    number=t.number,
                    message_id=t.message_id,
                    reference=t.reference,
                    to=t.to,
                    body=t.body,
                    sent_at=t.sent_at,
                )
                for t in found
            ]
        )

    return router
