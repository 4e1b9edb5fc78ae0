"""Exception reports (异常上报) as a pure state machine: open → resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain import exception_report
from hub.domain.exception_directory import DirectoryEntry, district_of, pick
from hub.domain.exception_report import ReportState
from hub.domain.flow_log import entry_for
from hub.errors import IllegalTransition, NotAssigned
from schemas.v1 import (
    ExceptionReported,
    ExceptionResolved,
    ExceptionType,
    FlowStep,
    ResolveException,
    ResponsibleParty,
    ResponsibleRole,
)
from tests.on_site_factories import NOW, dispatched, exception

LATER = NOW + timedelta(minutes=42)
DUTY = ResponsibleParty(role=ResponsibleRole.DISPATCHER, name="调度值班", phone="+8613900001000")
RESOLVE = ResolveException(report_id="exc-00001", resolved_by="李娜", resolution="已联系物业开门")


def test_a_report_opens_with_a_flow_log_line_and_bumps_the_order_version() -> None:
    order = dispatched()
    report, noted, events = exception_report.report(order, exception(), responsible=DUTY, now=NOW)
    assert report.state is ReportState.OPEN
    assert report.technician_phone == order.technician.phone  # type: ignore[union-attr]
    assert noted.version == order.version + 1 and noted.status is order.status
    assert [type(e) for e in events] == [ExceptionReported]
    line = entry_for(events[0], seq=noted.version)
    assert line.step is FlowStep.EXCEPTION_REPORTED
    assert "+86" not in line.model_dump_json()


def test_a_report_needs_the_technicians_open_order() -> None:
    with pytest.raises(NotAssigned):
        exception_report.report(dispatched(), exception(tech_id="T002"), responsible=DUTY, now=NOW)


def test_resolving_closes_it_with_its_age() -> None:
    report, order, _ = exception_report.report(dispatched(), exception(), responsible=DUTY, now=NOW)
    resolved, noted, events = exception_report.resolve(report, order, RESOLVE, now=LATER)
    assert resolved.state is ReportState.RESOLVED
    assert resolved.age_s(LATER + timedelta(days=1)) == 42 * 60
    assert noted.version == order.version + 1
    assert isinstance(events[0], ExceptionResolved)
    assert events[0].open_for_s == 42 * 60
    assert exception_report.already_resolved_as(resolved, RESOLVE)


def test_an_open_report_ages_with_the_clock_and_resolves_once() -> None:
    report, order, _ = exception_report.report(dispatched(), exception(), responsible=DUTY, now=NOW)
    assert report.age_s(LATER) == 42 * 60
    resolved, order, _ = exception_report.resolve(report, order, RESOLVE, now=LATER)
    with pytest.raises(IllegalTransition, match="already resolved"):
        exception_report.resolve(resolved, order, RESOLVE, now=LATER)


def test_a_repeated_report_is_recognised() -> None:
    report, _, _ = exception_report.report(dispatched(), exception(), responsible=DUTY, now=NOW)
    assert exception_report.same_report(report, exception())
    other = exception().model_copy(update={"description": "别的问题"})
    assert not exception_report.same_report(report, other)


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("上海市黄浦区南京东路 1 号", "黄浦区"),
        ("上海市浦东新区世纪大道 100 号", "浦东新区"),
        ("浙江省杭州市西湖区文三路 9 号", "西湖区"),
        ("江苏省昆山市前进路", "*"),
        ("Unit 3, somewhere", "*"),
    ],
)
def test_the_district_of_an_address_picks_the_directory_entry(address: str, district: str) -> None:
    assert district_of(address) == district


def test_the_most_specific_directory_entry_wins() -> None:
    def entry(kind: str, district: str, name: str) -> DirectoryEntry:
        party = ResponsibleParty(role=ResponsibleRole.DISPATCHER, name=name, phone="+8613900001000")
        return DirectoryEntry(kind, district, party, "sup", NOW)

    book = [
        entry("*", "*", "any"),
        entry("*", "黄浦区", "huangpu"),
        entry("power_outage", "*", "po"),
    ]
    assert pick(book, ExceptionType.POWER_OUTAGE, "黄浦区").responsible.name == "po"  # type: ignore[union-attr]
    assert pick(book, ExceptionType.OTHER, "黄浦区").responsible.name == "huangpu"  # type: ignore[union-attr]
    assert pick(book, ExceptionType.OTHER, "徐汇区").responsible.name == "any"  # type: ignore[union-attr]
    assert pick([], ExceptionType.OTHER, "徐汇区") is None
