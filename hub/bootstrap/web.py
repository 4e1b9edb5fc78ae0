"""The web layer's use cases and query services, wired from a hub."""

from __future__ import annotations

from sqlalchemy import text

from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.counts import DatabaseCounts
from hub.handlers.calls import CallReviews
from hub.handlers.sms import SmsDeliveryStatus
from hub.identity.authenticator import Authenticator
from hub.identity.oidc import OidcSettings, OidcVerifier
from hub.messaging.queue_depths import queue_depths
from hub.ports.records import QueueDepth
from hub.queries.appointments import AppointmentQueries
from hub.queries.calls import CallQueries
from hub.queries.exceptions import ExceptionQueries
from hub.queries.inventory import InventoryQueries
from hub.queries.ops import OpsQueries, Probes
from hub.queries.orders import OrderQueries
from hub.queries.test_results import ResultQueries
from hub.queries.visits import VisitQueries
from hub.signing.secret import signing_secret
from hub.web.services import WebServices
from hub.web.staff_sessions import StaffSessions


def web_services(hub: Hub) -> WebServices:
    """What the routes of `hub.web` may call, for this hub."""
    orders = OrderQueries(hub.uow)
    return WebServices(
        settings=hub.settings,
        metrics=hub.metrics,
        commands=hub.commands,
        orders=orders,
        appointments=AppointmentQueries(hub.uow),
        calls=CallQueries(hub.uow),
        visits=VisitQueries(hub.uow, probe_limit_per_min=hub.settings.signing_probe_limit_per_min),
        call_reviews=CallReviews(hub.uow),
        results=ResultQueries(hub.uow, policy=hub.policy),
        screenshots=hub.screenshots,
        changes=hub.resource_changes,
        inventory=InventoryQueries(hub.inventory),
        exceptions=ExceptionQueries(hub.uow),
        directory=hub.directory,
        signing=hub.signing,
        sms_status=SmsDeliveryStatus(hub.uow),
        ops=OpsQueries(
            _probes(hub, hub.settings),
            orders,
            counts=DatabaseCounts(hub.db),
            topology=hub.topology,
            consumers=hub.consumers,
        ),
        authenticator=authenticator(hub),
        staff_sessions=StaffSessions(
            signing_secret(hub.settings),
            ttl_s=hub.settings.staff_session_ttl_h * 3600,
            secure=str(hub.settings.public_base_url).startswith("https://"),
        ),
    )


def authenticator(hub: Hub) -> Authenticator:
    """API tokens from the hub's user store and, if configured, the identity provider's."""
    settings = hub.settings
    oidc = None
    if settings.oidc_issuer and settings.oidc_jwks_url and settings.oidc_audience:
        oidc = OidcVerifier(
            OidcSettings(
                issuer=settings.oidc_issuer,
                jwks_url=settings.oidc_jwks_url,
                audience=settings.oidc_audience,
                leeway_s=settings.oidc_leeway_s,
                role_claim=settings.oidc_role_claim,
                technician_claim=settings.oidc_technician_claim,
            )
        )
    return Authenticator(hub.users if settings.auth_user_store else None, oidc)


def _probes(hub: Hub, settings: Settings) -> Probes:
    async def database() -> None:
        async with hub.db.read() as conn:
            await conn.execute(text("SELECT 1"))

    async def broker() -> bool:
        return bool(await hub.broker.ping(timeout=2.0))

    async def depths(names: list[str]) -> dict[str, QueueDepth]:
        return await queue_depths(settings.amqp_urls, names)

    return Probes(
        database=database, broker=broker, outbox_backlog=hub.relay.backlog, queue_depths=depths
    )
