"""The work-order system's REST contract served by the embedded stand-in.

The contract is written up in `docs/support-system-api.md`; `HttpWorkOrderSystem` is its client.
Paths are relative, so the router can be mounted under any prefix (the stand-in app of `hub up`
uses `/standin/support`, on the loopback-only stand-in port). `PUT /_faults` is for tests and
demos only.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from adapters.standin_http import (
    add_fault_routes,
    error_route_class,
    required_idempotency_key,
)
from adapters.standin_storage import StandinStorage
from adapters.support.embedded import AttachmentRefused, EmbeddedWorkOrderSystem, UnknownOrder
from hub.errors import (
    DomainError,
    HubError,
    InvalidMessage,
    NotFound,
    PermanentAdapterError,
    TransientAdapterError,
)
from schemas.v1 import FlowLogEntry

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

OrderIdPath = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",  # as `schemas.v1.common.OrderId`
        description="Work-order number (工单号)",
    ),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Client-chosen key; a repeated key is accepted without a second effect",
    ),
]

# Most specific first: the first match decides the status code.
_STATUS_BY_ERROR: tuple[tuple[type[HubError], int], ...] = (
    (TransientAdapterError, 503),
    (UnknownOrder, 404),
    (AttachmentRefused, 422),
    (NotFound, 404),
    (PermanentAdapterError, 409),
    (DomainError, 409),
    (InvalidMessage, 422),
)


class OrderUpsert(BaseModel):
    """Body of `PUT /api/v1/orders/{order_id}`."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(min_length=1, max_length=20, description="The order's status")
    payload: dict[str, Any] = Field(description="The order's data as the hub knows it")


class SupportOrder(BaseModel):
    """An order as the work-order system keeps it."""

    order_id: str
    status: str
    payload: dict[str, Any]
    archived_at: AwareDatetime | None = Field(description="When it was archived (归档), if so")


class FlowLog(BaseModel):
    """An order's flow log (流水), ordered by `seq`."""

    order_id: str
    entries: list[FlowLogEntry]


def support_system_router(system: EmbeddedWorkOrderSystem) -> APIRouter:
    """The REST contract of the work-order system, backed by `system`."""
    router = APIRouter(route_class=error_route_class(_error_response))
    _add_order_routes(router, system)
    _add_flow_log_routes(router, system)
    _add_delivery_routes(router, system)
    add_fault_routes(router, system)
    return router


def create_support_app(storage: StandinStorage) -> FastAPI:
    """An app serving only the stand-in; the caller owns (and disposes) `storage`."""
    system = EmbeddedWorkOrderSystem(storage)
    app = FastAPI(title="Work-order system stand-in (客保)", version="1")
    app.include_router(support_system_router(system))
    app.state.support_system = system
    return app


def _add_order_routes(router: APIRouter, system: EmbeddedWorkOrderSystem) -> None:
    @router.put("/api/v1/orders/{order_id}", response_model=SupportOrder, tags=["orders"])
    async def upsert_order(order_id: OrderIdPath, body: OrderUpsert) -> dict[str, Any]:
        """Create or update an order."""
        await system.upsert_order(order_id, status=body.status, payload=body.payload)
        return await system.get_order(order_id)

    @router.get("/api/v1/orders/{order_id}", response_model=SupportOrder, tags=["orders"])
    async def get_order(order_id: OrderIdPath) -> dict[str, Any]:
        """Read an order."""
        return await system.get_order(order_id)

    @router.post("/api/v1/orders/{order_id}/archive", response_model=SupportOrder, tags=["orders"])
    async def archive(
        order_id: OrderIdPath, idempotency_key: IdempotencyKeyHeader = None
    ) -> dict[str, Any]:
        """Archive (归档) an order; archiving an archived order changes nothing."""
        await system.archive(order_id, idempotency_key=required_idempotency_key(idempotency_key))
        return await system.get_order(order_id)


def _add_flow_log_routes(router: APIRouter, system: EmbeddedWorkOrderSystem) -> None:
    @router.post("/api/v1/orders/{order_id}/flow-log", status_code=204, tags=["flow log"])
    async def append_flow_log(
        order_id: OrderIdPath, entry: FlowLogEntry, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response:
        """Append one flow-log entry; a repeated Idempotency-Key is accepted without effect."""
        key = required_idempotency_key(idempotency_key)
        if entry.order_id != order_id:
            raise HTTPException(
                422, f"body order_id {entry.order_id!r} does not match the path's {order_id!r}"
            )
        await system.append_flow_log(entry, idempotency_key=key)
        return Response(status_code=204)

    @router.get("/api/v1/orders/{order_id}/flow-log", response_model=FlowLog, tags=["flow log"])
    async def flow_log(order_id: OrderIdPath) -> dict[str, Any]:
        """The order's flow log, ordered by seq (empty for an unknown order)."""
        return {"order_id": order_id, "entries": await system.flow_log(order_id)}


class Attachment(BaseModel):
    """A file attached to an order (the signed delivery report)."""

    filename: str
    sha256: str = Field(description="SHA-256 of the file, 64 lowercase hex digits")
    size_bytes: int
    received_at: AwareDatetime


def _add_delivery_routes(router: APIRouter, system: EmbeddedWorkOrderSystem) -> None:
    @router.post(
        "/api/v1/orders/{order_id}/attachments",
        status_code=201,
        response_model=list[Attachment],
        tags=["delivery"],
    )
    async def attach_report(
        order_id: OrderIdPath,
        request: Request,
        idempotency_key: IdempotencyKeyHeader = None,
        content_sha256: Annotated[
            str | None,
            Header(alias="Content-SHA256", description="SHA-256 of the body, lowercase hex"),
        ] = None,
    ) -> list[dict[str, Any]]:
        """Attach a PDF (the body, `application/pdf`); a repeated Idempotency-Key adds nothing."""
        key = required_idempotency_key(idempotency_key)
        if request.headers.get("content-type", "").split(";")[0] != "application/pdf":
            raise HTTPException(415, "the attachment must be sent as application/pdf")
        if not content_sha256 or not SHA256_HEX.match(content_sha256):
            raise HTTPException(400, "the Content-SHA256 header (64 hex digits) is required")
        pdf = await request.body()
        await system.attach_report(order_id, pdf=pdf, sha256=content_sha256, idempotency_key=key)
        return await system.attachments(order_id)

    @router.get(
        "/api/v1/orders/{order_id}/attachments",
        response_model=list[Attachment],
        tags=["delivery"],
    )
    async def attachments(order_id: OrderIdPath) -> list[dict[str, Any]]:
        """The order's attachments, oldest first (empty for an unknown order)."""
        return await system.attachments(order_id)

    @router.post(
        "/api/v1/orders/{order_id}/completion", response_model=SupportOrder, tags=["delivery"]
    )
    async def report_completion(
        order_id: OrderIdPath, idempotency_key: IdempotencyKeyHeader = None
    ) -> dict[str, Any]:
        """Report the order completed (报竣); an archived order stays archived."""
        await system.report_completion(
            order_id, idempotency_key=required_idempotency_key(idempotency_key)
        )
        return await system.get_order(order_id)


def _error_response(exc: HubError) -> Response:
    for error_type, status_code in _STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return JSONResponse({"detail": str(exc)}, status_code=status_code)
    raise exc
