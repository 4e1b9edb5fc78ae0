"""Checked booking calls and their reviews (抽查) in the database."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import call_checks
from hub.domain.call_check import Attribution, CallVerdict, Finding, Segment
from hub.domain.call_review import Agreement, CheckedCall, Review, ReviewState
from hub.ports.records import FIRST_PAGE, Page

_INSERT = insert(call_checks)


class CallCheckRepository:
    """`hub.ports.CallChecks` on SQLAlchemy Core."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def find(self, call_id: str) -> CheckedCall | None:
        row = (
            (await self._conn.execute(select(call_checks).where(call_checks.c.call_id == call_id)))
            .mappings()
            .first()
        )
        return _call(row) if row else None

    async def add(self, call: CheckedCall) -> None:
        await self._conn.execute(_INSERT, _row(call))

    async def save_review(self, call: CheckedCall) -> None:
        review = call.review
        await self._conn.execute(
            update(call_checks)
            .where(call_checks.c.call_id == call.call_id)
            .values(
                state=call.state.value,
                reviewer=review.reviewer if review else None,
                review_passed=review.passed if review else None,
                review_note=review.note if review else None,
                reviewed_at=review.at if review else None,
            )
        )

    async def list(
        self, *, state: ReviewState | None = None, page: Page = FIRST_PAGE
    ) -> builtins.list[CheckedCall]:
        query = select(call_checks)
        if state is not None:
            query = query.where(call_checks.c.state == state.value)
        rows = await self._conn.execute(
            query.order_by(call_checks.c.recorded_at, call_checks.c.call_id)
            .limit(page.limit)
            .offset(page.offset)
        )
        return [_call(row) for row in rows.mappings()]

    async def agreement(self) -> Agreement:
        c = call_checks
        rows = await self._conn.execute(
            select(c.c.passed, c.c.review_passed, func.count())
            .where(and_(c.c.state == ReviewState.REVIEWED.value, c.c.review_passed.is_not(None)))
            .group_by(c.c.passed, c.c.review_passed)
        )
        counts = {(bool(p), bool(r)): n for p, r, n in rows.all()}
        return Agreement(
            reviewed=sum(counts.values()),
            both_pass=counts.get((True, True), 0),
            both_fail=counts.get((False, False), 0),
            checker_only_passed=counts.get((True, False), 0),
            checker_only_failed=counts.get((False, True), 0),
        )


def _row(call: CheckedCall) -> dict[str, Any]:
    review = call.review
    return {
        "call_id": call.call_id,
        "order_id": call.order_id,
        "call_kind": call.call_kind,
        "recorded_at": call.recorded_at,
        "checked_at": call.checked_at,
        "booked_start": call.booked_start,
        "booked_end": call.booked_end,
        "segments": [
            {"speaker": s.speaker, "start_s": s.start_s, "end_s": s.end_s, "text": s.text}
            for s in call.segments
        ],
        "verdict": verdict_document(call.verdict),
        "passed": call.verdict.passed,
        "state": call.state.value,
        "reviewer": review.reviewer if review else None,
        "review_passed": review.passed if review else None,
        "review_note": review.note if review else None,
        "reviewed_at": review.at if review else None,
    }


def verdict_document(verdict: CallVerdict) -> dict[str, Any]:
    """A verdict as JSON: its findings with their quotes, the score, notes and speakers."""
    return {
        "call_id": verdict.call_id,
        "score": verdict.score,
        "passed": verdict.passed,
        "findings": [
            {"rule": f.rule, "passed": f.passed, "quote": f.quote, "explanation": f.explanation}
            for f in verdict.findings
        ],
        "notes": list(verdict.notes),
        "speakers": [{"speaker": a.speaker, "reason": a.reason} for a in verdict.speakers],
    }


def _verdict(data: dict[str, Any]) -> CallVerdict:
    return CallVerdict(
        call_id=data["call_id"],
        findings=tuple(Finding(**f) for f in data["findings"]),
        score=data["score"],
        passed=data["passed"],
        notes=tuple(data["notes"]),
        speakers=tuple(Attribution(**a) for a in data["speakers"]),
    )


def _call(row: Any) -> CheckedCall:
    review = None
    if row["reviewer"] is not None:
        review = Review(
            reviewer=row["reviewer"],
            passed=row["review_passed"],
            note=row["review_note"] or "",
            at=row["reviewed_at"],
        )
    return CheckedCall(
        call_id=row["call_id"],
        order_id=row["order_id"],
        call_kind=row["call_kind"],
        recorded_at=row["recorded_at"],
        checked_at=row["checked_at"],
        booked_start=row["booked_start"],
        booked_end=row["booked_end"],
        segments=tuple(Segment(**s) for s in row["segments"]),
        verdict=_verdict(row["verdict"]),
        state=ReviewState(row["state"]),
        review=review,
    )
