"""Side-effect oracles (Jepsen style): per effect, what was lost, duplicated or unexpected.

Facts come from the hub's database (work orders, flow log, the outbox: one committed handler run
per step) and from the embedded stand-ins' own storage, opened from the same settings: the SMS
platform's texts, the support stand-in's records and ledger (`tests/fakes/standin_oracles.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from hub.db.engine import Database
from hub.db.tables import flow_log, inbox, outbox, sms_messages, work_orders
from tests.fakes.standin_oracles import LedgerRecords, SmsRecords, Standins

LIFECYCLE_STEPS = ("created", "dispatched", "checked_in", "completed", "archived")


@dataclass
class Oracle:
    """Jepsen-style counts for one side effect: expected keys vs the keys that happened."""

    effect: str
    expected: int
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @classmethod
    def compare(cls, effect: str, expected: Iterable[str], happened: Iterable[str]) -> Oracle:
        want = set(expected)
        seen = Counter(happened)
        return cls(
            effect=effect,
            expected=len(want),
            lost=sorted(want - set(seen)),
            duplicated=sorted(k for k, n in seen.items() if n > 1),
            unexpected=sorted(set(seen) - want),
        )

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected)

    def line(self) -> str:
        return (
            f"{self.effect}: expected={self.expected} lost={len(self.lost)} "
            f"duplicated={len(self.duplicated)} unexpected={len(self.unexpected)}"
            + ("" if self.ok else f" e.g. {(self.lost + self.duplicated + self.unexpected)[:3]}")
        )


def totals(oracles: list[Oracle]) -> str:
    lost = sum(len(o.lost) for o in oracles)
    dup = sum(len(o.duplicated) for o in oracles)
    unexpected = sum(len(o.unexpected) for o in oracles)
    return f"lost={lost} duplicated={dup} unexpected={unexpected}"


def dispatch_sms_id(order_id: str) -> str:
    return f"dispatch-notice:{order_id}:v2"


async def lifecycle_oracle(
    db: Database, standins: Standins, order_ids: Iterable[str]
) -> list[Oracle]:
    """Every effect an order that went create → archive must have had, exactly once each."""
    ids = list(order_ids)
    async with db.read() as conn:
        statuses = (await conn.execute(select(work_orders.c.order_id, work_orders.c.status))).all()
        steps = (await conn.execute(select(flow_log.c.order_id, flow_log.c.step))).all()
    sms = await standins.sms.sms_ids()
    mirrored = await standins.support.flow_log_keys()
    support = (await standins.support.statuses()).items()
    return [
        Oracle.compare("final state archived", ids, [o for o, s in statuses if s == "archived"]),
        Oracle.compare("orders", ids, [o for o, _ in statuses]),
        Oracle.compare(
            "flow-log steps",
            [f"{o}:{s}" for o in ids for s in LIFECYCLE_STEPS],
            [f"{o}:{s}" for o, s in steps],
        ),
        Oracle.compare("dispatch SMS", [dispatch_sms_id(o) for o in ids], sms),
        Oracle.compare(
            "support flow-log lines",
            [f"flow-log:{o}:{seq}" for o in ids for seq in range(1, len(LIFECYCLE_STEPS) + 1)],
            mirrored,
        ),
        Oracle.compare("support archived", ids, [o for o, s in support if s == "archived"]),
        await outbox_oracle(db, ids),
    ]


# One committed handler run per step writes these outbox rows (correlation id = order id).
OUTBOX_PER_ORDER = {
    "WorkOrderCreated.v1": 1,
    "WorkOrderDispatched.v1": 1,
    "TechnicianCheckedIn.v1": 1,
    "WorkOrderCompleted.v1": 1,
    "WorkOrderArchived.v1": 1,
    "FlowLogEntry.v1": 5,
    "SendSms.v1": 1,
    "SmsSent.v1": 1,
}


async def outbox_oracle(db: Database, order_ids: Iterable[str]) -> Oracle:
    """Outbox rows per (order, message type) vs one committed run of every handler."""
    ids = set(order_ids)
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox.c.correlation_id, outbox.c.message_type))).all()
    seen = Counter((o, t) for o, t in rows)
    oracle = Oracle(
        effect="outbox rows (handler commits)", expected=len(ids) * sum(OUTBOX_PER_ORDER.values())
    )
    for order_id in sorted(ids):
        for message_type, want in OUTBOX_PER_ORDER.items():
            got = seen.pop((order_id, message_type), 0)
            if got < want:
                oracle.lost.append(f"{order_id}:{message_type}")
            elif got > want:
                oracle.duplicated.append(f"{order_id}:{message_type}")
    oracle.unexpected = sorted(f"{o}:{t}" for o, t in seen)
    return oracle


async def count_rows(db: Database, table: Any, *where: Any) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def archived_count(db: Database) -> int:
    return await count_rows(db, work_orders, work_orders.c.status == "archived")


async def inbox_rows(db: Database) -> int:
    return await count_rows(db, inbox)


async def repeated_ledger_keys(*stand_ins: LedgerRecords) -> dict[str, int]:
    """Stand-in calls made more than once with the same idempotency key (ledgers merged)."""
    repeated: dict[str, int] = {}
    for records in stand_ins:
        repeated |= await records.repeated_keys()
    return repeated


async def sms_history(db: Database, sms: SmsRecords, sms_ids: list[str]) -> str:
    """The hub's SMS rows and the platform's sends of these ids (for a duplicate's post-mortem)."""
    async with db.read() as conn:
        messages = (
            (await conn.execute(select(sms_messages).where(sms_messages.c.sms_id.in_(sms_ids))))
            .mappings()
            .all()
        )
    sent = await sms.history(sms_ids)
    return "\n".join([*(str(dict(m)) for m in messages), *(str(r) for r in sent)])


PHONE = re.compile(r"\+[1-9]\d{6,14}")
