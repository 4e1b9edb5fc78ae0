"""The support-system mirror commits the flow-log lines in flight together (group commit):
fewer calls than lines under load, none added at rest, and a failed call fails every line in it
(each is retried by its own delivery)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from hub.errors import TransientAdapterError
from hub.handlers.support_sync import SupportSync
from schemas.v1 import FlowLogEntry, FlowStep


class SlowSystem:
    """Records each call; every call takes a while, as a remote system's would."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.fail_next = 0

    async def append_flow_logs(self, lines: Sequence[tuple[FlowLogEntry, str]]) -> None:
        await asyncio.sleep(0.02)
        if self.fail_next:
            self.fail_next -= 1
            raise TransientAdapterError("support system unavailable")
        self.calls.append([key for _, key in lines])


def line(seq: int, order_id: str = "WO-1") -> FlowLogEntry:
    return FlowLogEntry(
        order_id=order_id,
        seq=seq,
        at=datetime(2026, 12, 4, tzinfo=UTC),
        step=FlowStep.CREATED,
        actor="dispatcher",
        summary="created",
    )


async def test_lines_in_flight_together_go_out_in_a_few_calls_each_once() -> None:
    system = SlowSystem()
    sync = SupportSync(system)  # type: ignore[arg-type]
    await asyncio.gather(*(sync.append_flow_log(line(seq)) for seq in range(1, 51)))
    sent = [key for call in system.calls for key in call]
    assert sorted(sent) == sorted(f"flow-log:WO-1:{seq}" for seq in range(1, 51))
    assert len(system.calls) <= 3, system.calls  # the first line alone, then the rest together


async def test_a_line_alone_goes_out_at_once_in_its_own_call() -> None:
    system = SlowSystem()
    sync = SupportSync(system)  # type: ignore[arg-type]
    await sync.append_flow_log(line(1))
    await sync.append_flow_log(line(2))
    assert system.calls == [["flow-log:WO-1:1"], ["flow-log:WO-1:2"]]


async def test_a_failed_call_fails_every_line_in_it_and_the_next_lines_still_go_out() -> None:
    system = SlowSystem()
    sync = SupportSync(system)  # type: ignore[arg-type]
    system.fail_next = 1
    results = await asyncio.gather(
        *(sync.append_flow_log(line(seq)) for seq in range(1, 4)), return_exceptions=True
    )
    failed = [r for r in results if isinstance(r, TransientAdapterError)]
    assert failed, "the failing call's lines must see its error"
    assert all(r is None or isinstance(r, TransientAdapterError) for r in results)
    await sync.append_flow_log(line(9))  # the mirror keeps working after a failure
    assert ["flow-log:WO-1:9"] in system.calls


@pytest.mark.parametrize("lines", [250])
async def test_a_burst_larger_than_one_call_is_split(lines: int) -> None:
    system = SlowSystem()
    sync = SupportSync(system)  # type: ignore[arg-type]
    await asyncio.gather(*(sync.append_flow_log(line(seq)) for seq in range(1, lines + 1)))
    assert max(len(call) for call in system.calls) <= 200
    assert sum(len(call) for call in system.calls) == lines
