"""What the web layer may call: use cases and query services, set up once at startup.

`create_app(services)` keeps them in `app.state`; routes receive each one through a FastAPI
dependency (`hub.web.deps`). The web never builds a repository, an adapter or a hub.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import Settings
from hub.handlers.calls import CallReviews
from hub.handlers.exception_directory import DirectoryService
from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.screenshots import ScreenshotUploads
from hub.handlers.sms import SmsDeliveryStatus
from hub.handlers.table import CommandTable
from hub.identity.authenticator import Authenticator
from hub.metrics import Metrics
from hub.queries.appointments import AppointmentQueries
from hub.queries.calls import CallQueries
from hub.queries.exceptions import ExceptionQueries
from hub.queries.inventory import InventoryQueries
from hub.queries.ops import OpsQueries
from hub.queries.orders import OrderQueries
from hub.queries.test_results import ResultQueries
from hub.queries.visits import VisitQueries
from hub.signing.service import SigningService
from hub.web.staff_sessions import StaffSessions


@dataclass(frozen=True, slots=True)
class WebServices:
    """Every use case and query service a route may depend on."""

    settings: Settings
    metrics: Metrics
    commands: CommandTable
    orders: OrderQueries
    appointments: AppointmentQueries
    calls: CallQueries
    visits: VisitQueries
    call_reviews: CallReviews
    results: ResultQueries
    screenshots: ScreenshotUploads
    changes: ResourceChangeService
    inventory: InventoryQueries
    exceptions: ExceptionQueries
    directory: DirectoryService
    signing: SigningService
    sms_status: SmsDeliveryStatus
    ops: OpsQueries
    authenticator: Authenticator
    staff_sessions: StaffSessions
