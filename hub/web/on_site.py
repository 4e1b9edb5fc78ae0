"""On-site fixes from the field app: fiber swap (同缆改纤), box change (更改光箱), return to
dispatch (退单), the reissue chain. Exception reports are in `hub.web.exception_reports`.

Writes run the same handlers as the AMQP consumers. A swap or box change is driven at once: the
answer is the reissued order (200), the inventory's refusal with its reason (409), or, while the
inventory is unreachable, the change still pending (202; the hub finishes it, see
`GET .../changes/{change_id}`). Repeat a request with the same `Idempotency-Key` safely.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from fastapi.responses import JSONResponse

from hub.domain.resource_change import ChangeCommand, ChangeState, ResourceChange
from hub.errors import NotFound, PermanentAdapterError, TransientAdapterError
from hub.handlers.resource_change import ResourceChangeService
from hub.queries.orders import OrderQueries, OrderWithLog
from hub.web.auth import AssignedOrder, TechnicianDep, authenticated_technician
from hub.web.deps import ChangesDep, CommandsDep, IdempotencyKeyHeader, InventoryDep, OrdersDep
from hub.web.idempotency import change_id_for, message_id_for
from hub.web.models import OrderState, Responses, ValidationProblem, problem_response
from hub.web.on_site_models import (
    BoxCandidates,
    BoxChangeRequest,
    ChainLink,
    ChangeView,
    FiberCandidates,
    FiberChoice,
    FiberSwapRequest,
    ReturnRequest,
    box_choices,
)
from schemas.v1 import ChangeOpticalBox, ReturnWorkOrder, SwapFiber

COMMON_ANSWERS: Responses = {
    **problem_response(401, "Missing or wrong field-app token"),
    422: {"model": ValidationProblem, "description": "The request did not validate"},
    **problem_response(503, "The resource inventory is unreachable; try again shortly"),
}
router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}",
    tags=["on-site"],
    dependencies=[Depends(authenticated_technician)],
    responses=COMMON_ANSWERS,
)
_NOT_YOURS = problem_response(404, "No such order assigned to this technician")
_ILLEGAL = problem_response(409, "The order's state does not allow this step")
_CHANGE_ANSWERS: Responses = {
    202: {"model": ChangeView, "description": "Pending: the inventory is unreachable for now"},
    409: {"model": ChangeView, "description": "Refused (or undone): `detail` says why"},
}
_STATUS = {
    ChangeState.REISSUED: status.HTTP_200_OK,
    ChangeState.REFUSED: status.HTTP_409_CONFLICT,
    ChangeState.COMPENSATED: status.HTTP_409_CONFLICT,
    ChangeState.REQUESTED: status.HTTP_202_ACCEPTED,
    ChangeState.COMPENSATING: status.HTTP_202_ACCEPTED,
}
ChangeIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$")]


@router.get(
    "/orders/{order_id}/fiber-candidates",
    summary="Fibers the technician may switch to (同缆改纤)",
    responses=_NOT_YOURS,
)
async def fiber_candidates(inventory: InventoryDep, order: AssignedOrder) -> FiberCandidates:
    """Only the free fibers of the order's own cable, from the inventory."""
    async with _inventory_errors():
        options = await inventory.fiber_options(order.order_id)
    current = options.current
    return FiberCandidates(
        order_id=order.order_id,
        cable_id=current.cable_id,
        current=FiberChoice(fiber_id=current.fiber_id, fiber_no=current.fiber_no),
        candidates=[FiberChoice(fiber_id=f.fiber_id, fiber_no=f.fiber_no) for f in options.free],
    )


@router.post(
    "/orders/{order_id}/fiber-swap",
    summary="Swap to another fiber of the same cable (同缆改纤)",
    response_model=ChangeView,
    responses=_NOT_YOURS | _CHANGE_ANSWERS,
)
async def swap_fiber(
    changes: ChangesDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: FiberSwapRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """The inventory validates and applies it; the order is archived and reissued to you."""
    cmd = SwapFiber(
        change_id=change_id_for(order.order_id, idempotency_key),
        order_id=order.order_id,
        technician_id=technician_id,
        fiber_id=body.fiber_id,
        fiber_no=body.fiber_no,
    )
    return await _run_change(changes, orders, cmd)


@router.get(
    "/orders/{order_id}/box-candidates",
    summary="Optical boxes with free ports near the address",
    responses=_NOT_YOURS,
)
async def box_candidates(inventory: InventoryDep, order: AssignedOrder) -> BoxCandidates:
    """What the inventory knows nearby; report the box you actually found usable on site."""
    async with _inventory_errors():
        options = await inventory.box_options(order)
    return BoxCandidates(
        order_id=order.order_id, current=options.current, boxes=box_choices(options.boxes)
    )


@router.post(
    "/orders/{order_id}/box-change",
    summary="Report the free box and port found on site (退单更改光箱号)",
    response_model=ChangeView,
    responses=_NOT_YOURS | _CHANGE_ANSWERS,
)
async def change_box(
    changes: ChangesDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: BoxChangeRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """The inventory checks and applies it; the corrected order is reissued to you at once."""
    cmd = ChangeOpticalBox(
        change_id=change_id_for(order.order_id, idempotency_key),
        order_id=order.order_id,
        technician_id=technician_id,
        box_id=body.box_id,
        port=body.port,
    )
    return await _run_change(changes, orders, cmd)


@router.post(
    "/orders/{order_id}/return",
    summary="Return the order to dispatch (退单)",
    responses=_NOT_YOURS | _ILLEGAL,
)
async def return_order(
    commands: CommandsDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: ReturnRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderState:
    """No usable resource on site: the order goes back to dispatch with your reason."""
    order_id = order.order_id
    cmd = ReturnWorkOrder(order_id=order_id, technician_id=technician_id, reason=body.reason)
    await commands.run(cmd, message_id=message_id_for(order_id, idempotency_key))
    returned = await orders.find(order_id)
    assert returned is not None
    return OrderState(order_id=order_id, status=returned.status)


@router.get("/changes/{change_id}", summary="Where a swap or box change stands")
async def get_change(
    changes: ChangesDep, orders: OrdersDep, technician_id: TechnicianDep, change_id: ChangeIdPath
) -> JSONResponse:
    """Poll a pending change (202 from the swap or box-change request)."""
    try:
        change = await changes.get(change_id)
    except NotFound:
        change = None
    if change is None or change.technician_id != technician_id:
        raise HTTPException(404, f"technician {technician_id} has no change {change_id}")
    return await _change_response(orders, change)


@router.get(
    "/orders/{order_id}/chain",
    summary="The order's reissue chain with every flow log (流水)",
    responses=_NOT_YOURS,
)
async def order_chain(orders: OrdersDep, order: AssignedOrder) -> list[ChainLink]:
    """From the first order to the latest reissue, each with its flow log."""
    return [_link(link) for link in await orders.chain(order)]


# --- helpers ----------------------------------------------------------------------------------


async def _run_change(
    changes: ResourceChangeService, orders: OrderQueries, cmd: ChangeCommand
) -> JSONResponse:
    async with _inventory_errors():
        change = await changes.request(cmd)
    return await _change_response(orders, change)


async def _change_response(orders: OrderQueries, change: ResourceChange) -> JSONResponse:
    new_order = None
    if change.state is ChangeState.REISSUED:
        new_order = await orders.find(change.new_order_id)
    view = ChangeView.of(change, new_order)
    return JSONResponse(view.model_dump(mode="json"), status_code=_STATUS[change.state])


def _link(link: OrderWithLog) -> ChainLink:
    order = link.order
    return ChainLink(
        order_id=order.order_id,
        status=order.status,
        reissued_from=order.reissued_from,
        reissued_as=order.reissued_as,
        resources=order.details.resources,
        flow_log=link.flow_log,
    )


@asynccontextmanager
async def _inventory_errors() -> AsyncIterator[None]:
    """The inventory's failures as answers the app can act on (refusals are outcomes)."""
    try:
        yield
    except TransientAdapterError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the resource inventory is unreachable; try again shortly",
            headers={"Retry-After": "5"},
        ) from exc
    except PermanentAdapterError as exc:
        if isinstance(exc, NotFound):
            raise
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"the resource inventory refused the request: {exc}"
        ) from exc
