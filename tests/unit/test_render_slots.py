"""The render pool's places: signed copies (a billing start waits on them) go before plain
renders that are waiting, and a cancelled waiter loses no place."""

from __future__ import annotations

import asyncio

from hub.reports.pool import _Slots


async def _hold(
    slots: _Slots, name: str, order: list[str], *, first: bool, go: asyncio.Event
) -> None:
    async with slots.taken(first=first):
        order.append(name)
        await go.wait()


async def test_a_waiting_signed_copy_gets_the_next_place_before_earlier_plain_renders() -> None:
    slots, order, go = _Slots(1), list[str](), asyncio.Event()
    running = asyncio.create_task(_hold(slots, "render-1", order, first=False, go=go))
    await asyncio.sleep(0)
    waiting = [
        asyncio.create_task(_hold(slots, name, order, first=first, go=go))
        for name, first in (("render-2", False), ("render-3", False), ("signed-1", True))
    ]
    await asyncio.sleep(0)
    assert order == ["render-1"]  # one place, taken
    go.set()
    await asyncio.gather(running, *waiting)
    assert order == ["render-1", "signed-1", "render-2", "render-3"]


async def test_a_cancelled_waiter_leaves_its_turn_to_the_next_and_places_are_not_lost() -> None:
    slots, order, go = _Slots(2), list[str](), asyncio.Event()
    holders = [
        asyncio.create_task(_hold(slots, f"r{n}", order, first=False, go=go)) for n in range(2)
    ]
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(_hold(slots, "gone", order, first=True, go=go))
    later = asyncio.create_task(_hold(slots, "later", order, first=False, go=go))
    await asyncio.sleep(0)
    cancelled.cancel()
    go.set()
    await asyncio.gather(*holders, later)
    assert cancelled.cancelled() and "gone" not in order and order[-1] == "later"
    # Both places are free again: two more take them at once.
    both = asyncio.Event()
    inside: list[str] = []
    tasks = [asyncio.create_task(_hold(slots, n, inside, first=False, go=both)) for n in "ab"]
    await asyncio.sleep(0)
    assert inside == ["a", "b"]
    both.set()
    await asyncio.gather(*tasks)


async def test_a_waiter_cancelled_as_its_place_frees_ends_cancelled_and_the_place_stays_free() -> (
    None
):
    slots, order, go = _Slots(1), list[str](), asyncio.Event()
    holder = asyncio.create_task(_hold(slots, "holder", order, first=False, go=go))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(_hold(slots, "waiter", order, first=True, go=go))
    await asyncio.sleep(0)
    go.set()  # the holder leaves first and releases while the waiter's cancel is pending
    waiter.cancel()
    await asyncio.gather(holder, waiter, return_exceptions=True)
    assert waiter.cancelled() and order == ["holder"]
    late = asyncio.create_task(_hold(slots, "late", order, first=False, go=go))
    await asyncio.wait_for(late, 1)  # the freed place is taken at once, nobody waits forever
    assert order == ["holder", "late"]
