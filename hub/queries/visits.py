"""Reads behind the customer's visit page: the link of a token, and the order in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.appointment import PendingRequest
from hub.domain.signing import Channel, LinkStatus, token_digest
from hub.domain.visit_link import Progress, VisitFacts, VisitLink, progress
from hub.domain.work_order import Status
from hub.ports import UnitOfWorkFactory
from hub.signing.probes import ProbeLimiter


@dataclass(frozen=True, slots=True)
class VisitView:
    """What the customer's page shows."""

    order_id: str
    product: str
    bandwidth_mbps: int
    address: str
    window_start: datetime
    window_end: datetime
    technician_name: str | None
    steps: list[tuple[Progress, bool]]
    answerable: bool  # before check-in, and the link is for the current window
    customer_confirmed: bool
    pending: PendingRequest | None


class VisitQueries:
    """The visit link of a token and the order behind it; `probes` counts unknown tokens."""

    def __init__(self, uow: UnitOfWorkFactory, *, probe_limit_per_min: int) -> None:
        self._uow = uow
        self.probes = ProbeLimiter(probe_limit_per_min)

    def now(self) -> datetime:
        return self._uow.clock()

    async def link(self, token: str) -> VisitLink | None:
        async with self._uow.read() as uow:
            return await uow.visit_links.by_token(token_digest(token))

    async def view(self, link: VisitLink) -> VisitView | None:
        """The order as the customer reads it; None if it has no window any more."""
        async with self._uow.read() as uow:
            order = await uow.orders.get(link.order_id)
            booked = order.appointment
            start, end = order.appointment_start, order.appointment_end
            if booked is None or start is None or end is None:
                return None
            tested = bool(await uow.results.list(order.order_id))
            links = [
                signing
                for channel in Channel
                for signing in await uow.signing.links_for(order.order_id, channel=channel)
            ]
        ready = any(s.status is LinkStatus.ACTIVE for s in links)
        facts = VisitFacts(
            accepted=order.accepted_at is not None,
            confirmed=booked.confirmed_at is not None or booked.customer_confirmed_at is not None,
            on_the_way=booked.set_off_at is not None,
            arrived=order.check_in is not None,
            tested=tested,
            report_ready=ready,
            signed=order.signed_report is not None,
        )
        details = order.details
        return VisitView(
            order_id=order.order_id,
            product=details.product,
            bandwidth_mbps=details.bandwidth_mbps,
            address=details.install_address.text,
            window_start=start,
            window_end=end,
            technician_name=order.technician.name if order.technician else None,
            steps=progress(facts),
            answerable=order.status in (Status.CREATED, Status.DISPATCHED)
            and booked.window_version == link.window_version,
            customer_confirmed=booked.customer_confirmed_at is not None,
            pending=booked.pending_request,
        )
