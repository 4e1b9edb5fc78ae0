"""Appointments over HTTP: the dispatcher's console books and moves visits (预约, 改约), the field
app accepts orders and confirms visits (接单, 二次预约), supervisors read 履约率.

Each command runs through the command table, like its AMQP twin (same consumer, same inbox).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from hub.domain import booking
from hub.domain.work_order import WorkOrder
from hub.errors import InvalidInput, NotFound
from hub.identity.roles import Identity, Role
from hub.web.appointment_models import (
    AppointmentHistory,
    AppointmentState,
    BookRequest,
    FieldRescheduleRequest,
    HistoryLine,
    PunctualityRow,
    RescheduleRequest,
)
from hub.web.auth import (
    FULL_PHONE_READERS,
    INTAKE,
    ORDER_READERS,
    AssignedOrder,
    TechnicianDep,
    authenticated_technician,
    role_required,
)
from hub.web.deps import (
    AppointmentsDep,
    CommandsDep,
    IdempotencyKeyHeader,
    OrderIdPath,
    OrdersDep,
    PageQuery,
)
from hub.web.idempotency import message_id_for
from hub.web.models import ValidationProblem, problem_response
from schemas.v1 import (
    AcceptWorkOrder,
    BookAppointment,
    ConfirmAppointment,
    Requester,
    RescheduleAppointment,
    SetOffForVisit,
)

router = APIRouter(
    tags=["appointments"],
    responses={422: {"model": ValidationProblem, "description": "The request did not validate"}},
)
_UNKNOWN = problem_response(404, "No such work order")
_NOT_YOURS = problem_response(404, "No such order assigned to this technician")
_ILLEGAL = problem_response(409, "The order's state does not allow this step")
_ORDER = "/api/v1/work-orders/{order_id}"
_FIELD = "/api/v1/technicians/{technician_id}/orders/{order_id}"
BOARD = (Role.DISPATCHER, Role.SUPERVISOR)  # who watches orders that need a person
FIGURES = (Role.SUPERVISOR, Role.DISPATCHER, Role.OPS)  # who reads 履约率
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

Intake = Annotated[Identity, Depends(role_required(*INTAKE))]
OrderReader = Annotated[Identity, Depends(role_required(*ORDER_READERS))]
Board = Annotated[Identity, Depends(role_required(*BOARD))]
Figures = Annotated[Identity, Depends(role_required(*FIGURES))]


# --- the dispatcher's console ---------------------------------------------------------------


@router.post(
    f"{_ORDER}/appointment",
    summary="Book the visit (预约)",
    responses=_UNKNOWN | _ILLEGAL,
)
async def book(
    commands: CommandsDep,
    orders: OrdersDep,
    identity: Intake,
    order_id: OrderIdPath,
    body: BookRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AppointmentState:
    """Record the window the customer agreed to, who will be on site and the call it was agreed
    in; SMS and the signing link go to that contact from now on. Once per booking: move a
    booked visit with a reschedule. The window must lie ahead, within working hours."""
    command = BookAppointment(
        order_id=order_id,
        window_start=body.window_start,
        window_end=body.window_end,
        contact=body.contact,
        channel=body.channel,
        booked_by=identity.subject,
        call_id=body.call_id,
        recording_ref=body.recording_ref,
    )
    return await _run(commands, orders, command, idempotency_key)


@router.post(
    f"{_ORDER}/appointment/reschedule",
    summary="Move the visit (改约)",
    responses=_UNKNOWN | _ILLEGAL,
)
async def reschedule(
    commands: CommandsDep,
    orders: OrdersDep,
    identity: Intake,
    order_id: OrderIdPath,
    body: RescheduleRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AppointmentState:
    """Move the visit to another window with a reason; the technician is told by SMS and the
    check-in deadline follows the window. Never after check-in; the third move of one booking
    flags the order for the supervisor."""
    command = _reschedule(order_id, body, by=identity.subject)
    return await _run(commands, orders, command, idempotency_key)


@router.get(
    f"{_ORDER}/appointments",
    summary="The visit and its booking trail (预约留痕)",
    responses=_UNKNOWN,
)
async def history(
    orders: OrdersDep, appointments: AppointmentsDep, identity: OrderReader, order_id: OrderIdPath
) -> AppointmentHistory:
    """The visit as it stands and every booking and change, oldest first. Phones are shown in
    full to dispatchers and the work-order system, to others as `+86139****4726`."""
    order = await _order(orders, order_id)
    lines = await appointments.history(order_id)
    if lines is None:
        raise NotFound(f"work order {order_id} does not exist")
    mask = identity.role not in FULL_PHONE_READERS
    return AppointmentHistory(
        current=AppointmentState.of(order, mask=mask),
        history=[HistoryLine.of(line, mask=mask) for line in lines],
    )


@router.get("/api/v1/appointments/attention", summary="Orders that need a dispatcher")
async def attention(
    appointments: AppointmentsDep, identity: Board, page: PageQuery
) -> list[AppointmentState]:
    """Open orders not accepted (接单) in time, or moved so often the supervisor was flagged;
    earliest window first."""
    found = await appointments.needing_attention(page=page)
    return [
        AppointmentState.of(order, mask=identity.role not in FULL_PHONE_READERS) for order in found
    ]


@router.get("/api/v1/appointments/punctuality", summary="履约率: visits on time ÷ visits due")
async def punctuality(
    appointments: AppointmentsDep,
    _: Figures,
    month: Annotated[
        str, Query(description="The month, `2026-12`, in HUB_REPORT_TIMEZONE", max_length=7)
    ],
    by: Annotated[Literal["technician", "team"], Query(description="Group by")] = "technician",
) -> list[PunctualityRow]:
    """Per technician or team: visits whose window fell due in the month, how many were kept
    on time (checked in before the window ended), late, or missed."""
    if not MONTH.match(month):
        raise InvalidInput(f"month must look like 2026-12, not {month!r}")
    return [PunctualityRow.of(f) for f in await appointments.punctuality(month=month, by=by)]


# --- the field app ----------------------------------------------------------------------------


@router.post(
    f"{_FIELD}/accept",
    summary="Accept the order (接单)",
    responses=_NOT_YOURS | _ILLEGAL,
    dependencies=[Depends(authenticated_technician)],
)
async def accept(
    commands: CommandsDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AppointmentState:
    """Take the dispatched order; a second tap changes nothing."""
    command = AcceptWorkOrder(order_id=order.order_id, technician_id=technician_id)
    return await _run(commands, orders, command, idempotency_key)


@router.post(
    f"{_FIELD}/confirm-appointment",
    summary="Confirm the visit with the customer (二次预约)",
    responses=_NOT_YOURS | _ILLEGAL,
    dependencies=[Depends(authenticated_technician)],
)
async def confirm(
    commands: CommandsDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AppointmentState:
    """On the day: you called the customer and the window stands. After accepting, before the
    window ends."""
    command = ConfirmAppointment(order_id=order.order_id, technician_id=technician_id)
    return await _run(commands, orders, command, idempotency_key)


@router.post(
    f"{_FIELD}/on-the-way",
    summary="Set off for the visit (出发)",
    responses=_NOT_YOURS | _ILLEGAL,
    dependencies=[Depends(authenticated_technician)],
)
async def set_off(
    commands: CommandsDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AppointmentState:
    """You are leaving for the site: the customer's visit page says you are on the way."""
    command = SetOffForVisit(order_id=order.order_id, technician_id=technician_id)
    return await _run(commands, orders, command, idempotency_key)


@router.post(
    f"{_FIELD}/reschedule",
    summary="Move the visit from the field (改约)",
    responses=_NOT_YOURS | _ILLEGAL,
    dependencies=[Depends(authenticated_technician)],
)
async def field_reschedule(
    commands: CommandsDep,
    orders: OrdersDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: FieldRescheduleRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AppointmentState:
    """You or the customer need another window: give the reason; the dispatcher sees it in the
    flow log. Never after check-in."""
    command = _reschedule(order.order_id, body, by=technician_id)
    return await _run(commands, orders, command, idempotency_key)


# --- helpers --------------------------------------------------------------------------------


def _reschedule(order_id: str, body: RescheduleRequest, *, by: str) -> RescheduleAppointment:
    return RescheduleAppointment(
        order_id=order_id,
        window_start=body.window_start,
        window_end=body.window_end,
        reason=body.reason,
        reason_text=body.reason_text,
        requested_by=Requester(body.requested_by),
        by=by,
        call_id=body.call_id,
    )


async def _run(
    commands: CommandsDep,
    orders: OrdersDep,
    command: booking.Command,
    idempotency_key: str | None,
) -> AppointmentState:
    """Run a command as its consumer would (one inbox per Idempotency-Key) and answer the
    visit as it stands after it."""
    order_id = command.order_id
    await commands.run(command, message_id=message_id_for(order_id, idempotency_key))
    return AppointmentState.of(await _order(orders, order_id))


async def _order(orders: OrdersDep, order_id: str) -> WorkOrder:
    order = await orders.find(order_id)
    if order is None:
        raise NotFound(f"work order {order_id} does not exist")
    return order
