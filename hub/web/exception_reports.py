"""Exception reports (异常上报) over HTTP: the technician reports, the responsible person
resolves, anyone lists the open ones with their age. Both writes run the consumers' handlers;
the SMS to the responsible person and the notice back to the technician go through the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.domain.exception_report import ReportState
from hub.handlers.exception_reports import TYPE_TEXT
from hub.queries.exceptions import ExceptionQueries
from hub.web.auth import (
    EXCEPTION_DESK,
    EXCEPTION_READERS,
    AssignedOrder,
    IdentityDep,
    TechnicianDep,
    allow,
    authenticated_technician,
)
from hub.web.deps import (
    ID_PATTERN,
    CommandsDep,
    ExceptionsDep,
    IdempotencyKeyHeader,
    PageQuery,
    SettingsDep,
)
from hub.web.idempotency import change_id_for, message_id_for
from hub.web.models import problem_response
from hub.web.on_site import COMMON_ANSWERS
from hub.web.on_site_models import ExceptionRequest, ExceptionView, ResolveRequest
from schemas.v1 import ReportException, ResolveException

technician_router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}",
    tags=["on-site"],
    dependencies=[Depends(authenticated_technician)],
    responses=COMMON_ANSWERS,
)
router = APIRouter(
    prefix="/api/v1/exceptions",
    tags=["on-site"],
    dependencies=[allow(*EXCEPTION_DESK)],
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
    commands: CommandsDep,
    exceptions: ExceptionsDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: ExceptionRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ExceptionView:
    """The responsible person gets an SMS at once; you get one when it is resolved."""
    cmd = ReportException(
        report_id=change_id_for(order.order_id, idempotency_key),
        order_id=order.order_id,
        technician_id=technician_id,
        **body.model_dump(),
    )
    await commands.run(cmd, message_id=message_id_for(order.order_id, idempotency_key))
    return await _exception_view(exceptions, cmd.report_id)


@router.get("", summary="Exception reports with their age")
async def list_exceptions(
    exceptions: ExceptionsDep,
    page: PageQuery,
    state: Annotated[ReportState | None, Query(description="Default: open ones only")] = None,
    order_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> list[ExceptionView]:
    """Oldest first; `age_s` is how long each has been open."""
    reports = await exceptions.list(state=state or ReportState.OPEN, order_id=order_id, page=page)
    now = datetime.now(UTC)
    return [ExceptionView.of(r, now=now) for r in reports]


@router.post(
    "/{report_id}/resolve",
    summary="Resolve an exception (the technician is told)",
    responses=problem_response(404, "No such report") | problem_response(409, "Resolved already"),
)
async def resolve(
    commands: CommandsDep,
    exceptions: ExceptionsDep,
    report_id: ReportIdPath,
    body: ResolveRequest,
    identity: IdentityDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ExceptionView:
    """Close it with what was done; repeating the same resolution changes nothing. The
    resolver recorded is the caller (a `resolved_by` in the body is ignored)."""
    cmd = ResolveException(
        report_id=report_id, resolved_by=identity.subject, resolution=body.resolution
    )
    await commands.run(cmd, message_id=message_id_for(report_id, idempotency_key))
    return await _exception_view(exceptions, report_id)


async def _exception_view(exceptions: ExceptionQueries, report_id: str) -> ExceptionView:
    return ExceptionView.of(await exceptions.get(report_id), now=datetime.now(UTC))


page_router = APIRouter(include_in_schema=False)
_pages = Environment(
    loader=PackageLoader("hub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


@page_router.get(
    "/exceptions/{report_id}",
    response_class=HTMLResponse,
    dependencies=[allow(*EXCEPTION_READERS)],
)
async def exception_page(
    exceptions: ExceptionsDep, settings: SettingsDep, report_id: ReportIdPath
) -> HTMLResponse:
    """The page the responsible person's SMS links to: the report with what the technician
    wrote (the text itself never goes into an SMS). Staff sign in first (`/login`)."""
    view = await _exception_view(exceptions, report_id)
    zone = ZoneInfo(settings.report_timezone)
    html = _pages.get_template("exception.html").render(
        assets="/docs-assets",
        r=view,
        type_text=TYPE_TEXT[view.type],
        reported=_local(view.reported_at, zone),
        resolved=_local(view.resolved_at, zone),
        age=_duration(view.age_s),
    )
    return HTMLResponse(html)


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return "-" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
