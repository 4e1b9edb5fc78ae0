"""FastAPI dependencies: the Hub from app state and the typed path and header parameters."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Header, Path, Request

from hub.bootstrap import Hub
from hub.config import Settings

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def get_hub(request: Request) -> Hub:
    """The Hub this app was created with (kept in `app.state`, never imported globally)."""
    return cast(Hub, request.app.state.hub)


def get_settings(hub: Annotated[Hub, Depends(get_hub)]) -> Settings:
    return hub.settings


HubDep = Annotated[Hub, Depends(get_hub)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

OrderIdPath = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="Work-order number assigned by the customer-support system (客保)",
        examples=["WO-20240601-0001"],
    ),
]
TechnicianIdPath = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="Staff id of the field technician (装维人员)",
        examples=["T001"],
    ),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description=(
            "Makes a retried request safe: a second request with the same key (for the same "
            "order and step) changes nothing and answers with the order's current state. "
            "Use a fresh UUID per user action."
        ),
    ),
]
