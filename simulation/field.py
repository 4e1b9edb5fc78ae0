"""The simulated field: a dispatcher and technicians reacting to the hub's events over AMQP.

They use only the public contracts (events in, commands out), on queues of their own, exactly
as an outside system would. Command message ids are derived from the order and step, so a
redelivered event makes the same command again and the hub's inbox suppresses it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from faststream.rabbit import RabbitBroker, RabbitRouter
from pydantic import BaseModel

from hub.errors import HubError
from hub.messaging.topology import Topology, message_type
from hub.ports import ResourceInventory
from schemas.v1 import (
    AccountManager,
    ArchiveWorkOrder,
    CheckIn,
    CompleteWorkOrder,
    Contact,
    Coordinates,
    CreateWorkOrder,
    DispatchWorkOrder,
    InstallAddress,
    Technician,
    TechnicianCheckedIn,
    WorkOrderArchived,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderDispatched,
)
from simulation.delivery import SimulatedDelivery
from simulation.draws import draw
from simulation.on_site import SiteProblems
from simulation.queues import Subscribe, sim_queue, sim_subscriber

log = structlog.get_logger(__name__)

STREETS = ("南京东路", "淮海中路", "世纪大道", "漕溪北路", "长寿路", "张江路", "虹桥路", "武宁路")
PRODUCTS = ("数据专线", "互联网专线", "云网专线", "OTN 专线")
CENTER = (31.2304, 121.4737)
METRES_PER_DEGREE = 111_320.0


@dataclass
class FieldStats:
    """What the simulated parties did."""

    dispatched: int = 0
    checked_in: int = 0
    far_check_ins: int = 0
    without_resources: int = 0  # the inventory had nothing free nearby (or failed)
    completed: int = 0
    archived: int = 0
    archived_seen: int = 0
    published: int = 0
    step_latencies_s: list[float] = field(default_factory=list)


def customer_phone(order_id: str) -> str:
    """The mobile number of a simulated order's customer: one per order number, so each phone
    gets only its own texts (a reissued order `….R1` keeps its customer)."""
    return f"+86139{order_index(order_id) % 10**8:08d}"


@dataclass
class SimulatedField:
    """Builds the orders and reacts to events; `router()` attaches the reactions to a broker."""

    topology: Topology
    seed: int = 7
    run_id: str = ""
    technicians: int = 20
    far_check_in_rate: float = 0.05
    stats: FieldStats = field(default_factory=FieldStats)
    # Orders get their resources from the inventory when set; `problems` adds on-site fixes;
    # `delivery` ends a visit with tests and a signed report instead of a plain completion.
    inventory: ResourceInventory | None = None
    problems: SiteProblems | None = None
    delivery: SimulatedDelivery | None = None
    # Which orders (by index) get resources from the inventory; None: every one.
    with_resources: Callable[[int], bool] | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._broker: RabbitBroker | None = None
        self._sent_at: dict[str, float] = {}

    def order(self, index: int) -> CreateWorkOrder:
        """The `index`-th order of this seed: a plausible Shanghai line order."""
        rng = random.Random(f"{self.seed}:{index}")
        lat = CENTER[0] + rng.uniform(-0.15, 0.15)
        lon = CENTER[1] + rng.uniform(-0.15, 0.15)
        order_id = f"SIM{self.seed}{self.run_id}-{index:06d}"
        return CreateWorkOrder(
            order_id=order_id,
            customer_name=f"上海{rng.choice(('星海', '东方', '浦江', '申通', '华亭'))}科技有限公司",
            contact=Contact(name="联系人", phone=customer_phone(order_id)),
            product=rng.choice(PRODUCTS),
            bandwidth_mbps=rng.choice((50, 100, 200, 500, 1000)),
            install_address=InstallAddress(
                text=f"上海市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                coordinates=Coordinates(lat=round(lat, 6), lon=round(lon, 6)),
            ),
            account_manager=AccountManager(name="客户经理", email="am@example.com"),
        )

    def router(self) -> RabbitRouter:
        router = RabbitRouter()
        t = self.topology

        def sub(name: str, model: type[BaseModel]) -> Subscribe:
            return sim_subscriber(router, t, name, model)

        @sub("dispatcher.created", WorkOrderCreated)
        async def on_created(event: WorkOrderCreated) -> None:
            if event.reissued_from is not None:
                return  # reissued after an on-site fix: the hub dispatched it already
            self._observe(event.order_id, "create")
            await self._send(self._dispatch(event), f"sim:{event.order_id}:dispatch")
            self.stats.dispatched += 1

        @sub("technician.dispatched", WorkOrderDispatched)
        async def on_dispatched(event: WorkOrderDispatched) -> None:
            self._observe(event.order_id, "dispatch")
            visit = "" if event.version == 2 else f":v{event.version}"  # v2: the first dispatch
            await self._send(self._check_in(event), f"sim:{event.order_id}:check_in{visit}")
            self.stats.checked_in += 1

        @sub("technician.checked_in", TechnicianCheckedIn)
        async def on_checked_in(event: TechnicianCheckedIn) -> None:
            self._observe(event.order_id, "check_in")
            if not event.within_radius:
                self.stats.far_check_ins += 1
            if self.problems is not None and await self.problems.act(
                event, self._site(event.order_id), self._send
            ):
                return
            await self.finish(event.order_id, event.technician_id, "开通测试正常")

        @sub("dispatcher.completed", WorkOrderCompleted)
        async def on_completed(event: WorkOrderCompleted) -> None:
            self._observe(event.order_id, "complete")
            if self.delivery is not None:
                return  # completed by the signed report: the hub archives it after 报竣
            await self._send(
                ArchiveWorkOrder(order_id=event.order_id), f"sim:{event.order_id}:archive"
            )
            self.stats.archived += 1

        @sub("observer.archived", WorkOrderArchived)
        async def on_archived(event: WorkOrderArchived) -> None:
            self._observe(event.order_id, "archive")
            self.stats.archived_seen += 1

        if self.problems is not None:
            router.include_router(
                self.problems.router(t, self._send, self._dispatch_order, self.finish)
            )
        if self.delivery is not None:
            router.include_router(self.delivery.router(t, self._send))
        return router

    async def finish(self, order_id: str, technician_id: str, note: str) -> None:
        """The technician ends the visit: tests for the report to sign, or a plain completion."""
        if self.delivery is not None:
            bandwidth = self.order(order_index(order_id)).bandwidth_mbps
            await self.delivery.run_tests(order_id, technician_id, bandwidth, self._send)
        else:
            cmd = CompleteWorkOrder(order_id=order_id, technician_id=technician_id, note=note)
            await self._send(cmd, f"sim:{order_id}:complete")
        self.stats.completed += 1

    def attach(self, broker: RabbitBroker) -> None:
        """Subscribe on `broker` (before it starts) and publish commands through it."""
        self._broker = broker
        broker.include_router(self.router())

    def queue_names(self) -> list[str]:
        names = (
            "dispatcher.created",
            "technician.dispatched",
            "technician.checked_in",
            "dispatcher.completed",
            "observer.archived",
        )
        extra = SiteProblems.queue_names(self.topology) if self.problems is not None else []
        if self.delivery is not None:
            extra += SimulatedDelivery.queue_names(self.topology)
        return [sim_queue(self.topology, n) for n in names] + extra

    async def create(self, index: int) -> CreateWorkOrder:
        order = self.order(index)
        if self.inventory is not None and (self.with_resources or _every)(index):
            try:
                resources = await self.inventory.allocate(
                    order.order_id,
                    near=order.install_address.coordinates,
                    idempotency_key=f"allocate:{order.order_id}",
                )
            except HubError as exc:  # nothing free nearby (a long-used demo inventory)
                log.warning(
                    "order goes out without resources", order_id=order.order_id, error=str(exc)
                )
                self.stats.without_resources += 1
                resources = None
            order = order.model_copy(update={"resources": resources})
        await self._send(order, f"sim:{order.order_id}:create")
        return order

    def _observe(self, order_id: str, step: str) -> None:
        """Latency from our command to the hub's event for it (first sighting only)."""
        sent = self._sent_at.pop(f"sim:{order_id}:{step}", None)
        if sent is not None:
            self.stats.step_latencies_s.append(time.monotonic() - sent)

    async def _send(self, message: BaseModel, message_id: str) -> None:
        assert self._broker is not None, "attach() the field to a broker first"
        self._sent_at.setdefault(message_id, time.monotonic())
        await self._broker.publish(
            message.model_dump_json().encode(),
            exchange=self.topology.bus,
            routing_key=self.topology.route(type(message)),
            message_id=message_id,
            content_type="application/json",
            message_type=message_type(type(message)),
            persist=True,
            mandatory=True,
        )
        self.stats.published += 1

    def _dispatch(self, event: WorkOrderCreated) -> DispatchWorkOrder:
        return self._dispatch_order(event.order_id)

    def _dispatch_order(self, order_id: str) -> DispatchWorkOrder:
        rng = draw(self.seed, order_id, "tech")
        number = rng.randrange(self.technicians)
        start = datetime.now(UTC).replace(microsecond=0)
        return DispatchWorkOrder(
            order_id=order_id,
            technician=Technician(
                id=f"T{number:04d}", name=f"装维{number:02d}", phone=f"+86137{number:08d}"
            ),
            appointment_start=start,
            appointment_end=start + timedelta(hours=2),
        )

    def _check_in(self, event: WorkOrderDispatched) -> CheckIn:
        rng = draw(self.seed, event.order_id, "pos")
        far = rng.random() < self.far_check_in_rate
        metres = rng.uniform(800, 3000) if far else rng.uniform(0, 150)
        site = self._site(event.order_id)
        return CheckIn(
            order_id=event.order_id,
            technician_id=event.technician.id,
            position=Coordinates(lat=site.lat + metres / METRES_PER_DEGREE, lon=site.lon),
        )

    def _site(self, order_id: str) -> Coordinates:
        return self.order(order_index(order_id)).install_address.coordinates


def _every(index: int) -> bool:
    return True


def order_index(order_id: str) -> int:
    """The order's number in its run: "SIM7R1a2b-000042.R1" → 42."""
    return int(order_id.rsplit("-", 1)[1].split(".", maxsplit=1)[0])
