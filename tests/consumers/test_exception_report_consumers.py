"""The exception-report consumers with the in-memory broker: a report goes to the person the
directory names, its resolution back to the technician."""

from __future__ import annotations

from typing import Any

from hub.bootstrap import Hub
from hub.domain.exception_report import ReportState
from schemas.v1 import ExceptionType, ResolveException, ResponsibleParty, ResponsibleRole
from tests import factories
from tests.consumers.memory_reads import outbox_bodies, parked
from tests.delivery_support import checked_in
from tests.helpers import publish
from tests.on_site_factories import exception

DUTY = ResponsibleParty(
    role=ResponsibleRole.ACCOUNT_MANAGER, name="黄浦客户经理", phone="+8613900002002"
)


async def texts(hub: Hub, purpose: str) -> list[dict[str, Any]]:
    """The SMS commands of one purpose queued in the outbox."""
    return [s for s in await outbox_bodies(hub, "SendSms.v1") if s["purpose"] == purpose]


async def reported(hub: Hub, order_id: str, report_id: str) -> None:
    await checked_in(hub, order_id)
    await hub.directory.put(ExceptionType.ACCESS_DENIED, "黄浦区", DUTY, by="test-supervisor")
    await publish(hub, exception(order_id, report_id=report_id))


async def test_a_report_is_routed_to_the_responsible_person_from_the_directory(
    memory_hub: Hub,
) -> None:
    await reported(memory_hub, "WO-E1", "exc-e1-0001")

    async with memory_hub.uow.read() as uow:
        report = await uow.exceptions.get("exc-e1-0001")
    # The directory decides, not the responsible person the field app suggested.
    assert exception("WO-E1").responsible.phone != DUTY.phone
    assert (report.state, report.responsible) == (ReportState.OPEN, DUTY)
    [reported_event] = await outbox_bodies(memory_hub, "ExceptionReported.v1")
    assert reported_event["responsible"]["phone"] == DUTY.phone
    [sms] = await texts(memory_hub, "exception_report")
    assert (sms["sms_id"], sms["to"]) == ("exception-report:exc-e1-0001", DUTY.phone)
    assert "WO-E1" in sms["body"] and "/exceptions/exc-e1-0001" in sms["body"]
    assert parked(memory_hub) == []


async def test_a_resolution_closes_the_report_and_texts_the_technician(memory_hub: Hub) -> None:
    await reported(memory_hub, "WO-E2", "exc-e2-0001")

    await publish(
        memory_hub,
        ResolveException(report_id="exc-e2-0001", resolved_by="李娜", resolution="已协调物业"),
    )

    async with memory_hub.uow.read() as uow:
        report = await uow.exceptions.get("exc-e2-0001")
    assert (report.state, report.resolved_by) == (ReportState.RESOLVED, "李娜")
    assert len(await outbox_bodies(memory_hub, "ExceptionResolved.v1")) == 1
    notices = await texts(memory_hub, "exception_resolved")
    assert [n["to"] for n in notices] == [factories.technician().phone]
    assert parked(memory_hub) == []
