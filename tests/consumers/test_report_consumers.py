"""The report consumer with the in-memory broker: a render request makes the next version."""

from __future__ import annotations

from hub.bootstrap import Hub
from schemas.v1 import RenderReport
from tests.consumers.memory_reads import outbox_bodies, parked
from tests.delivery_support import checked_in, page_count, record_passing_tests
from tests.helpers import publish


async def test_a_render_request_stores_report_v1_and_queues_report_rendered(
    memory_hub: Hub,
) -> None:
    await checked_in(memory_hub, "WO-R1")
    await record_passing_tests(memory_hub, "WO-R1", 1000)

    await publish(memory_hub, RenderReport(order_id="WO-R1"))

    async with memory_hub.uow.read() as uow:
        report = await uow.reports.latest("WO-R1")
    assert report is not None and report.version == 1
    pdf = await memory_hub.reports.store.read_verified(report.sha256)
    assert page_count(pdf) >= 1
    [rendered] = await outbox_bodies(memory_hub, "ReportRendered.v1")
    assert (rendered["order_id"], rendered["version"], rendered["sha256"]) == (
        "WO-R1",
        1,
        report.sha256,
    )
    assert parked(memory_hub) == []
