"""A demo run waits on the field's events and ends only on the hub's own count, read rarely."""

from __future__ import annotations

import time

import pytest

from simulation.demo.progress import ArchivedWatch

ORDERS = 40


class Orders:
    """A run whose orders are archived one per poll; the field may see an event twice or not
    at all."""

    def __init__(self, *, extra_seen: int = 0) -> None:
        self.archived = 0
        self.extra_seen = extra_seen  # repeated (>0) or missed (<0) events
        self.reads = 0
        self.shown: list[int] = []

    def seen(self) -> int:
        self.archived = min(ORDERS, self.archived + 1)
        return max(0, self.archived + self.extra_seen)

    async def read_hub(self) -> int:
        self.reads += 1
        return self.archived


def watch(orders: Orders, *, every_s: float = 60.0) -> ArchivedWatch:
    return ArchivedWatch(
        seen=orders.seen,
        read_hub=orders.read_hub,
        done=lambda n: n >= ORDERS,
        every_s=every_s,
        when_done_s=0.02,
        poll_s=0.001,
    )


async def test_the_hub_is_read_once_at_the_start_and_once_when_the_events_say_done() -> None:
    orders = Orders()
    w = watch(orders)
    assert await w.wait(time.monotonic() + 10, orders.shown.append)
    assert orders.reads == 2  # not once per poll: each read counts the whole run
    assert orders.shown[-1] == ORDERS
    assert orders.shown == sorted(orders.shown)  # the progress shown never goes back


async def test_repeated_events_do_not_end_the_run_early_and_the_hub_is_not_hammered() -> None:
    orders = Orders(extra_seen=ORDERS // 2)  # the field believes it is done halfway
    w = watch(orders)
    started = time.monotonic()
    assert await w.wait(started + 10)
    assert orders.archived == ORDERS  # ended on the hub's count, not the field's
    assert orders.reads <= 2 + (time.monotonic() - started) / 0.02


async def test_missed_events_only_delay_the_end_to_the_next_regular_read() -> None:
    orders = Orders(extra_seen=-1)  # the field never sees the last order archived
    w = watch(orders, every_s=0.1)
    assert await w.wait(time.monotonic() + 10)
    assert orders.reads >= 2


@pytest.mark.parametrize("extra_seen", [0, -5])
async def test_the_deadline_ends_a_run_that_never_finishes(extra_seen: int) -> None:
    orders = Orders(extra_seen=extra_seen)
    w = ArchivedWatch(
        seen=orders.seen, read_hub=orders.read_hub, done=lambda n: False, poll_s=0.001
    )
    assert not await w.wait(time.monotonic() + 0.05)


async def test_a_failed_feed_ends_the_wait_at_once() -> None:
    orders = Orders()
    assert not await watch(orders).wait(time.monotonic() + 10, failed=lambda: True)
    assert orders.reads == 0
