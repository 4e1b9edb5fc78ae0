"""The billing system's REST contract served by the embedded stand-in (`docs/billing-api.md`).

Paths are relative, so the router can be mounted under any prefix (the stand-in app of `hub up`
uses `/standin/billing`, on the loopback-only stand-in port). `PUT /_faults` is for tests and
demos only.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from adapters.billing.embedded import EmbeddedBilling
from adapters.standin_http import required_idempotency_key
from adapters.standin_storage import StandinStorage
from hub.errors import TransientAdapterError


class StartRequest(BaseModel):
    """Body of `POST /api/v1/billing/starts`."""

    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Order")
    product: str = Field(min_length=1, max_length=200, description="Product as ordered")
    bandwidth_mbps: int = Field(gt=0, le=400_000, description="Ordered bandwidth, Mbit/s")
    report_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the signed delivery report"
    )


class BillingStart(BaseModel):
    """A started subscription (起租)."""

    reference: str = Field(description="The billing system's reference")
    order_id: str
    idempotency_key: str
    product: str
    bandwidth_mbps: int
    report_sha256: str
    started_at: AwareDatetime


class BillingStarts(BaseModel):
    starts: list[BillingStart]


class Faults(BaseModel):
    """Injected faults; a PUT replaces all of them."""

    model_config = ConfigDict(extra="forbid")

    unavailable: bool = Field(default=False, description="Answer 503 to every call")
    fail_next: int = Field(default=0, ge=0, description="Answer 503 to the next N calls")
    delay_ms: int = Field(default=0, ge=0, le=60_000, description="Sleep before each call")
    lose_next_answers: int = Field(
        default=0, ge=0, description="Apply the next N starts, then answer 503 (a lost answer)"
    )


class _StandInRoute(APIRoute):
    """Answers injected failures with 503, as a failing real system would."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except TransientAdapterError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=503)

        return handle


def billing_router(billing: EmbeddedBilling) -> APIRouter:
    """The REST contract of the billing system, backed by `billing`."""
    router = APIRouter(route_class=_StandInRoute)

    @router.post("/api/v1/billing/starts", response_model=BillingStart, tags=["billing"])
    async def start(
        body: StartRequest,
        response: Response,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> dict[str, Any]:
        """Start billing (起租); a repeated Idempotency-Key answers 200 with the first start."""
        key = required_idempotency_key(idempotency_key)
        existed = await billing.find(key)
        await billing.start(
            body.order_id,
            product=body.product,
            bandwidth_mbps=body.bandwidth_mbps,
            report_sha256=body.report_sha256,
            idempotency_key=key,
        )
        found = await billing.find(key)
        assert found is not None
        response.status_code = 200 if existed else 201
        return found

    @router.get("/api/v1/billing/starts", response_model=BillingStarts, tags=["billing"])
    async def starts(
        idempotency_key: Annotated[str | None, Query(max_length=128)] = None,
        order_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        """Starts made under a key (lookup for reconciliation), or of an order, or all."""
        if idempotency_key is not None:
            await billing.lookup(idempotency_key=idempotency_key)
            found = await billing.find(idempotency_key)
            return {"starts": [found] if found else []}
        return {"starts": await billing.starts(order_id=order_id)}

    @router.put("/_faults", response_model=Faults, tags=["faults (test only)"])
    async def set_faults(faults: Faults) -> Faults:
        """Inject faults."""
        billing.unavailable = faults.unavailable
        billing.fail_next = faults.fail_next
        billing.delay_ms = faults.delay_ms
        billing.lose_next_answers = faults.lose_next_answers
        return faults

    return router


def create_billing_app(storage: StandinStorage) -> FastAPI:
    """An app serving only the billing stand-in; the caller owns (and disposes) `storage`."""
    billing = EmbeddedBilling(storage)
    app = FastAPI(title="Billing system stand-in (计费)", version="1")
    app.include_router(billing_router(billing))
    app.state.billing = billing
    return app
