"""Booking-call compliance over HTTP: the call platform hands in transcripts, supervisors work
the spot-check queue (抽查) and read how often the checker agrees with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from hub.domain.call_review import ReviewState
from hub.errors import NotFound
from hub.identity.roles import Identity, Role
from hub.web.auth import allow, role_required
from hub.web.call_models import AgreementView, CallDetail, CallSummary, ReviewRequest
from hub.web.deps import CallQueriesDep, CallReviewsDep, CommandsDep, PageQuery
from hub.web.models import ValidationProblem, problem_response
from schemas.v1 import TranscriptReady
from schemas.v1.calls import CallId

router = APIRouter(
    prefix="/api/v1/calls",
    tags=["calls"],
    responses={422: {"model": ValidationProblem, "description": "The request did not validate"}},
)
PLATFORM = (Role.SUPPORT_SYSTEM,)  # the console's call platform lives in 客保
REVIEWERS = (Role.SUPERVISOR,)
_UNKNOWN = problem_response(404, "No such checked call")
CallIdPath = Annotated[CallId, Path(description="The call platform's id of the call")]
Reviewer = Annotated[Identity, Depends(role_required(*REVIEWERS))]


@router.post(
    "/transcripts",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Hand in a booking call's transcript",
    dependencies=[allow(*PLATFORM)],
    responses=problem_response(404, "No such work order")
    | problem_response(409, "The order has no booked visit to check the call against"),
)
async def hand_in(
    commands: CommandsDep, queries: CallQueriesDep, body: TranscriptReady
) -> CallSummary:
    """The checker judges the call against the booking made in it at once; the same call id
    again changes nothing. Answers the verdict."""
    await commands.run(body, message_id=f"transcript:{body.call_id}")
    found = await queries.find(body.call_id)
    assert found is not None  # checked in the command above, or before
    return CallSummary.of(found)


@router.get("", summary="Checked calls (the review queue)", dependencies=[allow(*REVIEWERS)])
async def calls(
    queries: CallQueriesDep,
    page: PageQuery,
    state: Annotated[
        ReviewState | None, Query(description="pending: the spot-check queue")
    ] = ReviewState.PENDING,
) -> list[CallSummary]:
    """Oldest call first. Every call the checker failed is pending, and a sample of the passed
    ones (HUB_CALL_REVIEW_SAMPLE_PCT)."""
    return [CallSummary.of(call) for call in await queries.list(state=state, page=page)]


@router.get(
    "/agreement",
    summary="How often the checker agrees with the reviewers",
    dependencies=[allow(*REVIEWERS)],
)
async def agreement(queries: CallQueriesDep) -> AgreementView:
    """Over every reviewed call: both passed, both failed, and each way they differed."""
    return AgreementView.of(await queries.agreement())


@router.get(
    "/{call_id}",
    summary="One checked call: findings, speakers, transcript",
    responses=_UNKNOWN,
    dependencies=[allow(*REVIEWERS)],
)
async def call(queries: CallQueriesDep, call_id: CallIdPath) -> CallDetail:
    """Each finding quotes the sentence it rests on."""
    found = await queries.find(call_id)
    if found is None:
        raise NotFound(f"no checked call {call_id}")
    return CallDetail.of_call(found)


@router.post(
    "/{call_id}/review",
    summary="Record your verdict on a call (抽查)",
    responses=_UNKNOWN | problem_response(409, "The call was reviewed already"),
)
async def review(
    reviews: CallReviewsDep, identity: Reviewer, call_id: CallIdPath, body: ReviewRequest
) -> CallSummary:
    """Once per call; your verdict counts in the checker's agreement figure."""
    done = await reviews.review(
        call_id, reviewer=identity.subject, passed=body.passed, note=body.note
    )
    return CallSummary.of(done)
