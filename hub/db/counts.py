"""The hub's records counted for operators (`hub.ports.counts.Counts`): grouped counts only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, and_, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.sms import SmsState
from hub.db.tables import (
    exception_reports,
    flow_log,
    reports,
    resource_changes,
    signatures,
    signing_links,
    sms_messages,
    work_orders,
)
from hub.domain.work_order import FINAL_STATUSES, Status
from hub.ports.counts import (
    ExceptionReportCounts,
    FlowLogCounts,
    HubCounts,
    OrderCounts,
    ReportCounts,
    ResourceChangeCounts,
    SignatureCounts,
    SmsCounts,
)

SIGNED = "signed"  # a signature row's status once the signed copy is stored
RENOTIFIED_BY_DESIGN = "dispatch_notice"  # a re-dispatch (after 退单) texts a new notice


class DatabaseCounts:
    """Counts the hub's tables on one read connection; nothing is locked or written."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def counts(self, *, order_prefix: str = "") -> HubCounts:
        async with self._db.read() as conn:
            count = _Counter(conn, order_prefix)
            return HubCounts(
                order_prefix=order_prefix,
                orders=await count.orders(),
                sms=await count.sms(),
                reports=ReportCounts(versions=await count.rows(reports.c.order_id)),
                signatures=SignatureCounts(
                    by_channel=await count.grouped(
                        signatures.c.channel, signatures.c.order_id, signatures.c.status == SIGNED
                    )
                ),
                resource_changes=await count.resource_changes(),
                exception_reports=ExceptionReportCounts(
                    by_state=await count.grouped(
                        exception_reports.c.state, exception_reports.c.order_id
                    )
                ),
                flow_log=await count.flow_log(),
            )


class _Counter:
    """The count queries of one request: `order_id` columns narrowed to the prefix."""

    def __init__(self, conn: AsyncConnection, prefix: str) -> None:
        self._conn = conn
        self._prefix = prefix

    def mine(self, order_id: Column[Any]) -> ColumnElement[bool]:
        if not self._prefix:
            return true()
        return order_id.startswith(self._prefix, autoescape=True)

    async def rows(self, order_id: Column[Any], *where: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(order_id.table).where(self.mine(order_id), *where)
        return int(await self._conn.scalar(query) or 0)

    async def grouped(
        self, key: Column[Any], order_id: Column[Any], *where: ColumnElement[bool]
    ) -> dict[str, int]:
        query = select(key, func.count()).where(self.mine(order_id), *where).group_by(key)
        return {str(k): int(n) for k, n in await self._conn.execute(query)}

    async def orders(self) -> OrderCounts:
        o = work_orders.c
        latest = o.reissued_as.is_(None)
        query = (
            select(o.status, latest.label("latest"), func.count())
            .where(self.mine(o.order_id))
            .group_by(o.status, latest)
        )
        by_status: dict[str, int] = {}
        reissued = 0
        for status, is_latest, n in await self._conn.execute(query):
            if is_latest:
                by_status[str(status)] = int(n)
            else:
                reissued += int(n)
        has_link = exists().where(signing_links.c.order_id == o.order_id)
        signed = exists().where(
            and_(signatures.c.order_id == o.order_id, signatures.c.status == SIGNED)
        )
        waiting = (latest, o.status == Status.CHECKED_IN.value, has_link, ~signed)
        return OrderCounts(
            by_status=by_status,
            not_final=sum(n for s, n in by_status.items() if Status(s) not in FINAL_STATUSES),
            reissued=reissued,
            awaiting_signature=await self.rows(o.order_id, *waiting),
        )

    async def sms(self) -> SmsCounts:
        m = sms_messages.c
        query = (
            select(m.state, m.purpose, func.count())
            .where(self.mine(m.order_id))
            .group_by(m.state, m.purpose)
        )
        by_state: dict[str, int] = {}
        by_purpose: dict[str, int] = {}
        for state, purpose, n in await self._conn.execute(query):
            by_state[str(state)] = by_state.get(str(state), 0) + int(n)
            by_purpose[str(purpose)] = by_purpose.get(str(purpose), 0) + int(n)
        pairs = (
            select(m.order_id)
            .where(self.mine(m.order_id), m.state == SmsState.SENT.value)
            .where(m.purpose != RENOTIFIED_BY_DESIGN)
            .group_by(m.order_id, m.purpose)
            .having(func.count() > 1)
            .subquery()
        )
        repeated = await self._conn.scalar(select(func.count()).select_from(pairs))
        return SmsCounts(
            by_purpose=by_purpose,
            by_state=by_state,
            in_flight=by_state.get(SmsState.SENDING.value, 0),
            repeated=int(repeated or 0),
        )

    async def flow_log(self) -> FlowLogCounts:
        by_step = await self.grouped(flow_log.c.step, flow_log.c.order_id)
        return FlowLogCounts(lines=sum(by_step.values()), by_step=by_step)

    async def resource_changes(self) -> ResourceChangeCounts:
        c = resource_changes.c
        query = (
            select(c.kind, c.state, func.count())
            .where(self.mine(c.order_id))
            .group_by(c.kind, c.state)
        )
        by_kind: dict[str, dict[str, int]] = {}
        for kind, state, n in await self._conn.execute(query):
            by_kind.setdefault(str(kind), {})[str(state)] = int(n)
        return ResourceChangeCounts(by_kind=by_kind)
