"""The field app's test results: one-click ping and speed tests, and their screenshots.

Results are judged against the order's acceptance thresholds when stored; they appear in the
flow log (流水) and on the delivery report. Screenshots are uploaded first (content-addressed)
and referenced by SHA-256 from a result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Path, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hub.handlers.screenshots import ImageRefused
from hub.ports import ResultRecord
from hub.web.auth import AssignedOrder, TechnicianDep, authenticated_technician
from hub.web.deps import (
    CommandsDep,
    IdempotencyKeyHeader,
    ResultsDep,
    ScreenshotsDep,
    SettingsDep,
)
from hub.web.idempotency import message_id_for, result_id_for
from hub.web.models import ValidationProblem, problem_response
from schemas.v1 import (
    PingMeasurement,
    RecordPingResult,
    RecordSpeedTest,
    SpeedMeasurement,
    Thresholds,
)
from schemas.v1.common import Contract, Moment
from schemas.v1.delivery import ResultId, ResultNote, Screenshots

router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}/orders/{order_id}",
    tags=["technician"],
    dependencies=[Depends(authenticated_technician)],
    responses={
        **problem_response(401, "Missing or wrong field-app token"),
        **problem_response(404, "No such order assigned to this technician"),
        422: {"model": ValidationProblem, "description": "The request did not validate"},
    },
)
_ILLEGAL = problem_response(409, "The order is not checked in, or the test id is taken")
Sha256Path = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the image")]


class PingTestRequest(Contract):
    """A ping test as the field app ran it (一键 ping)."""

    test_id: ResultId | None = Field(default=None, description="Idempotency key of this run")
    measured_at: Moment | None = Field(default=None, description="When; now if absent")
    ping: PingMeasurement
    screenshots: Screenshots
    note: ResultNote


class SpeedTestRequest(Contract):
    """A speed test as the field app ran it (一键测速)."""

    test_id: ResultId | None = Field(default=None, description="Idempotency key of this run")
    measured_at: Moment | None = Field(default=None, description="When; now if absent")
    speed: SpeedMeasurement
    screenshots: Screenshots
    note: ResultNote


class ResultView(BaseModel):
    """A stored test with the thresholds it was judged against."""

    test_id: str
    kind: Literal["ping", "speed"]
    seq: int = Field(description="Position of its line in the order's flow log")
    measured_at: datetime
    passed: bool
    failed_checks: list[str]
    thresholds: Thresholds
    measurement: PingMeasurement | SpeedMeasurement
    screenshots: list[str]
    note: str

    @classmethod
    def of(cls, r: ResultRecord) -> ResultView:
        return cls(
            test_id=r.test_id,
            kind=r.kind.value,
            seq=r.seq,
            measured_at=r.measured_at,
            passed=r.verdict.passed,
            failed_checks=list(r.verdict.failed_checks),
            thresholds=r.thresholds,
            measurement=r.measurement,
            screenshots=list(r.screenshots),
            note=r.note,
        )


class ResultsView(BaseModel):
    """All tests of an order and whether, taken together, they pass."""

    order_id: str
    thresholds: Thresholds = Field(description="The thresholds that apply to this order now")
    overall_passed: bool = Field(description="The latest ping and latest speed test both pass")
    results: list[ResultView]


class ScreenshotView(BaseModel):
    """An uploaded screenshot; reference it by `sha256` from a test result."""

    sha256: str
    content_type: str
    size_bytes: int
    width: int
    height: int


@router.post(
    "/tests/ping",
    status_code=status.HTTP_201_CREATED,
    summary="Record a ping test (一键 ping)",
    responses=_ILLEGAL,
)
async def record_ping(
    commands: CommandsDep,
    results: ResultsDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: PingTestRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ResultView:
    """Store the result, judged against the order's thresholds (loss, average round trip)."""
    cmd = RecordPingResult(
        order_id=order.order_id,
        technician_id=technician_id,
        test_id=body.test_id or result_id_for(idempotency_key),
        measured_at=body.measured_at or datetime.now(UTC),
        ping=body.ping,
        screenshots=body.screenshots,
        note=body.note,
    )
    return await _record(commands, results, cmd, idempotency_key)


@router.post(
    "/tests/speed",
    status_code=status.HTTP_201_CREATED,
    summary="Record a speed test (一键测速)",
    responses=_ILLEGAL,
)
async def record_speed(
    commands: CommandsDep,
    results: ResultsDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    body: SpeedTestRequest,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ResultView:
    """Store the result, judged against the order's thresholds (a share of its bandwidth)."""
    cmd = RecordSpeedTest(
        order_id=order.order_id,
        technician_id=technician_id,
        test_id=body.test_id or result_id_for(idempotency_key),
        measured_at=body.measured_at or datetime.now(UTC),
        speed=body.speed,
        screenshots=body.screenshots,
        note=body.note,
    )
    return await _record(commands, results, cmd, idempotency_key)


@router.get("/tests", summary="The order's test results")
async def list_results(results: ResultsDep, order: AssignedOrder) -> ResultsView:
    """Every test of the order, oldest first, with the overall verdict."""
    found = await results.of_order(order)
    return ResultsView(
        order_id=found.order_id,
        thresholds=found.thresholds,
        overall_passed=found.overall_passed,
        results=[ResultView.of(r) for r in found.results],
    )


@router.post(
    "/screenshots",
    status_code=status.HTTP_201_CREATED,
    summary="Upload a test screenshot (PNG or JPEG)",
    responses={
        **problem_response(413, "The image exceeds the size limit"),
        **problem_response(415, "Not a PNG or JPEG image"),
    },
)
async def upload_screenshot(
    screenshots: ScreenshotsDep,
    settings: SettingsDep,
    technician_id: TechnicianDep,
    order: AssignedOrder,
    file: Annotated[UploadFile, File(description="The screenshot, PNG or JPEG")],
) -> ScreenshotView:
    """Store a screenshot by its SHA-256; uploading the same picture again changes nothing."""
    limit = settings.screenshot_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"images are limited to {limit} bytes"
        )
    try:
        record = await screenshots.upload(order.order_id, technician_id, data)
    except ImageRefused as exc:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(exc)) from exc
    return ScreenshotView(
        sha256=record.sha256,
        content_type=record.content_type,
        size_bytes=record.size_bytes,
        width=record.width,
        height=record.height,
    )


@router.get(
    "/screenshots/{sha256}",
    summary="Download an uploaded screenshot",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
)
async def download_screenshot(
    screenshots: ScreenshotsDep, order: AssignedOrder, sha256: Sha256Path
) -> Response:
    """The image bytes, if it was uploaded for this order."""
    found = await screenshots.read(order.order_id, sha256)
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"order {order.order_id} has no such screenshot"
        )
    data, content_type = found
    return Response(data, media_type=content_type)


async def _record(
    commands: CommandsDep,
    results: ResultsDep,
    cmd: RecordPingResult | RecordSpeedTest,
    idempotency_key: str | None,
) -> ResultView:
    key = idempotency_key or f"test:{cmd.test_id}"
    await commands.run(cmd, message_id=message_id_for(cmd.order_id, key))
    stored = await results.find(cmd.order_id, cmd.test_id)
    if stored is None:  # pragma: no cover - the handler stores it or raises
        raise HTTPException(status.HTTP_409_CONFLICT, f"test {cmd.test_id} was not stored")
    return ResultView.of(stored)
