"""A clock the test moves by hand (leases, code expiry, timers and reminders depend on it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Today, to the minute: the factories stamp measurements "now", and the hub refuses times far
# from its clock (`hub.domain.clock`).
START = datetime.now(UTC).replace(second=0, microsecond=0)


class FakeClock:
    """Callable like `hub.ports.Clock`; stands still until `advance` is called."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward; returns the new now."""
        self.now += delta
        return self.now
