"""The simulated delivery: technicians test the line, customers sign the report, or never do.

    checked in, nothing to fix ─▶ RecordPingResult + RecordSpeedTest        (AMQP commands)
    the tests recorded ──┬▶ on site: the field app opens the signing page (HTTP); the customer
                         │  signs on the technician's phone
                         ├▶ remote: SendSigningLink (AMQP); the customer reads the text, opens
                         │  the link, asks for a code, types it, looks at the report, signs
                         └▶ remote, never signed: the text is read and left unanswered

Nobody archives a signed order: the hub completes it, attaches the signed report, archives it and
starts billing by itself. Which way an order goes is drawn per order from the seed, the same for
an order reissued after an on-site fix. Signing runs in tasks, so the event consumers stay free.

With a `plan` (a history of exact totals, `simulation.history_plan`), the plan says per order
which tests run (none, one or both; with none, signing starts at once) and how it gets signed.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

import httpx
from faststream.rabbit import RabbitRouter
from pydantic import BaseModel

from hub.messaging.topology import Topology
from schemas.v1 import (
    PingMeasurement,
    PingResultRecorded,
    RecordPingResult,
    RecordSpeedTest,
    SendSigningLink,
    SpeedMeasurement,
    SpeedTestRecorded,
)
from simulation.customers import (
    CODE,
    Browser,
    CodeRefused,
    Phones,
    SigningFailed,
    signature_data_url,
)
from simulation.draws import draw
from simulation.queues import sim_queue, sim_subscriber

Send = Callable[[BaseModel, str], Awaitable[None]]
Way = Literal["on_site", "remote", "never"]
TEST_KINDS = ("ping", "speed")
TEXT_TIMEOUT_S = 120.0  # a text waits for the relay and the SMS consumer, restarts included
CODE_REQUESTS = 3  # a customer whose code does not come asks again (the hub allows 3 resends)
CUSTOMERS_AT_ONCE = 16
HTTP_TIMEOUT_S = 60.0
PREPARING_TRIES = 60  # on-site: the app asks again while the worker renders the report
SIGNERS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊")


@dataclass
class DeliveryStats:
    """What the technicians and customers did about delivery reports."""

    tests_sent: int = 0
    signed_on_site: int = 0
    links_requested: int = 0
    signed_remote: int = 0
    never_signed: int = 0
    failures: list[str] = field(default_factory=list)
    signed: set[str] = field(default_factory=set)  # orders whose signing went through
    gave_up: dict[str, str] = field(default_factory=dict)  # order → its way, signing failed

    def given_up(self, *, never: bool) -> int:
        """Orders whose customer gave up (a failure above), of the never-signing way or not."""
        return sum(1 for way in self.gave_up.values() if (way == "never") is never)


class VisitPlan(Protocol):
    """Per order: the tests its technician runs and how its report gets signed."""

    def tests(self, order_id: str) -> frozenset[str]: ...

    def way(self, order_id: str) -> Way: ...


@dataclass
class SimulatedDelivery:
    """Tests and signatures for the orders of a simulated field; `web_url` serves the hub's web."""

    web_url: str
    phones: Phones
    seed: int = 7
    on_site_rate: float = 0.5
    never_sign_rate: float = 0.05
    auth: httpx.Auth | None = None  # the technicians' credentials (`TokensByCaller`)
    plan: VisitPlan | None = None  # None: both tests on every order, ways drawn by the rates
    stats: DeliveryStats = field(default_factory=DeliveryStats)

    def __post_init__(self) -> None:
        self._tests_seen: dict[str, set[str]] = {}
        self._started: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._at_once = asyncio.Semaphore(CUSTOMERS_AT_ONCE)
        # Every customer's browser has its own cookies, but they share one TLS set-up: building
        # one (loading the CA bundle) cost a sixth of the simulation's CPU in a history run.
        self._tls = ssl.create_default_context()
        self._field_app = httpx.AsyncClient(
            base_url=self.web_url, auth=self.auth, timeout=HTTP_TIMEOUT_S
        )

    def way(self, order_id: str) -> Way:
        """How the order's report gets signed (an order and its reissues go the same way)."""
        if self.plan is not None:
            return self.plan.way(order_id)
        roll = draw(self.seed, order_id.split(".", 1)[0], "sign").random()
        if roll < self.on_site_rate:
            return "on_site"
        roll -= self.on_site_rate
        return "never" if roll < self.never_sign_rate else "remote"

    def planned_tests(self, order_id: str) -> frozenset[str]:
        """The tests run on this order before its report is signed."""
        return self.plan.tests(order_id) if self.plan is not None else frozenset(TEST_KINDS)

    async def run_tests(
        self, order_id: str, technician_id: str, bandwidth_mbps: int, send: Send
    ) -> None:
        """One-click ping and speed test, as the field app posts them (passing results); an
        order planned without tests goes to signing at once."""
        planned = self.planned_tests(order_id)
        if not planned:
            self._start_signing(order_id, technician_id, send)
            return
        rng = draw(self.seed, order_id, "tests")
        now = datetime.now(UTC)
        avg = round(rng.uniform(2.0, 12.0), 1)
        ping = RecordPingResult(
            order_id=order_id,
            technician_id=technician_id,
            test_id="ping-1",
            measured_at=now,
            ping=PingMeasurement(
                target="114.114.114.114",
                sent=100,
                received=100,
                loss_pct=0.0,
                rtt_min_ms=round(avg * 0.6, 1),
                rtt_avg_ms=avg,
                rtt_max_ms=round(avg * 1.8, 1),
            ),
            screenshots=[],
            note="一键 ping 网关",
        )
        speed = RecordSpeedTest(
            order_id=order_id,
            technician_id=technician_id,
            test_id="speed-1",
            measured_at=now,
            speed=SpeedMeasurement(
                down_mbps=round(bandwidth_mbps * rng.uniform(0.93, 0.99), 1),
                up_mbps=round(bandwidth_mbps * rng.uniform(0.92, 0.98), 1),
                jitter_ms=round(rng.uniform(0.5, 6.0), 1),
                latency_ms=avg,
                server="上海电信测速节点",
            ),
            screenshots=[],
            note="一键测速",
        )
        for kind, command in (("ping", ping), ("speed", speed)):
            if kind in planned:
                await send(command, f"sim:{order_id}:{kind}")
                self.stats.tests_sent += 1

    def router(self, topology: Topology, send: Send) -> RabbitRouter:
        """Once both tests of an order are recorded, its report gets signed (or not)."""
        router = RabbitRouter()

        @sim_subscriber(router, topology, "technician.ping_recorded", PingResultRecorded)
        async def on_ping(event: PingResultRecorded) -> None:
            self._tested(event.order_id, event.technician_id, "ping", send)

        @sim_subscriber(router, topology, "technician.speed_recorded", SpeedTestRecorded)
        async def on_speed(event: SpeedTestRecorded) -> None:
            self._tested(event.order_id, event.technician_id, "speed", send)

        return router

    @staticmethod
    def queue_names(topology: Topology) -> list[str]:
        names = ("technician.ping_recorded", "technician.speed_recorded")
        return [sim_queue(topology, n) for n in names]

    @property
    def signing(self) -> int:
        """Signing walks still under way."""
        return len(self._tasks)

    async def close(self) -> None:
        """Stop the walks still under way (a run that timed out) and close the connections."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._field_app.aclose()

    def _tested(self, order_id: str, technician_id: str, kind: str, send: Send) -> None:
        seen = self._tests_seen.setdefault(order_id, set())
        seen.add(kind)
        if self.planned_tests(order_id) <= seen:
            self._start_signing(order_id, technician_id, send)

    def _start_signing(self, order_id: str, technician_id: str, send: Send) -> None:
        if order_id in self._started:
            return
        self._started.add(order_id)
        task = asyncio.create_task(self._sign(order_id, technician_id, send), name=order_id)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sign(self, order_id: str, technician_id: str, send: Send) -> None:
        way = self.way(order_id)
        try:
            async with self._at_once:
                if way == "on_site":
                    await self._sign_on_site(order_id, technician_id)
                    self.stats.signed_on_site += 1
                    self.stats.signed.add(order_id)
                    return
                await send(SendSigningLink(order_id=order_id), f"sim:{order_id}:link")
                self.stats.links_requested += 1
                link = await self.phones.link_text(order_id, timeout_s=TEXT_TIMEOUT_S)
            if way == "never":
                self.stats.never_signed += 1
                return
            async with self._at_once:
                await self._sign_remotely(order_id, link)
            self.stats.signed_remote += 1
            self.stats.signed.add(order_id)
        except (SigningFailed, httpx.HTTPError) as exc:
            self.stats.failures.append(f"{order_id} ({way}): {type(exc).__name__}: {exc}")
            self.stats.gave_up[order_id] = way

    async def _sign_on_site(self, order_id: str, technician_id: str) -> None:
        path = f"/api/v2/technicians/{technician_id}/orders/{order_id}/on-site-signing"
        opened = await self._field_app.post(path)
        for _ in range(PREPARING_TRIES):  # 202: the worker renders the report; ask again
            if opened.status_code != 202:
                break
            await asyncio.sleep(float(opened.headers.get("retry-after", "1")))
            opened = await self._field_app.post(path)
        if opened.status_code != 200:
            raise SigningFailed(f"on-site signing not opened: {opened.status_code}")
        # The technician's phone shows the page; the customer confirms with the texted code.
        await self._sign_remotely(order_id, opened.json()["url"])

    async def _sign_remotely(self, order_id: str, link_text: str) -> None:
        """Open the link, ask for a code, read it off the phone, enter it, sign the report."""
        async with self._customer() as client:
            browser = Browser.for_url(client, link_text)
            await browser.open()
            seen = 0
            for attempt in range(1, CODE_REQUESTS + 1):
                await browser.request_code()
                try:
                    text, seen = await self.phones.code_text(
                        order_id, after=seen, timeout_s=TEXT_TIMEOUT_S / CODE_REQUESTS
                    )
                    break
                except SigningFailed:
                    if attempt == CODE_REQUESTS:
                        raise
            await self._enter_newest_code(browser, order_id, text, seen)
            await browser.sign(signer_name=self._signer(order_id), signature=self._pen(order_id))

    async def _enter_newest_code(
        self, browser: Browser, order_id: str, text: str, seen: int
    ) -> None:
        """Type the code in; if it is refused because a text came late and a newer code
        replaced it (the customer asked again meanwhile), wait for the newer text, as a person
        would, and type that one."""
        for attempt in range(1, CODE_REQUESTS + 1):
            code = CODE.search(text)
            if code is None:
                raise SigningFailed("the code text carries no code")
            try:
                await browser.enter_code(code.group(1))
                return
            except CodeRefused:
                if attempt == CODE_REQUESTS:
                    raise
            text, seen = await self.phones.code_text(
                order_id, after=seen, timeout_s=TEXT_TIMEOUT_S / CODE_REQUESTS
            )

    def _customer(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.web_url, timeout=HTTP_TIMEOUT_S, verify=self._tls)

    def _signer(self, order_id: str) -> str:
        return draw(self.seed, order_id, "signer").choice(SIGNERS)

    def _pen(self, order_id: str) -> str:
        return signature_data_url(draw(self.seed, order_id, "pen").randrange(1000))
