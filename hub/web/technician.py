"""The field app's gateway: a technician's orders, check-in and completion (i运维 App)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.domain.work_order import Status, WorkOrder
from hub.errors import IllegalTransition
from hub.web.auth import AssignedOrder, TechnicianDep, authenticated_technician
from hub.web.deps import CommandsDep, IdempotencyKeyHeader, OrdersDep, PageQuery, SettingsDep
from hub.web.idempotency import message_id_for
from hub.web.models import (
    CheckInRequest,
    CheckInResult,
    CompleteRequest,
    OrderDetail,
    OrderState,
    OrderSummary,
    ValidationProblem,
    problem_response,
)
from schemas.v1 import CheckIn, CompleteWorkOrder

router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}",
    tags=["technician"],
    dependencies=[Depends(authenticated_technician)],
    responses={
        **problem_response(401, "Missing or wrong field-app token"),
        422: {"model": ValidationProblem, "description": "The request did not validate"},
    },
)
_NOT_YOURS = problem_response(404, "No such order assigned to this technician")
_ILLEGAL = problem_response(409, "The order's state does not allow this step")

OPEN_STATUSES = tuple(s for s in Status if s is not Status.ARCHIVED)


@router.get("/orders", summary="List the technician's orders")
async def list_orders(
    orders: OrdersDep,
    technician_id: TechnicianDep,
    page: PageQuery,
    status_filter: Annotated[
        list[Status] | None,
        Query(
            alias="status", description="Only these statuses (repeatable); default: not archived"
        ),
    ] = None,
) -> list[OrderSummary]:
    """Orders currently dispatched to this technician, earliest appointment first."""
    statuses = status_filter or OPEN_STATUSES
    found = await orders.for_technician(technician_id, statuses=statuses, page=page)
    return [OrderSummary.of(order) for order in found]


@router.get("/orders/{order_id}", summary="One order with its flow log", responses=_NOT_YOURS)
async def get_order(orders: OrdersDep, order: AssignedOrder) -> OrderDetail:
    """The order, its contacts and every step so far (流水)."""
    found = await orders.with_flow_log(order.order_id)
    assert found is not None  # orders are never deleted
    return OrderDetail.of_order(found.order, found.flow_log)


@router.post(
    "/orders/{order_id}/check-in",
    summary="Check in on site (签到)",
    responses=_NOT_YOURS | _ILLEGAL,
)
async def check_in(
    commands: CommandsDep,
    orders: OrdersDep,
    settings: SettingsDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: CheckInRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CheckInResult:
    """Record the arrival with the phone's GPS position; answers how far from the address it is.

    A check-in outside the configured radius is accepted but flagged (`within_radius: false`).
    """
    order_id = order.order_id
    command = CheckIn(
        order_id=order_id, technician_id=technician_id, position=body.position, at=body.at
    )
    await commands.run(command, message_id=message_id_for(order_id, idempotency_key))
    order = await _current(orders, order_id)
    record = order.check_in
    if record is None:  # the key was used before for a step that was not a check-in
        raise IllegalTransition(f"order {order_id} has no check-in for this Idempotency-Key")
    return CheckInResult(
        order_id=order_id,
        status=order.status,
        distance_m=record.distance_m,
        within_radius=record.within_radius,
        radius_m=settings.check_in_radius_m,
        checked_in_at=record.at,
    )


@router.post(
    "/orders/{order_id}/complete",
    summary="Report the installation done (竣工)",
    responses=_NOT_YOURS | _ILLEGAL,
)
async def complete(
    commands: CommandsDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: CompleteRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderState:
    """Only after a check-in; the support system then archives the order."""
    order_id = order.order_id
    command = CompleteWorkOrder(order_id=order_id, technician_id=technician_id, note=body.note)
    await commands.run(command, message_id=message_id_for(order_id, idempotency_key))
    order = await _current(orders, order_id)
    return OrderState(order_id=order_id, status=order.status)


async def _current(orders: OrdersDep, order_id: str) -> WorkOrder:
    """The order as it is now (orders are never deleted)."""
    order = await orders.find(order_id)
    assert order is not None
    return order
