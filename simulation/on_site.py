"""What the simulated technicians do when the fiber or the box on the order is bad on site.

On the first visit of an original order (never of a reissued one), by configurable rates or, in a
history of exact totals, as its plan says (`choose`; a planned box change is never a return):

    bad fiber  ─▶ pick a free fiber of the same cable from the inventory ─▶ SwapFiber
    bad box    ─▶ the nearest box with a free port ─▶ ChangeOpticalBox, or ReturnWorkOrder (退单)
                  when none is found
    other      ─▶ ReportException; the responsible person resolves it; then the order is completed
    a refused swap or box change ─▶ ReportException to the resource team, then completed

A reissued order comes back as a new dispatch and goes through the normal visit; a returned order
is dispatched again by the dispatcher. Everything goes over the AMQP contracts; the inventory is
only read, as the field app shows the technician what is free.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from faststream.rabbit import RabbitRouter
from pydantic import BaseModel

from hub.domain.resources import ResourceState
from hub.errors import HubError
from hub.messaging.topology import Topology
from hub.ports import ResourceInventory
from schemas.v1 import (
    ChangeOpticalBox,
    Coordinates,
    DispatchWorkOrder,
    ExceptionReported,
    ExceptionResolved,
    ExceptionType,
    FiberSwapRefused,
    OpticalBoxChangeRefused,
    ReportException,
    ResolveException,
    ResponsibleParty,
    ResponsibleRole,
    ReturnWorkOrder,
    SwapFiber,
    TechnicianCheckedIn,
    WorkOrderReturned,
)
from simulation.draws import draw
from simulation.queues import Subscribe, sim_queue, sim_subscriber

Send = Callable[[BaseModel, str], Awaitable[None]]
Finish = Callable[[str, str, str], Awaitable[None]]  # order, technician, note: the visit ends
FIRST_VISIT_CHECK_IN_VERSION = 3  # created 1, dispatched 2, checked in 3
NO_BOX_SHARE = 0.2  # of bad-box cases: nothing usable nearby, the order goes back to dispatch
RESPONSIBLE = {
    ExceptionType.FIBER_FAULT: ResponsibleRole.RESOURCE_TEAM,
    ExceptionType.BOX_FAULT: ResponsibleRole.RESOURCE_TEAM,
    ExceptionType.CUSTOMER_ABSENT: ResponsibleRole.ACCOUNT_MANAGER,
    ExceptionType.ACCESS_DENIED: ResponsibleRole.ACCOUNT_MANAGER,
    ExceptionType.POWER_OUTAGE: ResponsibleRole.MAINTENANCE,
}
DESCRIPTIONS = {
    ExceptionType.FIBER_FAULT: "改纤未成功，需资源中心核查纤芯",
    ExceptionType.BOX_FAULT: "更改光箱未成功，需资源中心核查光箱",
    ExceptionType.CUSTOMER_ABSENT: "客户联系人不在现场，电话未接通",
    ExceptionType.ACCESS_DENIED: "物业不让进弱电间",
    ExceptionType.POWER_OUTAGE: "机房停电，设备无法加电",
}


@dataclass
class OnSiteStats:
    """What the simulated technicians and responsible people did about on-site problems."""

    fiber_swaps_requested: int = 0
    box_changes_requested: int = 0
    returned_to_dispatch: int = 0
    exceptions_reported: int = 0
    exceptions_resolved: int = 0


@dataclass
class SiteProblems:
    """Decides which visits hit a problem (deterministic per seed) and reacts to outcomes."""

    inventory: ResourceInventory
    seed: int = 7
    bad_fiber_rate: float = 0.0
    bad_box_rate: float = 0.0
    exception_rate: float = 0.0
    # The problem of each order by id (a plan), instead of the rates.
    choose: Callable[[str], str | None] | None = None
    no_box_share: float = NO_BOX_SHARE
    stats: OnSiteStats = field(default_factory=OnSiteStats)

    def problem(self, event: TechnicianCheckedIn) -> str | None:
        """`fiber`, `box`, `exception` or None, for the first visit of an original order."""
        if ".R" in event.order_id or event.version != FIRST_VISIT_CHECK_IN_VERSION:
            return None
        if self.choose is not None:
            return self.choose(event.order_id)
        roll = draw(self.seed, event.order_id, "site").random()
        for name, rate in (
            ("fiber", self.bad_fiber_rate),
            ("box", self.bad_box_rate),
            ("exception", self.exception_rate),
        ):
            if roll < rate:
                return name
            roll -= rate
        return None

    async def act(self, event: TechnicianCheckedIn, site: Coordinates, send: Send) -> bool:
        """Handle a problem on this visit; False if there is none (the visit goes on)."""
        problem = self.problem(event)
        if problem in ("fiber", "box"):
            try:
                await self.inventory.assignment(event.order_id)
            except HubError:  # an order without resources in the inventory: nothing to fix
                return False
        match problem:
            case "fiber":
                await self._swap_fiber(event, send)
            case "box":
                await self._change_box(event, site, send)
            case "exception":
                kind = draw(self.seed, event.order_id, "exc").choice(
                    (
                        ExceptionType.CUSTOMER_ABSENT,
                        ExceptionType.ACCESS_DENIED,
                        ExceptionType.POWER_OUTAGE,
                    )
                )
                await self._report(event.order_id, event.technician_id, kind, send)
            case _:
                return False
        return True

    def router(
        self,
        topology: Topology,
        send: Send,
        dispatch: Callable[[str], DispatchWorkOrder],
        finish: Finish,
    ) -> RabbitRouter:
        """Responsible people resolve, technicians finish after a resolution or a refusal,
        the dispatcher sends returned orders out again."""
        router = RabbitRouter()

        def sub(name: str, model: type[BaseModel]) -> Subscribe:
            return sim_subscriber(router, topology, name, model)

        @sub("responsible.exception_reported", ExceptionReported)
        async def on_reported(event: ExceptionReported) -> None:
            cmd = ResolveException(
                report_id=event.report_id,
                resolved_by=event.responsible.name,
                resolution="已协调处理，可继续施工",
            )
            await send(cmd, f"sim:{event.report_id}:resolve")
            self.stats.exceptions_resolved += 1

        @sub("technician.exception_resolved", ExceptionResolved)
        async def on_resolved(event: ExceptionResolved) -> None:
            await finish(event.order_id, event.technician_id, "异常处理后开通")

        @sub("technician.fiber_swap_refused", FiberSwapRefused)
        async def on_swap_refused(event: FiberSwapRefused) -> None:
            await self._report(event.order_id, event.technician_id, ExceptionType.FIBER_FAULT, send)

        @sub("technician.box_change_refused", OpticalBoxChangeRefused)
        async def on_box_refused(event: OpticalBoxChangeRefused) -> None:
            await self._report(event.order_id, event.technician_id, ExceptionType.BOX_FAULT, send)

        @sub("dispatcher.returned", WorkOrderReturned)
        async def on_returned(event: WorkOrderReturned) -> None:
            await send(dispatch(event.order_id), f"sim:{event.order_id}:dispatch:v{event.version}")

        return router

    @staticmethod
    def queue_names(topology: Topology) -> list[str]:
        names = (
            "responsible.exception_reported",
            "technician.exception_resolved",
            "technician.fiber_swap_refused",
            "technician.box_change_refused",
            "dispatcher.returned",
        )
        return [sim_queue(topology, n) for n in names]

    async def _swap_fiber(self, event: TechnicianCheckedIn, send: Send) -> None:
        current = await self.inventory.assignment(event.order_id)
        free = await self.inventory.fibers(current.cable_id, state=ResourceState.FREE)
        if not free:
            await self._report(event.order_id, event.technician_id, ExceptionType.FIBER_FAULT, send)
            return
        pick = draw(self.seed, event.order_id, "fiber").choice(free)
        cmd = SwapFiber(
            change_id=f"sim:{event.order_id}:swap",
            order_id=event.order_id,
            technician_id=event.technician_id,
            fiber_id=pick.fiber_id,
            fiber_no=pick.fiber_no,
        )
        await send(cmd, f"sim:{event.order_id}:swap")
        self.stats.fiber_swaps_requested += 1

    async def _change_box(self, event: TechnicianCheckedIn, site: Coordinates, send: Send) -> None:
        rng = draw(self.seed, event.order_id, "box")
        current = await self.inventory.assignment(event.order_id)
        usable = [
            (box.box_id, port)
            for box in await self.inventory.boxes_near(site, limit=5)
            for port in box.free_ports
            if (box.box_id, port) != (current.box_id, current.port)
        ]
        if not usable or rng.random() < self.no_box_share:
            cmd: BaseModel = ReturnWorkOrder(
                order_id=event.order_id,
                technician_id=event.technician_id,
                reason="现场光箱损坏，附近无可用光箱端口",
            )
            await send(cmd, f"sim:{event.order_id}:return")
            self.stats.returned_to_dispatch += 1
            return
        box_id, port = usable[0]
        cmd = ChangeOpticalBox(
            change_id=f"sim:{event.order_id}:box",
            order_id=event.order_id,
            technician_id=event.technician_id,
            box_id=box_id,
            port=port,
        )
        await send(cmd, f"sim:{event.order_id}:box")
        self.stats.box_changes_requested += 1

    async def _report(
        self, order_id: str, technician_id: str, kind: ExceptionType, send: Send
    ) -> None:
        role = RESPONSIBLE[kind]
        cmd = ReportException(
            report_id=f"sim:{order_id}:exc",
            order_id=order_id,
            technician_id=technician_id,
            type=kind,
            description=DESCRIPTIONS[kind],
            responsible=ResponsibleParty(
                role=role, name=f"{role.value}值班", phone="+8613600136000"
            ),
        )
        await send(cmd, f"sim:{order_id}:exc")
        self.stats.exceptions_reported += 1
