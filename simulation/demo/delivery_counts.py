"""What a demo run delivered: reports, signatures by channel, billing starts and their checks.

Billing is counted where it happened, in the billing stand-in's own records (`billed`, read
through its API by `demo_standins.billing_starts`), so an order billed twice or billed without a
signature shows up even if the hub's tables say otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import reports, signatures, signing_links, work_orders
from hub.domain.work_order import Status


async def delivery_counts(
    conn: AsyncConnection, prefix: str, billed: Counter[str]
) -> dict[str, int]:
    """Counts of this run's orders (by their id prefix); `billed`: order id → billing starts."""
    mine = work_orders.c.order_id.startswith(prefix, autoescape=True)
    signed = {
        str(channel): int(n)
        for channel, n in await conn.execute(
            select(signatures.c.channel, func.count())
            .where(signatures.c.order_id.startswith(prefix, autoescape=True))
            .where(signatures.c.status == "signed")
            .group_by(signatures.c.channel)
        )
    }
    has_link = exists().where(signing_links.c.order_id == work_orders.c.order_id)
    signed_order = exists().where(
        and_(signatures.c.order_id == work_orders.c.order_id, signatures.c.status == "signed")
    )
    return {
        "reports_rendered": await _count(
            conn, reports, reports.c.order_id.startswith(prefix, autoescape=True)
        ),
        "signed_on_site": signed.get("on_site", 0),
        "signed_remote": signed.get("remote", 0),
        "billed_orders": len(billed),
        "billed_twice": sum(1 for n in billed.values() if n > 1),
        "billed_unsigned": len(set(billed) - await _signed_among(conn, billed)),
        "awaiting_signature": await _count(
            conn,
            work_orders,
            mine,
            work_orders.c.reissued_as.is_(None),
            work_orders.c.status == Status.CHECKED_IN.value,
            has_link,
            ~signed_order,
        ),
    }


def delivery_rows(counts: dict[str, int], failures: list[str]) -> list[tuple[str, str, bool]]:
    """(name, value, good) rows for the summary table."""
    signed = counts["signed_on_site"] + counts["signed_remote"]
    return [
        ("delivery reports rendered (versions)", str(counts["reports_rendered"]), True),
        (
            "signed on site / by SMS link",
            f"{counts['signed_on_site']} / {counts['signed_remote']}",
            True,
        ),
        ("links never signed (orders waiting)", str(counts["awaiting_signature"]), True),
        ("billing started (起租)", str(counts["billed_orders"]), counts["billed_orders"] == signed),
        (
            "billed twice / billed unsigned",
            f"{counts['billed_twice']} / {counts['billed_unsigned']}",
            counts["billed_twice"] == counts["billed_unsigned"] == 0,
        ),
        ("customers who could not sign", str(len(failures)), not failures),
    ]


async def _signed_among(conn: AsyncConnection, order_ids: Iterable[str]) -> set[str]:
    query = (
        select(signatures.c.order_id)
        .where(signatures.c.order_id.in_(list(order_ids)))
        .where(signatures.c.status == "signed")
    )
    return set((await conn.scalars(query)).all())


async def _count(conn: AsyncConnection, table: object, *where: object) -> int:
    query = select(func.count()).select_from(table)  # type: ignore[arg-type]
    for clause in where:
        query = query.where(clause)  # type: ignore[arg-type]
    return int(await conn.scalar(query) or 0)
