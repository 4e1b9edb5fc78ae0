"""Exception reports (异常上报): the responsible person is texted, then the technician."""

from __future__ import annotations

import pytest

from hub.domain.exception_report import ReportState
from hub.errors import IllegalTransition
from schemas.v1 import ExceptionReported, ExceptionResolved, ResolveException, SendSms
from tests import factories
from tests.handlers.harness import FakeHub
from tests.on_site_factories import exception

# The directory's duty phone for access_denied (the request's own `responsible` is ignored).
RESPONSIBLE = "+8613900001002"
IGNORED = "+8613600136000"  # the account manager the request names in `on_site_factories`


def resolution(report_id: str = "exc-00001") -> ResolveException:
    return ResolveException(report_id=report_id, resolved_by="李娜", resolution="已与物业协调")


async def test_a_report_texts_the_responsible_person_at_once(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    await hub.run(exception("WO-1"))
    assert hub.tables.exceptions["exc-00001"].state is ReportState.OPEN
    assert len(hub.tables.published(ExceptionReported)) == 1
    await hub.deliver(SendSms)
    [notice] = hub.sms.to(RESPONSIBLE)
    assert "exc-00001" in notice.body and "/exceptions/exc-00001" in notice.body
    assert "物业不让进弱电间" not in notice.body, "nothing the technician typed goes into an SMS"
    assert hub.sms.to(IGNORED) == []


async def test_resolving_texts_the_technician_who_reported_it(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    await hub.run(exception("WO-1"))
    await hub.run(resolution())
    report = hub.tables.exceptions["exc-00001"]
    assert (report.state, report.resolved_by) == (ReportState.RESOLVED, "李娜")
    assert len(hub.tables.published(ExceptionResolved)) == 1
    await hub.deliver(SendSms)
    [notice] = hub.sms.to(factories.technician().phone)[-1:]
    assert "已处理" in notice.body and "已与物业协调" not in notice.body


async def test_the_same_report_and_resolution_sent_again_text_nobody_twice(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    for _ in range(2):
        await hub.run(exception("WO-1"))
        await hub.run(resolution())
    await hub.deliver(SendSms)
    assert len(hub.sms.to(RESPONSIBLE)) == 1
    purposes = [s.purpose for s in hub.tables.published(SendSms)]
    assert purposes.count("exception_resolved") == 1


async def test_a_report_id_reused_for_another_problem_is_refused(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    await hub.run(exception("WO-1"))
    other = exception("WO-1").model_copy(update={"description": "光箱被锁，无钥匙"})
    with pytest.raises(IllegalTransition, match="already used for another report"):
        await hub.run(other)
    assert hub.tables.exceptions["exc-00001"].description.startswith("物业")


async def test_a_second_different_resolution_is_refused(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    await hub.run(exception("WO-1"))
    await hub.run(resolution())
    again = resolution().model_copy(update={"resolution": "另一种处理"})
    with pytest.raises(IllegalTransition, match="already resolved"):
        await hub.run(again)
