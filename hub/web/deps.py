"""FastAPI dependencies: the use cases and query services from app state, typed path and
header parameters."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Header, Path, Query, Request

from hub.config import Settings
from hub.handlers.calls import CallReviews
from hub.handlers.exception_directory import DirectoryService
from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.screenshots import ScreenshotUploads
from hub.handlers.sms import SmsDeliveryStatus
from hub.handlers.table import CommandTable
from hub.identity.authenticator import Authenticator
from hub.metrics import Metrics
from hub.ports import Page
from hub.queries.appointments import AppointmentQueries
from hub.queries.calls import CallQueries
from hub.queries.exceptions import ExceptionQueries
from hub.queries.inventory import InventoryQueries
from hub.queries.ops import OpsQueries
from hub.queries.orders import OrderQueries
from hub.queries.test_results import ResultQueries
from hub.queries.visits import VisitQueries
from hub.signing.service import SigningService
from hub.web.services import WebServices
from hub.web.staff_sessions import StaffSessions

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


async def get_services(request: Request) -> WebServices:
    """The services this app was created with (kept in `app.state`, never imported)."""
    return cast(WebServices, request.app.state.services)


ServicesDep = Annotated[WebServices, Depends(get_services)]


async def get_settings(s: ServicesDep) -> Settings:
    return s.settings


async def get_commands(s: ServicesDep) -> CommandTable:
    return s.commands


async def get_orders(s: ServicesDep) -> OrderQueries:
    return s.orders


async def get_appointments(s: ServicesDep) -> AppointmentQueries:
    return s.appointments


async def get_visits(s: ServicesDep) -> VisitQueries:
    return s.visits


async def get_calls(s: ServicesDep) -> CallQueries:
    return s.calls


async def get_call_reviews(s: ServicesDep) -> CallReviews:
    return s.call_reviews


async def get_results(s: ServicesDep) -> ResultQueries:
    return s.results


async def get_screenshots(s: ServicesDep) -> ScreenshotUploads:
    return s.screenshots


async def get_changes(s: ServicesDep) -> ResourceChangeService:
    return s.changes


async def get_inventory(s: ServicesDep) -> InventoryQueries:
    return s.inventory


async def get_exceptions(s: ServicesDep) -> ExceptionQueries:
    return s.exceptions


async def get_directory(s: ServicesDep) -> DirectoryService:
    return s.directory


async def get_signing(s: ServicesDep) -> SigningService:
    return s.signing


async def get_sms_status(s: ServicesDep) -> SmsDeliveryStatus:
    return s.sms_status


async def get_ops(s: ServicesDep) -> OpsQueries:
    return s.ops


async def get_metrics(s: ServicesDep) -> Metrics:
    return s.metrics


async def get_authenticator(s: ServicesDep) -> Authenticator:
    return s.authenticator


async def get_staff_sessions(s: ServicesDep) -> StaffSessions:
    return s.staff_sessions


SettingsDep = Annotated[Settings, Depends(get_settings)]
CommandsDep = Annotated[CommandTable, Depends(get_commands)]
OrdersDep = Annotated[OrderQueries, Depends(get_orders)]
AppointmentsDep = Annotated[AppointmentQueries, Depends(get_appointments)]
CallQueriesDep = Annotated[CallQueries, Depends(get_calls)]
VisitsDep = Annotated[VisitQueries, Depends(get_visits)]
CallReviewsDep = Annotated[CallReviews, Depends(get_call_reviews)]
ResultsDep = Annotated[ResultQueries, Depends(get_results)]
ScreenshotsDep = Annotated[ScreenshotUploads, Depends(get_screenshots)]
ChangesDep = Annotated[ResourceChangeService, Depends(get_changes)]
InventoryDep = Annotated[InventoryQueries, Depends(get_inventory)]
ExceptionsDep = Annotated[ExceptionQueries, Depends(get_exceptions)]
DirectoryDep = Annotated[DirectoryService, Depends(get_directory)]
SigningDep = Annotated[SigningService, Depends(get_signing)]
SmsStatusDep = Annotated[SmsDeliveryStatus, Depends(get_sms_status)]
OpsDep = Annotated[OpsQueries, Depends(get_ops)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]
StaffSessionsDep = Annotated[StaffSessions, Depends(get_staff_sessions)]

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


async def page_of(
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many items")] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000, description="Skip this many first")] = 0,
) -> Page:
    """The slice of a list a request asks for (every list endpoint is paged)."""
    return Page(limit=limit, offset=offset)


PageQuery = Annotated[Page, Depends(page_of)]

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
