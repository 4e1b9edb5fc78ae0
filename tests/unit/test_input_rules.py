"""Input that would poison an order is refused at the contract, with a message naming it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from hub.domain.clock import ClockWindow, ImplausibleTime
from schemas.v1 import CompleteWorkOrder, Contact, CreateWorkOrder, DispatchWorkOrder
from tests import factories

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["msg"] for e in exc.value.errors()}


@pytest.mark.parametrize(
    "name",
    [
        "Li\u202eaN",  # right-to-left override: displays reversed
        "Li\u200bNa",  # zero-width space
        "Li\nNa",  # a forged second line
        "Li\x00Na",  # NUL
        "\u2066Li Na\u2069",  # isolates
    ],
)
def test_a_name_with_hidden_characters_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Contact(name=name, phone="+8613800138000")
    assert "name" in _problems(exc)
    assert "remove it" in _problems(exc)["name"]


def test_a_plain_chinese_name_and_address_are_accepted() -> None:
    order = factories.create_order("WO-TEXT-1")
    contact = Contact(name="张 伟·Zhang", phone="+8613800138000")
    assert contact.name == "张 伟·Zhang"
    assert order.customer_name


def test_a_note_may_have_lines_but_no_bidi_override() -> None:
    ok = CompleteWorkOrder(order_id="WO-1", technician_id="T001", note="机房已验收\n\t光功率正常")
    assert ok.note.count("\n") == 1
    with pytest.raises(ValidationError) as exc:
        CompleteWorkOrder(order_id="WO-1", technician_id="T001", note="ok \u202e evil")
    assert "note" in _problems(exc)


@pytest.mark.parametrize("year", [1970, 1999, 2100, 9999])
def test_an_appointment_outside_2000_to_2100_is_refused(year: int) -> None:
    start = datetime(year, 1, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as exc:
        DispatchWorkOrder.model_validate(
            {**factories.dispatch("WO-DATE-1").model_dump(), "appointment_start": start}
        )
    assert "must lie between 2000-01-01 and 2100-01-01" in str(exc.value)


def test_a_check_in_time_days_off_or_ahead_is_implausible() -> None:
    window = ClockWindow(past=timedelta(hours=48), future=timedelta(minutes=5))
    window.require_plausible(NOW - timedelta(hours=47), now=NOW, what="at")
    window.require_plausible(NOW + timedelta(minutes=4), now=NOW, what="at")
    with pytest.raises(ImplausibleTime, match="in the future"):
        window.require_plausible(NOW + timedelta(hours=1), now=NOW, what="at")
    with pytest.raises(ImplausibleTime, match="48 h in the past"):
        window.require_plausible(NOW - timedelta(days=3), now=NOW, what="at")


def test_the_create_contract_refuses_hidden_characters_in_the_address() -> None:
    data = factories.create_order("WO-TEXT-2").model_dump()
    data["install_address"]["text"] = "上海市\u202e路1号"
    with pytest.raises(ValidationError) as exc:
        CreateWorkOrder.model_validate(data)
    assert "install_address.text" in _problems(exc)
