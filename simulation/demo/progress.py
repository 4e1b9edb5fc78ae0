"""How a demo run waits for its orders: it follows them in the field's events, and asks the hub.

`/ops/counts.json` counts every record of the run, so each read costs more as the run grows: at
the province's scale (7,437 orders, on a server without autovacuum) one read took 0.5–3.3 s of
PostgreSQL under load, and the run read it every 4 s. The field's `WorkOrderArchived` events
cost the hub nothing more, but they are delivered at least once and a field may miss some, so
only the hub's counts end the wait: read when the events say the run is done (at most every
`when_done_s`), and every `every_s` otherwise (a missed event then only delays the end).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

HUB_READ_EVERY_S = 30.0
HUB_READ_WHEN_DONE_S = 1.0
POLL_INTERVAL_S = 0.25

Progress = Callable[[int], None]


@dataclass(slots=True)
class ArchivedWatch:
    """Waits until `done(archived)` holds for the hub's own count of archived orders."""

    seen: Callable[[], int]  # archived orders as the field's events told it
    read_hub: Callable[[], Awaitable[int]]  # archived orders as the hub counts them
    done: Callable[[int], bool]
    every_s: float = HUB_READ_EVERY_S
    when_done_s: float = HUB_READ_WHEN_DONE_S
    poll_s: float = POLL_INTERVAL_S

    async def wait(
        self, deadline: float, progress: Progress | None = None, failed: Callable[[], bool] = bool
    ) -> bool:
        """True once the hub's count is done; False at `deadline` or as soon as `failed()`."""
        archived, read_at = 0, -self.every_s
        while not failed():
            now = time.monotonic()
            since_read = now - read_at
            if since_read >= self.every_s or (
                self.done(self.seen()) and since_read >= self.when_done_s
            ):
                archived, read_at = await self.read_hub(), now
                if self.done(archived):
                    if progress is not None:
                        progress(archived)
                    return True
            if progress is not None:
                progress(max(archived, self.seen()))
            if now >= deadline:
                return False
            await asyncio.sleep(self.poll_s)
        return False
