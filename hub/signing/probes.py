"""Rate limit for guessing link tokens: misses per client IP per minute (in this process).

Only lookups of tokens that do not exist count, so a customer is never limited; once an IP
reaches the limit every token answers 429 for the rest of the minute, known or not, so the
answer tells a prober nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

WINDOW_S = 60.0
MAX_TRACKED_IPS = 100_000


class ProbeLimiter:
    """A fixed one-minute window of misses per IP."""

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def blocked(self, ip: str) -> bool:
        return self._count(ip) >= self.limit

    def miss(self, ip: str) -> None:
        now = self._clock()
        start, count = self._windows.get(ip, (now, 0))
        if now - start >= WINDOW_S:
            start, count = now, 0
        if len(self._windows) >= MAX_TRACKED_IPS and ip not in self._windows:
            self._forget_old(now)
        self._windows[ip] = (start, count + 1)

    def retry_after(self, ip: str) -> int:
        start, _ = self._windows.get(ip, (self._clock(), 0))
        return max(1, round(WINDOW_S - (self._clock() - start)))

    def _count(self, ip: str) -> int:
        start, count = self._windows.get(ip, (0.0, 0))
        return count if self._clock() - start < WINDOW_S else 0

    def _forget_old(self, now: float) -> None:
        self._windows = {
            ip: window for ip, window in self._windows.items() if now - window[0] < WINDOW_S
        }
