"""Flow-log entries are readable, numbered by version, and carry no personal data."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain import work_order
from hub.domain.flow_log import entry_for
from tests import factories

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _all_events() -> list:
    order, events = work_order.create(factories.create_order("WO-9"), now=NOW)
    for cmd in (
        factories.dispatch("WO-9"),
        factories.check_in("WO-9", offset_deg=0.01),
        factories.complete("WO-9"),
        factories.archive("WO-9"),
    ):
        order, new = work_order.decide(order, cmd, now=NOW, radius_m=500)
        events += new
    return events


def test_every_step_writes_one_entry_numbered_by_the_order_version() -> None:
    entries = [entry_for(e, seq=e.version) for e in _all_events()]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.step for e in entries] == [
        "created",
        "dispatched",
        "checked_in",
        "completed",
        "archived",
    ]


def test_check_in_entry_states_distance_and_that_it_was_outside_the_radius() -> None:
    check_in = entry_for(_all_events()[2], seq=3)
    assert "超出范围" in check_in.summary
    assert check_in.details["within_radius"] is False
    assert check_in.actor == "T001"


def test_entries_carry_no_phone_numbers_or_contact_names() -> None:
    order = factories.create_order("WO-9")
    text = " ".join(entry_for(e, seq=e.version).model_dump_json() for e in _all_events())
    assert order.contact.phone not in text
    assert factories.technician().phone not in text
    assert order.contact.name not in text
