"""Valid delivery messages and images for tests: pings, speed tests, screenshots, signatures."""

from __future__ import annotations

import io
import math
import uuid
from datetime import UTC, datetime

from PIL import Image, ImageDraw

from schemas.v1 import (
    PingMeasurement,
    RecordPingResult,
    RecordSpeedTest,
    ReportSigned,
    SpeedMeasurement,
)

GOOD_PING = PingMeasurement(
    target="114.114.114.114",
    sent=100,
    received=100,
    loss_pct=0.0,
    rtt_min_ms=2.1,
    rtt_avg_ms=3.4,
    rtt_max_ms=9.8,
)


def ping(
    order_id: str,
    tech_id: str = "T001",
    *,
    measurement: PingMeasurement = GOOD_PING,
    note: str = "",
    screenshots: list[str] | None = None,
    test_id: str | None = None,
) -> RecordPingResult:
    return RecordPingResult(
        order_id=order_id,
        technician_id=tech_id,
        test_id=test_id or f"p-{uuid.uuid4().hex[:12]}",
        measured_at=datetime.now(UTC),
        ping=measurement,
        screenshots=screenshots or [],
        note=note,
    )


def speed(
    order_id: str,
    bandwidth_mbps: int,
    tech_id: str = "T001",
    *,
    share: float = 0.96,
    note: str = "",
    screenshots: list[str] | None = None,
    test_id: str | None = None,
) -> RecordSpeedTest:
    return RecordSpeedTest(
        order_id=order_id,
        technician_id=tech_id,
        test_id=test_id or f"s-{uuid.uuid4().hex[:12]}",
        measured_at=datetime.now(UTC),
        speed=SpeedMeasurement(
            down_mbps=round(bandwidth_mbps * share, 1),
            up_mbps=round(bandwidth_mbps * (share - 0.01), 1),
            jitter_ms=1.8,
            latency_ms=3.5,
            server="上海电信测速节点",
        ),
        screenshots=screenshots or [],
        note=note,
    )


def report_signed(
    order_id: str, version: int, sha256: str, channel: str = "remote"
) -> ReportSigned:
    return ReportSigned(
        order_id=order_id,
        version=version,
        sha256_signed=sha256,
        channel=channel,  # type: ignore[arg-type]
    )


def signature_png(width: int = 480, height: int = 160) -> bytes:
    """A hand-drawn-looking signature: a looping cursive stroke and an underline."""
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = []
    for step in range(240):
        t = step / 239
        x = 40 + t * 380 + 16 * math.sin(t * 9 * math.pi)
        y = 85 - 38 * math.sin(t * 4.5 * math.pi) * (1 - 0.6 * t) + 10 * math.cos(t * 9 * math.pi)
        points.append((x, y))
    draw.line(points, fill=(18, 32, 96, 255), width=4, joint="curve")
    draw.line([(70, 132), (300, 124), (430, 128)], fill=(18, 32, 96, 255), width=3)
    return _png(image)


def blank_png(width: int = 480, height: int = 160) -> bytes:
    return _png(Image.new("RGBA", (width, height), (255, 255, 255, 0)))


def screenshot_png(label: str = "ping", *, color: tuple[int, int, int] = (11, 92, 173)) -> bytes:
    """A small phone-screenshot-like picture with a result panel."""
    image = Image.new("RGB", (360, 640), (246, 248, 251))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 360, 70), fill=color)
    draw.text((20, 25), f"i-YunWei {label}", fill=(255, 255, 255))
    for row in range(8):
        y = 110 + row * 56
        draw.rounded_rectangle((20, y, 340, y + 42), radius=8, fill=(255, 255, 255))
        draw.text((34, y + 14), f"{label} result {row + 1}: OK", fill=(30, 40, 60))
    return _png(image)


def screenshot_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 220, 240)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
