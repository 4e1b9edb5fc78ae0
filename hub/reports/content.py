"""What a report shows, gathered from the database as plain JSON-able data.

The data is hashed to decide whether the report changed (a new version), and stored with each
version, so a signed copy shows exactly what the customer viewed. Text is clipped here: no
field can make a report unboundedly long.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from hub.domain.test_results import overall_passed
from hub.domain.work_order import WorkOrder
from hub.errors import NotFound
from hub.messaging.pii import mask_phone
from hub.ports import ResultRecord, UnitOfWork
from schemas.v1 import PingMeasurement, ResultKind, SpeedMeasurement

LAYOUT = 1  # bump when the template changes what a report shows: every order gets a new version
MAX_TEXT = 2000
MAX_PICTURES = 12
TRUNCATION_MARK = "…"

RESOURCE_KEYS = ("cable_id", "fiber_no", "fiber_id", "box_id", "port")


def data_hash(data: dict[str, Any]) -> str:
    """A stable fingerprint of report data (key order and whitespace do not matter)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[:limit] + TRUNCATION_MARK


async def gather(
    uow: UnitOfWork, order_id: str, *, lang: str, tz: str, radius_m: float
) -> dict[str, Any]:
    """The report data of an order as it is now (read in `uow`)."""
    order = await uow.orders.find(order_id)
    if order is None:
        raise NotFound(f"work order {order_id} does not exist")
    results = await uow.results.list(order_id)
    uploaded = await uow.screenshots.list(order_id)
    zone = ZoneInfo(tz)
    # Only pictures a test result references go into the report (an upload alone does not).
    referenced = {sha for r in results for sha in r.screenshots}
    pictures = [s.sha256 for s in uploaded if s.sha256 in referenced][:MAX_PICTURES]
    return {
        "layout": LAYOUT,
        "lang": lang,
        "timezone": tz,
        "order": _order(order),
        "resources": _resources(order),
        "visit": _visit(order, zone, radius_m),
        "ping": [_ping(r, zone) for r in results if r.kind is ResultKind.PING],
        "speed": [_speed(r, zone) for r in results if r.kind is ResultKind.SPEED],
        "overall_passed": overall_passed((r.kind, r.verdict) for r in results),
        "pictures": [
            {"sha256": s.sha256, "content_type": s.content_type}
            for s in uploaded
            if s.sha256 in pictures
        ],
    }


def _order(order: WorkOrder) -> dict[str, Any]:
    d = order.details
    return {
        "order_id": order.order_id,
        "customer_name": clip(d.customer_name),
        "product": clip(d.product),
        "bandwidth_mbps": d.bandwidth_mbps,
        "address": clip(d.install_address.text),
        "contact_name": clip(order.contact.name),  # the last booked contact signs
        "contact_phone": mask_phone(order.contact.phone),
        "account_manager": clip(d.account_manager.name),
    }


def _resources(order: WorkOrder) -> list[list[str]]:
    assigned = getattr(order.details, "resources", None)
    if not isinstance(assigned, BaseModel):
        return []
    values = assigned.model_dump(mode="json")
    return [[key, clip(str(values[key]), 100)] for key in RESOURCE_KEYS if key in values]


def _visit(order: WorkOrder, zone: ZoneInfo, radius_m: float) -> dict[str, Any]:
    tech = order.technician
    window = None
    if order.appointment_start and order.appointment_end:
        start = order.appointment_start.astimezone(zone)
        end = order.appointment_end.astimezone(zone)
        # The end's date only when it differs: "2026-03-05 14:00–16:00", "… 22:00–2026-03-06 02:00"
        ends = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        window = f"{start:%Y-%m-%d %H:%M}–{ends}"
    check_in = order.check_in
    return {
        "technician": f"{clip(tech.name, 100)}（{tech.id}）" if tech else None,
        "appointment": window,
        "check_in_at": f"{check_in.at.astimezone(zone):%Y-%m-%d %H:%M}" if check_in else None,
        "distance_m": round(check_in.distance_m) if check_in else None,
        "within_radius": check_in.within_radius if check_in else None,
        "radius_m": round(radius_m),
    }


def _common(r: ResultRecord, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "test_id": r.test_id,
        "measured_at": f"{r.measured_at.astimezone(zone):%Y-%m-%d %H:%M}",
        "passed": r.verdict.passed,
        "failed_checks": list(r.verdict.failed_checks),
        "thresholds": r.thresholds.model_dump(mode="json"),
        "note": clip(r.note),
        "screenshots": list(r.screenshots),
    }


def _ping(r: ResultRecord, zone: ZoneInfo) -> dict[str, Any]:
    assert isinstance(r.measurement, PingMeasurement)
    return {**_common(r, zone), **r.measurement.model_dump(mode="json")}


def _speed(r: ResultRecord, zone: ZoneInfo) -> dict[str, Any]:
    assert isinstance(r.measurement, SpeedMeasurement)
    return {**_common(r, zone), **r.measurement.model_dump(mode="json")}
