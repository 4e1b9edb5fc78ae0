"""Times the field app reports (check-in, measurements) must be plausible against the hub's clock.

A phone with a wrong clock, or a hostile client, must not put a check-in in 1970 or a test result
next year on an order: such a time would mislead the audit and the punctuality figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.errors import InvalidInput


class ImplausibleTime(InvalidInput):
    """A reported time is too far from the hub's clock."""


@dataclass(frozen=True, slots=True)
class ClockWindow:
    """How far a reported time may lie before and after the hub's clock."""

    past: timedelta = timedelta(hours=48)  # a phone offline for two days syncs late
    future: timedelta = timedelta(minutes=5)  # small clock drift

    def require_plausible(self, at: datetime, *, now: datetime, what: str) -> None:
        """Raise `ImplausibleTime` naming `what` if `at` lies outside the window around `now`."""
        if at > now + self.future:
            ahead = round((at - now).total_seconds())
            raise ImplausibleTime(f"{what} lies {ahead} s in the future; check the phone's clock")
        if at < now - self.past:
            hours = self.past.total_seconds() / 3600
            raise ImplausibleTime(f"{what} lies more than {hours:g} h in the past")


DEFAULT_WINDOW = ClockWindow()
