"""The fake store of checked booking calls (`hub.ports.CallChecks`), like `hub.db.call_checks`."""

from __future__ import annotations

import builtins

from hub.domain.call_review import Agreement, CheckedCall, ReviewState
from hub.errors import ConcurrencyConflict
from hub.ports.records import FIRST_PAGE, Page
from tests.fakes.store import FakeStore


class FakeCallChecks:
    """One row per call id; reviews replace the row."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def find(self, call_id: str) -> CheckedCall | None:
        return self._t.calls.get(call_id)

    async def add(self, call: CheckedCall) -> None:
        if call.call_id in self._t.calls:  # the primary key
            raise ConcurrencyConflict(f"call {call.call_id} was added concurrently")
        self._t.calls[call.call_id] = call

    async def save_review(self, call: CheckedCall) -> None:
        self._t.calls[call.call_id] = call

    async def list(
        self, *, state: ReviewState | None = None, page: Page = FIRST_PAGE
    ) -> builtins.list[CheckedCall]:
        found = [c for c in self._t.calls.values() if state is None or c.state is state]
        ordered = sorted(found, key=lambda c: (c.recorded_at, c.call_id))
        return ordered[page.offset : page.offset + page.limit]

    async def agreement(self) -> Agreement:
        done = [c for c in self._t.calls.values() if c.state is ReviewState.REVIEWED and c.review]
        pairs = [(c.verdict.passed, c.review.passed) for c in done if c.review]
        return Agreement(
            reviewed=len(pairs),
            both_pass=pairs.count((True, True)),
            both_fail=pairs.count((False, False)),
            checker_only_passed=pairs.count((True, False)),
            checker_only_failed=pairs.count((False, True)),
        )
