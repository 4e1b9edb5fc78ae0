"""The FastAPI application of the hub: `create_app(services)` wires routers, errors, lifespan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, FastAPI

from hub.web import (
    appointments,
    calls,
    exception_directory,
    exception_reports,
    hardening,
    intake,
    on_site,
    ops,
    signing,
    signing_api,
    signing_api_v1,
    staff_pages,
    technician,
    test_results,
    visit,
)
from hub.web.docs_ui import install_docs
from hub.web.errors import install_error_handlers
from hub.web.services import WebServices
from hub.web.twilio_webhook import twilio_webhook_router

DESCRIPTION = """
HTTP face of the delivery hub for enterprise telecom lines.

**Who may call what.** Every call but the probes carries `Authorization: Bearer <token>`: a hub
API token (`hub users add`; `make run` prints demo tokens per role) or an access token from
the operator's identity provider (`HUB_OIDC_*`). Press **Authorize** to try calls here. No
credential: 401 with a `WWW-Authenticate` challenge; the wrong role: 403.

| area | roles |
|---|---|
| `/api/v1/technicians/{technician_id}/…` (signing: `/api/v2/…`) | `technician`, own id only |
| `POST /api/v1/work-orders…` (open, dispatch, archive) | `dispatcher`, `support_system` |
| `GET /api/v1/work-orders/{order_id}` | those, `account_manager`, `supervisor` (masked) |
| `POST /api/v1/work-orders/{id}/appointment…` (book, move) | `dispatcher`, `support_system` |
| `GET /api/v1/work-orders/{id}/appointments` | those, `account_manager`, `supervisor` (masked) |
| `GET /api/v1/appointments/attention` | `dispatcher`, `supervisor` |
| `GET /api/v1/appointments/punctuality` (履约率) | `supervisor`, `dispatcher`, `ops` |
| `POST /api/v1/calls/transcripts` (the console's call platform) | `support_system` |
| `/api/v1/calls…` (review queue, verdicts, agreement) | `supervisor` |
| `/api/v1/exceptions…`, `GET /api/v1/exception-directory` | `supervisor`, `dispatcher` |
| changing the exception directory | `supervisor` |
| `POST /api/v1/signatures/verify` | `account_manager`, `supervisor`, the two systems |
| `/ops`, `/ops/summary.json`, `/metrics` | `ops`, `supervisor` |
| `/docs`, `/openapi.json` | any role but `technician` (browsers: sign in at `/login`) |
| `/healthz`, `/readyz` | anyone |

* **technician** – the field app (i运维 App): a technician's orders, check-in on site (签到)
  with GPS position, ping and speed tests with screenshots (judged against the order's
  acceptance thresholds), completion (竣工). An order not dispatched to the calling technician
  answers 404, whether or not it exists.
* **intake** – the customer-support system (客保) opens, dispatches (派单) and archives (归档)
  orders, and reads any order with its flow log (流水).
* **appointments** – the dispatcher books the visit with the customer (预约, the call shown as
  10000) and moves it with a reason (改约); the technician accepts the order (接单), confirms
  the visit on the day (二次预约) or reports a move from the field; every step is kept
  (预约留痕) and check-in is judged against the window (履约率).
* **ops** – `/healthz`, `/readyz`, `/metrics` (Prometheus) and the `/ops` queue-health page.

**Writes** run the same handlers as the AMQP consumers: the state change, the flow-log line and
the messages to publish commit in one transaction; the outbox relay publishes them afterwards.

**Retries**: send an `Idempotency-Key` header (a fresh UUID per user action). Repeating a
request with the same key changes nothing and answers with the order's current state.

**Errors** are `{"detail": "<one sentence>"}`: 401 no or a refused credential, 403 a role that
may not, 404 unknown order, 409 a step the order's state does not allow, 422 invalid request
(`errors` lists each field; submitted values are never echoed back), 429 an SMS limit.
"""

TAGS = [
    {"name": "technician", "description": "The field app's gateway, per technician."},
    {"name": "intake", "description": "Orders from the customer-support system."},
    {"name": "ops", "description": "Health, readiness, metrics and queue health."},
    {
        "name": "calls",
        "description": "Booking-call compliance: transcripts checked by rules, spot checks (抽查).",
    },
    {
        "name": "appointments",
        "description": "Booking (预约), acceptance (接单), confirmation (二次预约), "
        "rescheduling (改约) and punctuality (履约率).",
    },
    {
        "name": "on-site",
        "description": "On-site fixes: fiber swap (同缆改纤), box change (更改光箱), return to "
        "dispatch (退单), exception reports (异常上报) and their resolution.",
    },
    {
        "name": "signing",
        "description": "The delivery report's signature: SMS link, on site, verify a PDF. "
        "The field app's routes are `/api/v2/...`: they never wait for a render (202 "
        "`preparing`, then ask again).",
    },
    {
        "name": "signing (v1, deprecated)",
        "description": "The field app's signing routes as they answered before v2: each waits "
        "(up to 20 s) for the worker to render, then answers as v1 did. Use `/api/v2/...`.",
    },
]


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    services: WebServices,
    *,
    lifespan: Lifespan | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The web app over `services`; `lifespan` starts and stops what it needs (a runtime)."""
    app = FastAPI(
        title="Delivery hub",
        summary="Work orders for enterprise-line installation: field app, intake and operations",
        description=DESCRIPTION,
        version=_version(),
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_docs(app)
    app.state.services = services
    install_error_handlers(app)
    hardening.install(app, services.settings)
    webhooks = twilio_webhook_router()  # answers 404 unless Twilio is configured
    signing_routers = (
        signing.router,
        signing_api.technician_router,
        signing_api_v1.router,
        signing_api.verify_router,
    )
    routers = (
        technician.router,
        test_results.router,
        intake.router,
        appointments.router,
        calls.router,
        ops.router,
        webhooks,
        *signing_routers,
        on_site.router,
        exception_reports.technician_router,
        exception_reports.router,
        exception_reports.page_router,
        exception_directory.router,
        staff_pages.router,
        visit.router,
    )
    for router in (*routers, *extra_routers):
        app.include_router(router)
    return app


def _version() -> str:
    try:
        return version("delivery-hub")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"
