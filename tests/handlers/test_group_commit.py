"""Group commit: deliveries in flight together share one transaction, and none loses by it.

The deliveries here go through `CommandTable.handle`, as the broker's consumers hand them over;
`asyncio.gather` puts them in flight together, as a consumer's prefetch does.
"""

from __future__ import annotations

import asyncio

import pytest

from hub.domain.work_order import Status
from hub.errors import IllegalTransition
from schemas.v1 import WorkOrderCreated
from tests import factories
from tests.handlers.harness import FakeHub
from tests.helpers import transaction_groups


async def deliver_together(hub: FakeHub, *items: tuple[str, object, str]) -> list[object]:
    """Hand (consumer, message, message id) deliveries over at once; results or exceptions."""
    return await asyncio.gather(
        *(hub.commands.handle(consumer)(message, mid) for consumer, message, mid in items),
        return_exceptions=True,
    )


async def test_orders_created_together_are_committed_in_one_transaction(hub: FakeHub) -> None:
    creates = [factories.create_order(f"WO-{i}") for i in range(10)]
    commits_before = hub.uow.commits
    results = await deliver_together(
        hub, *(("workorder.create", c, f"m-{i}") for i, c in enumerate(creates))
    )
    assert results == [True] * 10
    assert hub.uow.commits - commits_before == 1
    assert transaction_groups(hub.metrics) == (1, 10)
    assert {o: hub.order(o).status for o in hub.tables.orders} == {
        f"WO-{i}": Status.CREATED for i in range(10)
    }
    assert len(hub.tables.published(WorkOrderCreated)) == 10


async def test_a_refused_delivery_fails_alone_and_the_rest_of_its_group_commits(
    hub: FakeHub,
) -> None:
    await hub.created("WO-0")
    creates = [factories.create_order(f"WO-{i}") for i in range(1, 6)]
    items = [("workorder.create", c, f"m-{i}") for i, c in enumerate(creates)]
    items.insert(2, ("workorder.complete", factories.complete("WO-0"), "bad"))  # not checked in
    results = await deliver_together(hub, *items)
    [refused] = [r for r in results if isinstance(r, Exception)]
    assert isinstance(refused, IllegalTransition)
    assert results.index(refused) == 2
    assert [r for r in results if r is not refused] == [True] * 5
    assert sorted(hub.tables.orders) == [f"WO-{i}" for i in range(6)]
    assert hub.order("WO-0").status is Status.CREATED
    assert ("workorder.complete", "bad") not in hub.tables.inbox  # redelivered, then parked
    assert len(hub.tables.published(WorkOrderCreated)) == 6


async def test_a_message_delivered_twice_in_one_group_has_one_effect(hub: FakeHub) -> None:
    await hub.created("WO-1")
    dispatch = hub.dispatch("WO-1")
    results = await deliver_together(
        hub, ("workorder.dispatch", dispatch, "m-1"), ("workorder.dispatch", dispatch, "m-1")
    )
    assert results == [True, False]
    assert hub.order("WO-1").version == 2
    assert hub.metrics.duplicates_suppressed.labels("workorder.dispatch")._value.get() == 1


async def test_a_group_whose_commit_conflicts_is_run_again_delivery_by_delivery(
    hub: FakeHub,
) -> None:
    creates = [factories.create_order(f"WO-{i}") for i in range(4)]
    hub.uow.conflict_next_commits = 1
    commits_before = hub.uow.commits
    results = await deliver_together(
        hub, *(("workorder.create", c, f"m-{i}") for i, c in enumerate(creates))
    )
    assert results == [True] * 4
    assert hub.uow.commits - commits_before == 4  # each alone after the group's conflict
    assert len(hub.tables.published(WorkOrderCreated)) == 4


async def test_a_delivery_with_nothing_beside_it_commits_at_once_alone(hub: FakeHub) -> None:
    assert await hub.commands.handle("workorder.create")(factories.create_order("WO-1"), "m-1")
    assert hub.order("WO-1").status is Status.CREATED
    assert transaction_groups(hub.metrics) == (1, 1)


async def test_web_commands_commit_on_their_own(hub: FakeHub) -> None:
    """A request answers once its own command is committed: `run` never waits for a group."""
    commits_before = hub.uow.commits
    await asyncio.gather(*(hub.run(factories.create_order(f"WO-{i}")) for i in range(3)))
    assert hub.uow.commits - commits_before == 3
    assert transaction_groups(hub.metrics) == (0, 0)


@pytest.mark.parametrize("message_id", [None, ""])
async def test_a_delivery_without_message_id_is_refused_before_it_waits(
    hub: FakeHub, message_id: str | None
) -> None:
    with pytest.raises(Exception, match="no message_id"):
        await hub.commands.handle("workorder.create")(factories.create_order("WO-1"), message_id)
    assert hub.tables.orders == {}


async def test_a_delivery_cancelled_before_its_group_ran_is_left_for_redelivery(
    hub: FakeHub,
) -> None:
    """At shutdown a delivery's wait can be cancelled; it is not acked, so it must not have
    taken effect: the broker delivers it again."""
    handle = hub.commands.handle("workorder.create")
    first = asyncio.create_task(handle(factories.create_order("WO-1"), "m-1"))
    cancelled = asyncio.create_task(handle(factories.create_order("WO-2"), "m-2"))
    await asyncio.sleep(0)  # both are waiting; the committer has not run yet
    cancelled.cancel()
    assert await first is True
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert sorted(hub.tables.orders) == ["WO-1"]
    assert ("workorder.create", "m-2") not in hub.tables.inbox
