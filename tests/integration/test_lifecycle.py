"""A work order moves through its whole lifecycle over the real broker, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.bootstrap import Hub
from hub.db.tables import outbox
from hub.domain.pii import mask_phone
from hub.domain.work_order import Status
from tests import factories
from tests.fakes.standin_oracles import SmsRecords, SupportRecords
from tests.helpers import eventually, publish

pytestmark = pytest.mark.integration


async def _status(hub: Hub, order_id: str) -> Status | None:
    async with hub.uow() as uow:
        order = await uow.orders.find(order_id)
    return order.status if order else None


async def test_order_reaches_archived_with_flow_log_and_sms(hub: Hub) -> None:
    oid = "WO-LIFE-1"
    steps = [
        (factories.create_order(oid), Status.CREATED),
        (factories.dispatch(oid), Status.DISPATCHED),
        (factories.check_in(oid), Status.CHECKED_IN),
        (factories.complete(oid), Status.COMPLETED),
        (factories.archive(oid), Status.ARCHIVED),
    ]
    for command, expected in steps:
        await publish(hub, command)

        async def reached(expected: Status = expected) -> bool:
            return await _status(hub, oid) == expected

        await eventually(reached)

    async with hub.uow() as uow:
        log = await uow.flow_log.list(oid)
    assert [e.step for e in log] == ["created", "dispatched", "checked_in", "completed", "archived"]
    assert log[2].details["within_radius"] is True

    support = SupportRecords.of(hub.work_order_system)

    async def mirrored() -> bool:
        return await support.flow_log_lines(oid) == 5

    await eventually(mirrored)

    async def outbox_drained() -> bool:
        async with hub.db.read() as conn:
            pending = await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
        return pending == 0

    await eventually(outbox_drained)
    texts = await SmsRecords.of(hub.sms_sender).masked_recipients()
    masked = mask_phone(factories.technician().phone)
    assert texts == [(f"dispatch-notice:{oid}:v2", masked)] and masked.count("*") == 8
