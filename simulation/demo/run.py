"""One demo run: the simulated field on its own broker connection, feeding orders to a hub.

Order ids carry a run id, so several runs can share a kept database and be told apart. The run
follows the orders through the events the field receives, and confirms from the hub's web app at
`web_url` that they are archived, as an operator would (`/ops/counts.json`).
With signing rates, visits end in tests and a delivery report signed on site or by SMS link
(customers reach the hub's web app at that URL, and read their texts on the local SMS platform at
the stand-ins' URL); a few customers never sign, and their orders wait. With a `plan` (exact
totals, `simulation.history_plan`) the plan decides each order's tests, fix and signature instead
of the rates.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import httpx
import structlog

from hub.bootstrap import Hub
from hub.cli.parking import amqp_connection
from hub.domain.work_order import Status
from hub.identity.client import Issue, TokensByCaller
from hub.identity.issue import DEMO_TTL, issue_token
from hub.identity.roles import Role
from hub.messaging.broker import ClusterRabbitBroker
from simulation.customers import PlatformPhones
from simulation.delivery import SimulatedDelivery
from simulation.demo.hub_counts import hub_counts, ops_client
from simulation.demo.progress import POLL_INTERVAL_S, ArchivedWatch, Progress
from simulation.field import SimulatedField, customer_phone
from simulation.history_plan import HistoryPlan
from simulation.on_site import SiteProblems

FEED_CONCURRENCY = 50
STANDIN_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class OnSiteRates:
    """How often a visit finds the fiber bad, the box bad, or another problem (0–1 each)."""

    bad_fiber: float = 0.0
    bad_box: float = 0.0
    exception: float = 0.0


@dataclass(frozen=True, slots=True)
class SigningRates:
    """Of the delivery reports: the share signed on site, and of the rest the share never signed."""

    on_site: float = 0.5
    never: float = 0.05


class DemoRun:
    """Feeds `orders` orders through the field and watches them reach `archived`."""

    def __init__(
        self,
        hub: Hub,
        *,
        orders: int,
        seed: int = 7,
        technicians: int = 20,
        far_rate: float = 0.05,
        rates: OnSiteRates | None = None,
        web_url: str,
        standin_url: str | None = None,
        signing: SigningRates | None = SigningRates(),  # None: visits end without a signature
        plan: HistoryPlan | None = None,  # exact totals instead of the rates (`orders` its size)
        max_open: int | None = None,  # at most this many orders under way (None: all at once)
    ) -> None:
        self.hub = hub
        self.orders = orders
        self.max_open = max_open
        self.most_open = 0  # the most orders under way at once, as the feed saw it
        self._created = 0
        self.run_id = "R" + secrets.token_hex(4)
        self.started_at = datetime.now(UTC)
        # The embedded stand-ins' APIs (loopback): the customers' phones, the demo's counts.
        self.standins = (
            httpx.AsyncClient(base_url=standin_url, timeout=STANDIN_TIMEOUT_S)
            if standin_url
            else None
        )
        self.ops = ops_client(web_url, run_operator(hub, self.run_id))
        self.delivery = _delivery(hub, seed, web_url, self.standins, signing, plan=plan)
        self.field = SimulatedField(
            hub.topology,
            seed=seed,
            run_id=self.run_id,
            technicians=technicians,
            far_check_in_rate=far_rate,
            inventory=hub.inventory,
            problems=_problems(hub, seed, rates, plan),
            delivery=self.delivery,
            with_resources=plan.needs_resources if plan is not None else None,
        )
        self.order_prefix = self.field.order(0).order_id.rsplit("-", 1)[0] + "-"
        self._broker = ClusterRabbitBroker(
            hub.settings.amqp_urls,
            logger=structlog.get_logger("faststream.field"),
            log_level=logging.DEBUG,
        )
        self.elapsed_s = 0.0

    async def start(self) -> None:
        """Connect the field (the hub must be started: its exchange has to exist)."""
        self.field.attach(self._broker)
        await self._broker.start()

    @cached_property
    def expected_unsigned(self) -> int:
        """Orders whose customer never signs (known up front: the draw is seeded)."""
        if self.delivery is None:
            return 0
        ids = (self.field.order(i).order_id for i in range(self.orders))
        return sum(1 for order_id in ids if self.delivery.way(order_id) == "never")

    async def stop(self) -> None:
        """Disconnect the field and delete its queues (they would only fill up otherwise)."""
        await self._broker.stop()
        if self.delivery is not None:
            await self.delivery.close()
        if self.standins is not None:
            await self.standins.aclose()
        await self.ops.aclose()
        async with amqp_connection(self.hub.settings.amqp_urls) as connection:
            channel = await connection.channel()
            for name in self.field.queue_names():
                await channel.queue_delete(name)

    async def run(self, *, timeout_s: float, progress: Progress | None = None) -> bool:
        """Feed every order and wait until all are archived (or wait for a signature that
        never comes); False on timeout."""
        started = time.monotonic()
        feeding = asyncio.create_task(self._feed(), name="demo-feed")
        try:
            done = await self._wait_archived(started + timeout_s, progress, feeding)
        finally:
            self.elapsed_s = time.monotonic() - started
            feeding.cancel()
            (fed,) = await asyncio.gather(feeding, return_exceptions=True)
        if isinstance(fed, Exception):
            raise fed
        return done

    async def settle(self, *, timeout_s: float = SETTLE_TIMEOUT_S) -> None:
        """Wait for follow-up work (outbox, SMS in flight) so the report counts it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await self.hub.relay.backlog() == 0 and await self._sms_in_flight() == 0:
                return
            await asyncio.sleep(POLL_INTERVAL_S)

    async def archived(self) -> int:
        """How many of this run's orders are archived (an order replaced on site counts as its
        successor)."""
        counts = await hub_counts(self.ops, self.order_prefix)
        return counts.orders.by_status.get(Status.ARCHIVED.value, 0)

    async def _feed(self) -> None:
        """Open the orders, FEED_CONCURRENCY at a time; with `max_open`, only while fewer than
        that are under way (a province's orders come in over months, not all at once)."""
        step = min(FEED_CONCURRENCY, self.max_open or FEED_CONCURRENCY)
        for first in range(0, self.orders, step):
            batch = range(first, min(first + step, self.orders))
            # Polled: "done" is counted in three places (the field's events, the customers).
            while self.max_open is not None and self.under_way() + len(batch) > self.max_open:  # noqa: ASYNC110
                await asyncio.sleep(POLL_INTERVAL_S)
            await asyncio.gather(*(self.field.create(index) for index in batch))
            self._created += len(batch)
            self.most_open = max(self.most_open, self.under_way())

    def under_way(self) -> int:
        """Orders opened and not yet done: archived (as the field saw the events), left
        unsigned for good, or given up by their customer."""
        done = self.field.stats.archived_seen
        if self.delivery is not None:
            stats = self.delivery.stats
            done += stats.never_signed + stats.given_up(never=False)
        return max(0, self._created - done)

    async def _wait_archived(
        self, deadline: float, progress: Progress | None, feeding: asyncio.Task[None]
    ) -> bool:
        def failed() -> bool:  # run() re-raises it
            return feeding.done() and feeding.exception() is not None

        watch = ArchivedWatch(
            seen=lambda: self.field.stats.archived_seen, read_hub=self.archived, done=self._done
        )
        return await watch.wait(deadline, progress, failed)

    def _done(self, archived: int) -> bool:
        """Every order archived, but those whose customer never signs or gave up (a customer
        who gave up is reported in signing_failures, not waited for)."""
        return archived + self._gave_up() >= self.orders - self.expected_unsigned and (
            self._customers_done()
        )

    def _customers_done(self) -> bool:
        """Every customer who never signs has had the link (so the run counts them), or gave
        up waiting for it."""
        if self.delivery is None:
            return True
        stats = self.delivery.stats
        return stats.never_signed + stats.given_up(never=True) >= self.expected_unsigned

    def _gave_up(self) -> int:
        """Orders that will not be archived: their customer's signing failed."""
        return 0 if self.delivery is None else self.delivery.stats.given_up(never=False)

    async def _sms_in_flight(self) -> int:
        return (await hub_counts(self.ops, self.order_prefix)).sms.in_flight


def _delivery(
    hub: Hub,
    seed: int,
    web_url: str,
    standins: httpx.AsyncClient | None,
    rates: SigningRates | None,
    *,
    plan: HistoryPlan | None,
) -> SimulatedDelivery | None:
    if rates is None and plan is None:
        return None
    rates = rates or SigningRates()
    return SimulatedDelivery(
        web_url,
        PlatformPhones(standins, number_of=customer_phone),
        seed=seed,
        on_site_rate=rates.on_site,
        never_sign_rate=rates.never,
        auth=TokensByCaller(demo_issuer(hub)),
        plan=plan,
    )


def _problems(
    hub: Hub, seed: int, rates: OnSiteRates | None, plan: HistoryPlan | None
) -> SiteProblems | None:
    if plan is not None:
        return SiteProblems(hub.inventory, seed=seed, choose=plan.fix, no_box_share=0.0)
    if rates is None or not (rates.bad_fiber or rates.bad_box or rates.exception):
        return None
    return SiteProblems(
        hub.inventory,
        seed=seed,
        bad_fiber_rate=rates.bad_fiber,
        bad_box_rate=rates.bad_box,
        exception_rate=rates.exception,
    )


def demo_issuer(hub: Hub) -> Issue:
    """Issues each simulated caller a 24-hour token of the hub's user store, as `hub users add`
    would: the simulated field app signs in like the real one."""

    async def issue(role: Role, technician_id: str | None) -> str:
        name = f"demo-tech-{technician_id.lower()}" if technician_id else f"demo-{role.value}"
        return await issue_token(
            hub.users,
            name.replace("_", "-"),
            role,
            technician_id=technician_id,
            valid_for=DEMO_TTL,
            replace=True,
        )

    return issue


def run_operator(hub: Hub, run_id: str) -> Issue:
    """Issues the run its own 24-hour operator token, to read the hub's counts; named after the
    run, so the `demo-ops` token that `hub up` prints stays valid."""

    async def issue(role: Role, technician_id: str | None) -> str:
        name = f"demo-{run_id.lower()}-{role.value}".replace("_", "-")
        return await issue_token(hub.users, name, role, valid_for=DEMO_TTL, replace=True)

    return issue
