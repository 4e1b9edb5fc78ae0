"""The resource inventory's REST contract served by the embedded stand-in.

The contract is written up in `docs/inventory-api.md`; `HttpResourceInventory` is its client.
Paths are relative, so the router can be mounted under any prefix (the stand-in app of `hub up`
uses `/standin/inventory`, on the loopback-only stand-in port). `PUT /_faults` is for tests and
demos only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.seed import SeedData
from adapters.standin_http import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    add_fault_routes,
    error_route_class,
    required_idempotency_key,
)
from adapters.standin_storage import StandinStorage
from hub.domain.resources import RefusalCode, ResourceState
from hub.errors import HubError, NotFound, ResourceRefused, TransientAdapterError
from schemas.v1 import Coordinates, ResourceAssignment
from schemas.v1.resources import FiberNo, PortNo, ResourceId

ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"

OrderIdPath = Annotated[str, Path(pattern=ID, description="Work-order number (工单号)")]
ResourceIdPath = Annotated[str, Path(pattern=ID, description="Cable id in the inventory")]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Client-chosen key; a repeated key gets the first answer, no second effect",
    ),
]


class Change(BaseModel):
    """Base of the change bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    new_order_id: str = Field(
        pattern=ID, description="The reissued order that takes the resources over"
    )


class FiberSwapRequest(Change):
    """Body of `POST /api/v1/orders/{order_id}/fiber-swap`."""

    fiber_id: ResourceId
    fiber_no: FiberNo


class BoxChangeRequest(Change):
    """Body of `POST /api/v1/orders/{order_id}/box-change`."""

    box_id: ResourceId
    port: PortNo


class AllocateRequest(BaseModel):
    """Body of `POST /api/v1/orders/{order_id}/assignment`: the install address's position."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class RevertRequest(BaseModel):
    """Body of `POST /api/v1/reverts`."""

    model_config = ConfigDict(extra="forbid")

    change_key: str = Field(min_length=1, max_length=IDEMPOTENCY_KEY_MAX_LENGTH)


class AppliedChangeBody(BaseModel):
    previous: ResourceAssignment
    current: ResourceAssignment


class FiberBody(BaseModel):
    fiber_id: str
    fiber_no: int
    state: ResourceState


class CableFibers(BaseModel):
    cable_id: str
    fibers: list[FiberBody]


class PortBody(BaseModel):
    port: int
    state: ResourceState


class BoxBody(BaseModel):
    box_id: str
    name: str
    address: str
    lat: float
    lon: float
    cable_id: str
    ports: list[PortBody]


def inventory_router(inventory: EmbeddedInventory) -> APIRouter:
    """The REST contract of the resource inventory, backed by `inventory`."""
    router = APIRouter(route_class=error_route_class(_error_response))
    _add_read_routes(router, inventory)
    _add_change_routes(router, inventory)
    add_fault_routes(router, inventory)
    return router


def create_inventory_app(storage: StandinStorage, *, seed: SeedData | None = None) -> FastAPI:
    """An app serving only the stand-in; the caller owns (and disposes) `storage`."""
    inventory = EmbeddedInventory(storage, seed=seed)
    app = FastAPI(title="Resource inventory stand-in (综资)", version="1")
    app.include_router(inventory_router(inventory))
    app.state.inventory = inventory
    return app


def _add_read_routes(router: APIRouter, inventory: EmbeddedInventory) -> None:
    @router.get("/api/v1/orders/{order_id}/assignment", tags=["assignments"])
    async def get_assignment(order_id: OrderIdPath) -> ResourceAssignment:
        """The order's current resources."""
        return await inventory.assignment(order_id)

    @router.get("/api/v1/cables/{cable_id}/fibers", tags=["cables"])
    async def get_fibers(
        cable_id: ResourceIdPath,
        state: Annotated[
            ResourceState | None, Query(description="Only fibers in this state")
        ] = None,
    ) -> CableFibers:
        """The fibers of a cable by number."""
        found = await inventory.fibers(cable_id, state=state)
        return CableFibers(
            cable_id=cable_id,
            fibers=[
                FiberBody(fiber_id=f.fiber_id, fiber_no=f.fiber_no, state=f.state) for f in found
            ],
        )

    @router.get("/api/v1/boxes", tags=["boxes"])
    async def boxes_near(
        lat: Annotated[float, Query(ge=-90, le=90)],
        lon: Annotated[float, Query(ge=-180, le=180)],
        limit: Annotated[int, Query(ge=1, le=50)] = 5,
    ) -> list[BoxBody]:
        """The optical boxes nearest to a position, with their ports."""
        found = await inventory.boxes_near(Coordinates(lat=lat, lon=lon), limit=limit)
        return [
            BoxBody(
                box_id=b.box_id,
                name=b.name,
                address=b.address,
                lat=b.lat,
                lon=b.lon,
                cable_id=b.cable_id,
                ports=[PortBody(port=p.port, state=p.state) for p in b.ports],
            )
            for b in found
        ]


def _add_change_routes(router: APIRouter, inventory: EmbeddedInventory) -> None:
    @router.post("/api/v1/orders/{order_id}/assignment", tags=["assignments"])
    async def allocate(
        order_id: OrderIdPath, body: AllocateRequest, idempotency_key: IdempotencyKeyHeader = None
    ) -> ResourceAssignment:
        """Assign a free fiber and box port near the position to a new order."""
        near = Coordinates(lat=body.lat, lon=body.lon)
        return await inventory.allocate(
            order_id, near=near, idempotency_key=required_idempotency_key(idempotency_key)
        )

    @router.post("/api/v1/orders/{order_id}/fiber-swap", tags=["changes"])
    async def swap_fiber(
        order_id: OrderIdPath, body: FiberSwapRequest, idempotency_key: IdempotencyKeyHeader = None
    ) -> AppliedChangeBody:
        """Same-cable fiber swap (同缆改纤); the resources move to `new_order_id`."""
        done = await inventory.swap_fiber(
            order_id,
            fiber_id=body.fiber_id,
            fiber_no=body.fiber_no,
            new_order_id=body.new_order_id,
            idempotency_key=required_idempotency_key(idempotency_key),
        )
        return AppliedChangeBody(previous=done.previous, current=done.current)

    @router.post("/api/v1/orders/{order_id}/box-change", tags=["changes"])
    async def change_box(
        order_id: OrderIdPath, body: BoxChangeRequest, idempotency_key: IdempotencyKeyHeader = None
    ) -> AppliedChangeBody:
        """Optical-box change (更改光箱); the resources move to `new_order_id`."""
        done = await inventory.change_box(
            order_id,
            box_id=body.box_id,
            port=body.port,
            new_order_id=body.new_order_id,
            idempotency_key=required_idempotency_key(idempotency_key),
        )
        return AppliedChangeBody(previous=done.previous, current=done.current)

    @router.post("/api/v1/reverts", tags=["changes"])
    async def revert(body: RevertRequest, idempotency_key: IdempotencyKeyHeader = None) -> Response:
        """Undo the change applied under `change_key` (compensation); nothing to undo is fine."""
        await inventory.revert(
            body.change_key, idempotency_key=required_idempotency_key(idempotency_key)
        )
        return Response(status_code=204)


def _error_response(exc: HubError) -> Response:
    if isinstance(exc, ResourceRefused):
        status = 422 if exc.code == RefusalCode.KEY_REUSED else 409
        return JSONResponse({"detail": exc.reason, "code": exc.code}, status_code=status)
    if isinstance(exc, TransientAdapterError):
        return JSONResponse({"detail": str(exc)}, status_code=503)
    if isinstance(exc, NotFound):
        return JSONResponse({"detail": str(exc)}, status_code=404)
    raise exc
