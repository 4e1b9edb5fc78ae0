"""Intake from the customer-support system (客保): open, dispatch, archive and look up orders."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from hub.domain.pii import mask_phone_middle
from hub.domain.work_order import Command
from hub.errors import NotFound
from hub.web.auth import FULL_PHONE_READERS, INTAKE, ORDER_READERS, IdentityDep, allow
from hub.web.deps import CommandsDep, IdempotencyKeyHeader, OrderIdPath, OrdersDep
from hub.web.idempotency import message_id_for
from hub.web.models import (
    ArchiveRequest,
    DispatchRequest,
    OrderDetail,
    OrderState,
    Problem,
    ValidationProblem,
    problem_response,
)
from schemas.v1 import ArchiveWorkOrder, CreateWorkOrder, DispatchWorkOrder

router = APIRouter(
    prefix="/api/v1/work-orders",
    tags=["intake"],
    responses={422: {"model": ValidationProblem, "description": "The request did not validate"}},
)
_UNKNOWN = problem_response(404, "No such work order")
_ILLEGAL = problem_response(409, "The order's state does not allow this step")


@router.post(
    "",
    dependencies=[allow(*INTAKE)],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Open a work order",
    responses={409: {"model": Problem, "description": "The id exists with different data"}},
)
async def create_order(
    commands: CommandsDep,
    orders: OrdersDep,
    body: CreateWorkOrder,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderState:
    """Accept a new order; sending the same order again is accepted without effect.

    Reactions (flow-log mirror, notifications) follow asynchronously over the broker.
    """
    await commands.run(body, message_id=message_id_for(body.order_id, idempotency_key))
    return await _state(orders, body.order_id)


@router.post(
    "/{order_id}/dispatch",
    summary="Dispatch to a technician (派单)",
    responses=_UNKNOWN | _ILLEGAL,
    dependencies=[allow(*INTAKE)],
)
async def dispatch_order(
    commands: CommandsDep,
    orders: OrdersDep,
    order_id: OrderIdPath,
    body: DispatchRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderState:
    """Assign (or re-assign) the order and book the visit; the technician gets an SMS."""
    _same_order(order_id, body.order_id)
    command = DispatchWorkOrder(
        order_id=order_id,
        technician=body.technician,
        appointment_start=body.appointment_start,
        appointment_end=body.appointment_end,
    )
    return await _apply(commands, orders, command, idempotency_key)


@router.post(
    "/{order_id}/archive",
    summary="Archive a completed order (归档)",
    responses=_UNKNOWN | _ILLEGAL,
    dependencies=[allow(*INTAKE)],
)
async def archive_order(
    commands: CommandsDep,
    orders: OrdersDep,
    order_id: OrderIdPath,
    body: ArchiveRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderState:
    """Close the order for good; no step is possible afterwards."""
    _same_order(order_id, body.order_id)
    command = ArchiveWorkOrder(order_id=order_id, reason=body.reason)
    return await _apply(commands, orders, command, idempotency_key)


@router.get(
    "/{order_id}",
    summary="One order with its flow log",
    responses=_UNKNOWN | {200: {"model": OrderDetail, "description": "The order"}},
    response_model=None,
    dependencies=[allow(*ORDER_READERS)],
)
async def get_order(
    orders: OrdersDep, order_id: OrderIdPath, identity: IdentityDep
) -> JSONResponse:
    """Any order, its contacts, technician and every step so far (流水).

    Phones are shown in full to dispatchers and the work-order system, who call the contacts;
    to others as `+86139****4726`.
    """
    found = await orders.with_flow_log(order_id)
    if found is None:
        raise NotFound(f"work order {order_id} does not exist")
    detail = OrderDetail.of_order(found.order, found.flow_log).model_dump(mode="json")
    if identity.role not in FULL_PHONE_READERS:
        booking = detail.get("booking") or {}
        for person in (
            *(detail.get(party) for party in ("contact", "account_manager", "technician")),
            booking.get("contact"),
        ):
            if isinstance(person, dict) and isinstance(person.get("phone"), str):
                person["phone"] = mask_phone_middle(person["phone"])
    return JSONResponse(detail)


async def _apply(
    commands: CommandsDep, orders: OrdersDep, command: Command, idempotency_key: str | None
) -> OrderState:
    await commands.run(command, message_id=message_id_for(command.order_id, idempotency_key))
    return await _state(orders, command.order_id)


async def _state(orders: OrdersDep, order_id: str) -> OrderState:
    order = await orders.find(order_id)
    if order is None:
        raise NotFound(f"work order {order_id} does not exist")
    return OrderState(order_id=order_id, status=order.status)


def _same_order(path_id: str, body_id: str | None) -> None:
    if body_id is not None and body_id != path_id:
        raise RequestValidationError(
            [
                {
                    "type": "order_id_mismatch",
                    "loc": ("body", "order_id"),
                    "msg": f"must equal the order id in the path ({path_id})",
                }
            ]
        )
