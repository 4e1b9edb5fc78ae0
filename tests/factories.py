"""Valid commands for tests, with sensible Shanghai data."""

from __future__ import annotations

import random
import zlib
from datetime import UTC, datetime, timedelta

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
)

SITE = Coordinates(lat=31.2304, lon=121.4737)


def create_order(order_id: str, *, rng: random.Random | None = None) -> CreateWorkOrder:
    rng = rng or random.Random(order_id)
    return CreateWorkOrder(
        order_id=order_id,
        customer_name="上海某某科技有限公司",
        contact=Contact(name="张伟", phone=f"+86138{rng.randrange(10**8):08d}"),
        product="数据专线",
        bandwidth_mbps=rng.choice([100, 200, 500, 1000]),
        install_address=InstallAddress(text="上海市黄浦区南京东路 1 号", coordinates=SITE),
        account_manager=AccountManager(name="李娜", email="li.na@example.com"),
    )


def technician(tech_id: str = "T001") -> Technician:
    """Each technician has a phone of their own, as in the field (SMS limits count per phone)."""
    return Technician(
        id=tech_id, name="王强", phone=f"+86139{zlib.crc32(tech_id.encode()) % 10**8:08d}"
    )


def dispatch(
    order_id: str, tech_id: str = "T001", *, hours: float = 4, starts_in_hours: float = 0
) -> DispatchWorkOrder:
    start = datetime.now(UTC) + timedelta(hours=starts_in_hours)
    return DispatchWorkOrder(
        order_id=order_id,
        technician=technician(tech_id),
        appointment_start=start,
        appointment_end=start + timedelta(hours=hours),
    )


def check_in(order_id: str, tech_id: str = "T001", *, offset_deg: float = 0.0) -> CheckIn:
    return CheckIn(
        order_id=order_id,
        technician_id=tech_id,
        position=Coordinates(lat=SITE.lat + offset_deg, lon=SITE.lon),
    )


def complete(order_id: str, tech_id: str = "T001") -> CompleteWorkOrder:
    return CompleteWorkOrder(order_id=order_id, technician_id=tech_id, note="光猫已开通")


def archive(order_id: str) -> ArchiveWorkOrder:
    return ArchiveWorkOrder(order_id=order_id)
