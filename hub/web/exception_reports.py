"""Exception reports (异常上报) over HTTP: the technician reports, the responsible person
resolves, anyone lists the open ones with their age. Both writes run the consumers' handlers;
the SMS to the responsible person and the notice back to the technician go through the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from hub.bootstrap import Hub
from hub.db.exception_reports import ExceptionReportRepository
from hub.domain.exception_report import ReportState
from hub.handlers.exception_reports import report_exception, resolve_exception
from hub.web.auth import TechnicianDep, require_field_app_token
from hub.web.deps import ID_PATTERN, HubDep, IdempotencyKeyHeader, OrderIdPath
from hub.web.models import problem_response
from hub.web.on_site import COMMON_ANSWERS, assigned, change_id_for
from hub.web.on_site_models import ExceptionRequest, ExceptionView, ResolveRequest
from hub.web.orders import find_order, message_id_for
from schemas.v1 import ReportException, ResolveException

technician_router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}",
    tags=["on-site"],
    dependencies=[Depends(require_field_app_token)],
    responses=COMMON_ANSWERS,
)
router = APIRouter(
    prefix="/api/v1/exceptions",
    tags=["on-site"],
    dependencies=[Depends(require_field_app_token)],
    responses=COMMON_ANSWERS,
)
_NOT_YOURS = problem_response(404, "No such order assigned to this technician")
_ILLEGAL = problem_response(409, "The order's state does not allow this step")
ReportIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$")]


@technician_router.post(
    "/orders/{order_id}/exceptions",
    summary="Report a problem on site (异常上报)",
    status_code=status.HTTP_201_CREATED,
    responses=_NOT_YOURS | _ILLEGAL,
)
async def report(
    hub: HubDep,
    technician_id: TechnicianDep,
    order_id: OrderIdPath,
    body: ExceptionRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ExceptionView:
    """The responsible person gets an SMS at once; you get one when it is resolved."""
    assigned(await find_order(hub, order_id), technician_id, order_id)
    cmd = ReportException(
        report_id=change_id_for(order_id, idempotency_key),
        order_id=order_id,
        technician_id=technician_id,
        **body.model_dump(),
    )
    message_id = message_id_for(order_id, idempotency_key)
    await hub.processor.run("onsite.exception_report", message_id, cmd, report_exception)
    return await _exception_view(hub, cmd.report_id)


@router.get("", summary="Exception reports with their age")
async def list_exceptions(
    hub: HubDep,
    state: Annotated[ReportState | None, Query(description="Default: open ones only")] = None,
    order_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> list[ExceptionView]:
    """Oldest first; `age_s` is how long each has been open."""
    async with hub.db.read() as conn:
        repository = ExceptionReportRepository(conn)
        reports = await repository.list(state=state or ReportState.OPEN, order_id=order_id)
    now = datetime.now(UTC)
    return [ExceptionView.of(r, now=now) for r in reports]


@router.post(
    "/{report_id}/resolve",
    summary="Resolve an exception (the technician is told)",
    responses=problem_response(404, "No such report") | problem_response(409, "Resolved already"),
)
async def resolve(
    hub: HubDep,
    report_id: ReportIdPath,
    body: ResolveRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ExceptionView:
    """Close it with what was done; repeating the same resolution changes nothing."""
    cmd = ResolveException(report_id=report_id, **body.model_dump())
    message_id = message_id_for(report_id, idempotency_key)
    await hub.processor.run("onsite.exception_resolve", message_id, cmd, resolve_exception)
    return await _exception_view(hub, report_id)


async def _exception_view(hub: Hub, report_id: str) -> ExceptionView:
    async with hub.db.read() as conn:
        found = await ExceptionReportRepository(conn).get(report_id)
    return ExceptionView.of(found, now=datetime.now(UTC))
