"""One FastStream router per flow; each subscriber is message in → one handle call.

What each consumer does lives in `hub.handlers.table`; which queue it reads, in
`hub.messaging.subscriptions`. `include_all` puts every flow's router on a broker.
"""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from consumers.appointments import appointment_router
from consumers.close_out import close_out_router
from consumers.exception_reports import exception_report_router
from consumers.notifications import notification_router
from consumers.on_site import on_site_router
from consumers.reports import report_router
from consumers.signing import signing_router
from consumers.support_sync import support_sync_router
from consumers.test_results import results_router
from consumers.work_orders import work_order_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

ROUTERS = (
    work_order_router,
    appointment_router,
    notification_router,
    support_sync_router,
    on_site_router,
    exception_report_router,
    results_router,
    report_router,
    signing_router,
    close_out_router,
)


def include_all(broker: RabbitBroker, topology: Topology, table: CommandTable) -> None:
    """Subscribe every consumer of the hub on `broker`."""
    for router in ROUTERS:
        broker.include_router(router(topology, table))
