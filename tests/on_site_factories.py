"""Valid on-site commands and orders for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain import work_order
from hub.domain.work_order import WorkOrder
from schemas.v1 import (
    ChangeOpticalBox,
    ExceptionType,
    ReportException,
    ResourceAssignment,
    ResponsibleParty,
    ResponsibleRole,
    SwapFiber,
)
from tests import factories

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RADIUS = 500.0
BEFORE = ResourceAssignment(
    cable_id="C001", fiber_id="C001-F001", fiber_no=1, box_id="B001", port=1
)
AFTER = BEFORE.model_copy(update={"fiber_id": "C001-F005", "fiber_no": 5})


def dispatched(order_id: str = "WO-1", tech_id: str = "T001") -> WorkOrder:
    order, _ = work_order.create(factories.create_order(order_id), now=NOW)
    order, _ = work_order.decide(
        order, factories.dispatch(order_id, tech_id), now=NOW, radius_m=RADIUS
    )
    return order


def checked_in(order_id: str = "WO-1", tech_id: str = "T001") -> WorkOrder:
    order, _ = work_order.decide(
        dispatched(order_id, tech_id),
        factories.check_in(order_id, tech_id),
        now=NOW,
        radius_m=RADIUS,
    )
    return order


def swap(
    order_id: str = "WO-1",
    tech_id: str = "T001",
    *,
    fiber_no: int = 5,
    change_id: str = "swap-0001",
) -> SwapFiber:
    return SwapFiber(
        change_id=change_id,
        order_id=order_id,
        technician_id=tech_id,
        fiber_id=f"C001-F{fiber_no:03d}",
        fiber_no=fiber_no,
    )


def box_change(
    order_id: str = "WO-1", tech_id: str = "T001", *, port: int = 6, change_id: str = "box-00001"
) -> ChangeOpticalBox:
    return ChangeOpticalBox(
        change_id=change_id, order_id=order_id, technician_id=tech_id, box_id="B002", port=port
    )


def exception(
    order_id: str = "WO-1", tech_id: str = "T001", *, report_id: str = "exc-00001"
) -> ReportException:
    return ReportException(
        report_id=report_id,
        order_id=order_id,
        technician_id=tech_id,
        type=ExceptionType.ACCESS_DENIED,
        description="物业不让进弱电间，需客户经理协调",
        photos=["sha256:" + "ab" * 32],
        responsible=ResponsibleParty(
            role=ResponsibleRole.ACCOUNT_MANAGER, name="李娜", phone="+8613600136000"
        ),
    )
