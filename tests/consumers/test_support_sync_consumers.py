"""The support-sync consumers with the in-memory broker: the hub's events mirrored into the
embedded support system (客保) stand-in, each effect once."""

from __future__ import annotations

from hub.bootstrap import Hub
from tests import factories
from tests.consumers.memory_reads import forward, outbox_bodies, parked
from tests.consumers.on_site_steps import swapped
from tests.fakes.standin_oracles import SupportRecords
from tests.helpers import publish


async def test_a_created_order_is_registered_with_its_flow_log_line(memory_hub: Hub) -> None:
    await publish(memory_hub, factories.create_order("WO-S1"))
    [line] = await outbox_bodies(memory_hub, "FlowLogEntry.v1")

    await forward(memory_hub, "WorkOrderCreated.v1")
    await forward(memory_hub, "FlowLogEntry.v1")

    support = SupportRecords.of(memory_hub.work_order_system)
    assert await support.statuses() == {"WO-S1": "created"}
    assert await support.flow_log_entries("WO-S1") == [line]
    assert parked(memory_hub) == []


async def test_an_archived_order_is_archived_in_the_support_system(memory_hub: Hub) -> None:
    for cmd in (
        factories.create_order("WO-S2"),
        factories.dispatch("WO-S2"),
        factories.check_in("WO-S2"),
        factories.complete("WO-S2"),
        factories.archive("WO-S2"),
    ):
        await publish(memory_hub, cmd)

    await forward(memory_hub, "WorkOrderCreated.v1")
    await forward(memory_hub, "WorkOrderArchived.v1")

    support = SupportRecords.of(memory_hub.work_order_system)
    assert await support.statuses() == {"WO-S2": "archived"}
    assert await support.calls("archive") == [("archive", "archive:WO-S2")]


async def test_the_same_flow_log_line_twice_is_mirrored_once(memory_hub: Hub) -> None:
    await publish(memory_hub, factories.create_order("WO-S3"))

    await forward(memory_hub, "FlowLogEntry.v1")
    await forward(memory_hub, "FlowLogEntry.v1")  # the relay sent it again: same message id

    support = SupportRecords.of(memory_hub.work_order_system)
    assert await support.flow_log_lines("WO-S3") == 1
    assert await support.repeated_keys() == {"flow-log:WO-S3:1": 2}  # called twice, kept once


async def test_an_order_reissued_on_site_is_archived_there_and_its_successor_registered(
    memory_hub: Hub,
) -> None:
    await swapped(memory_hub, "WO-S4")

    await forward(memory_hub, "WorkOrderCreated.v1")
    await forward(memory_hub, "WorkOrderReissued.v1")

    support = SupportRecords.of(memory_hub.work_order_system)
    assert await support.statuses() == {"WO-S4": "archived", "WO-S4.R1": "created"}
    assert parked(memory_hub) == []
