"""Any order the hub accepts renders (#8): no text, time or number can make a report unrenderable.

Hypothesis drives the real commands (create, dispatch, check-in, ping and speed results) through
the use cases over fakes, with hostile text (markup, controls, bidi overrides, astral characters,
the longest accepted strings), times anywhere the contracts allow (2000–2100, any zone) and
extreme measurements. Whatever the hub accepts must give report data and report HTML in every
language and time zone the hub offers; what it refuses must be refused as input, never crash.
One hostile order is also rendered to a real PDF by WeasyPrint.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hub.errors import HubError
from hub.reports.content import gather
from hub.reports.html import build_html
from schemas.v1 import (
    CheckIn,
    CreateWorkOrder,
    DispatchWorkOrder,
    RecordPingResult,
    RecordSpeedTest,
)
from tests import factories
from tests.fakes.clock import START
from tests.handlers.harness import RADIUS_M, FakeHub, fake_hub

ORDER = "WO-TOTAL-1"
TECH = "T001"
LANGS = ("zh", "en")
ZONES = ("Asia/Shanghai", "UTC", "Pacific/Kiritimati", "America/Adak", "Asia/Kathmandu")
HOSTILE = [  # accepted by the contracts, and hard on a template or a layout engine
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}",
    "&amp;&lt;",
    "𠜎𠜱𠝹𠱓" * 50,
    "W" * 200,
    "长" * 200,
    "\ufffd" * 3,
]
REFUSED = ["\u202eevil\u202c", "a\x00b", "a\u200db", "x" * 201, "   "]  # bidi, controls, length
VISIBLE = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])

texts = st.one_of(st.sampled_from(HOSTILE), st.text(VISIBLE, min_size=1, max_size=200))
notes = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(VISIBLE | st.just("\n"), max_size=500),
    st.just("行\n" * 250),
)
moments = st.datetimes(
    min_value=datetime(1999, 12, 30),
    max_value=datetime(2100, 1, 2),
    timezones=st.sampled_from([UTC, *map(ZoneInfo, ZONES)]),
)
numbers = st.floats(min_value=0, max_value=600_000, allow_nan=False, allow_infinity=False)


Note = Callable[[str], None]
"""Told of each refusal: Hypothesis counts them; the hostile PDF test allows none."""


def _refused_outright(what: str) -> None:
    raise AssertionError(f"expected to be accepted: {what}")


def _fields(model: type[BaseModel], data: dict[str, Any], note: Note) -> BaseModel | None:
    """The command if the contract accepts `data`, else None (a refusal is an answer too)."""
    try:
        return model.model_validate(data)
    except ValidationError as refused:
        note(f"{model.__name__} refused by the contract: {refused.errors()[0]['msg']}")
        return None


async def _run(hub: FakeHub, command: BaseModel | None, note: Note) -> bool:
    if command is None:
        return False
    try:
        await hub.run(command)
    except HubError as refused:  # a domain refusal (implausible time, wrong state) is fine
        note(f"{type(command).__name__} refused: {type(refused).__name__}")
        return False
    return True


@st.composite
def deliveries(draw: st.DrawFn) -> dict[str, Any]:
    near_now = st.builds(
        lambda s: START + timedelta(seconds=s),
        st.integers(min_value=-3 * 86400, max_value=600),
    )
    order = {
        "order_id": ORDER,
        "customer_name": draw(texts),
        "contact": {"name": draw(texts), "phone": "+8613800138000"},
        "product": draw(texts),
        "bandwidth_mbps": draw(st.integers(min_value=1, max_value=400_000)),
        "install_address": {
            "text": draw(texts),
            "coordinates": {"lat": factories.SITE.lat, "lon": factories.SITE.lon},
        },
        "account_manager": {"name": draw(texts)},
    }
    spoilt = draw(st.sampled_from([None, None, None, "customer_name", "product"]))
    if spoilt:  # now and then one field the contract refuses: the hub must say so, not crash
        order[spoilt] = draw(st.sampled_from(REFUSED))
    return {
        "order": order,
        "technician_name": draw(texts),
        "window": sorted([draw(moments), draw(moments)]),
        "check_in_at": draw(st.one_of(st.none(), near_now, moments)),
        "pings": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "at": st.one_of(near_now, moments),
                        "sent": st.integers(min_value=1, max_value=100_000),
                        "lost": st.integers(min_value=0, max_value=100_000),
                        "rtt": numbers,
                        "target": st.sampled_from(["114.114.114.114", "2400:3200::1", "a" * 253]),
                        "note": notes,
                    }
                ),
                max_size=3,
            )
        ),
        "speeds": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"at": st.one_of(near_now, moments), "mbps": numbers, "note": notes}
                ),
                max_size=3,
            )
        ),
        "lang": draw(st.sampled_from(LANGS)),
        "zone": draw(st.sampled_from(ZONES)),
    }


async def _deliver(hub: FakeHub, d: dict[str, Any], note: Note) -> None:
    if not await _run(hub, _fields(CreateWorkOrder, d["order"], note), note):
        await hub.run(factories.create_order(ORDER))
    start, end = d["window"]
    tech = {"id": TECH, "name": d["technician_name"], "phone": "+8613900139000"}
    window = {"appointment_start": start, "appointment_end": end}
    dispatch = _fields(DispatchWorkOrder, {"order_id": ORDER, "technician": tech, **window}, note)
    if not await _run(hub, dispatch, note):
        await hub.run(hub.dispatch(ORDER))
    position = {"lat": factories.SITE.lat, "lon": factories.SITE.lon}
    check_in = {"order_id": ORDER, "technician_id": TECH, "position": position}
    if not await _run(hub, _fields(CheckIn, {**check_in, "at": d["check_in_at"]}, note), note):
        await hub.run(factories.check_in(ORDER))
    for i, p in enumerate(d["pings"]):
        received = max(p["sent"] - p["lost"], 0)
        rtt = {"rtt_min_ms": p["rtt"], "rtt_avg_ms": p["rtt"], "rtt_max_ms": p["rtt"]}
        ping = {
            "target": p["target"],
            "sent": p["sent"],
            "received": received,
            "loss_pct": 100 * (p["sent"] - received) / p["sent"],
            **(rtt if received else {}),
        }
        await _run(hub, _fields(RecordPingResult, _result(f"p{i}", p, ping=ping), note), note)
    for i, s in enumerate(d["speeds"]):
        speed = {"down_mbps": s["mbps"], "up_mbps": s["mbps"], "jitter_ms": s["mbps"]}
        await _run(hub, _fields(RecordSpeedTest, _result(f"s{i}", s, speed=speed), note), note)


def _result(test_id: str, r: dict[str, Any], **measurement: Any) -> dict[str, Any]:
    return {
        "order_id": ORDER,
        "technician_id": TECH,
        "test_id": test_id,
        "measured_at": r["at"],
        "note": r["note"],
        "screenshots": [],
        **measurement,
    }


async def _render(d: dict[str, Any], note: Note) -> tuple[dict[str, Any], str]:
    with tempfile.TemporaryDirectory() as tmp:
        hub = fake_hub(Path(tmp))
        await _deliver(hub, d, note)
        async with hub.uow() as uow:
            data = await gather(uow, ORDER, lang=d["lang"], tz=d["zone"], radius_m=RADIUS_M)
        await hub.reports.render_if_changed(ORDER)  # versions: the data hashes and stores
    html = build_html(data, version=1, generated_at=datetime.now(UTC), pictures={})
    return data, html


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(deliveries())
def test_every_order_the_hub_accepts_renders_in_every_language_and_zone(
    delivery: dict[str, Any],
) -> None:
    data, html = asyncio.run(_render(delivery, event))
    assert ORDER in html and html.rstrip().endswith("</html>")
    assert "<script" not in html.lower()  # typed text is escaped, never markup
    assert len(data["ping"]) <= len(delivery["pings"])
    assert len(data["speed"]) <= len(delivery["speeds"])
    assert data["visit"]["check_in_at"] is not None  # the order was checked in
    window = data["visit"]["appointment"]
    start, end = window.split("–")
    assert start <= (end if len(end) > 5 else f"{start[:10]} {end}"), window  # never backwards


def test_the_most_hostile_accepted_order_renders_to_a_pdf(tmp_path: Path) -> None:
    from hub.reports.worker import render_html

    now = START
    hostile = {
        "order": {
            "order_id": ORDER,
            "customer_name": "𠜎" * 200,
            "contact": {"name": "W" * 200, "phone": "+8613800138000"},
            "product": "<b>" * 66,
            "bandwidth_mbps": 400_000,
            "install_address": {
                "text": "长" * 200,
                "coordinates": {"lat": factories.SITE.lat, "lon": factories.SITE.lon},
            },
            "account_manager": {"name": "{{ 7*7 }}" * 22},
        },
        "technician_name": "王" * 200,
        "window": [
            datetime(2000, 1, 1, 0, 0, tzinfo=UTC),
            datetime(2099, 12, 31, 23, 59, tzinfo=UTC),
        ],
        "check_in_at": now - timedelta(hours=47),
        "pings": [
            {
                "at": now,
                "sent": 100_000,
                "lost": 0,
                "rtt": 600_000,
                "target": "a" * 253,
                "note": "行\n" * 250,
            }
        ],
        "speeds": [{"at": now, "mbps": 600_000, "note": "W" * 500}],
        "lang": "zh",
        "zone": "Pacific/Kiritimati",
    }
    data, html = asyncio.run(_render(hostile, _refused_outright))
    assert data["order"]["customer_name"] == "𠜎" * 200  # accepted whole, not clipped
    pdf, _, _ = render_html(html)
    path = tmp_path / "hostile.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))[6:])
    assert 1 <= pages <= 12, info.stdout  # clipped text keeps even this order's report short
