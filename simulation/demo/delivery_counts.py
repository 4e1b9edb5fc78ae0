"""What a demo run delivered: reports, signatures by channel, billing starts and their checks.

Billing is counted where it happened, in the billing stand-in's own records (`billed`, read
through its API by `standins.billing_starts`), and held against the orders the simulated
customers signed, so an order billed twice or billed without a signature shows up even if the
hub's records say otherwise.
"""

from __future__ import annotations

from collections import Counter

from hub.ports.counts import HubCounts
from simulation.delivery import DeliveryStats


def delivery_counts(counts: HubCounts, billed: Counter[str], done: DeliveryStats) -> dict[str, int]:
    """Counts of this run's orders: `counts`, the hub's (`/ops/counts.json`); `billed`, order id
    → billing starts; `done`, what the simulated technicians and customers signed."""
    signed = counts.signatures.by_channel
    return {
        "reports_rendered": counts.reports.versions,
        "signed_on_site": signed.get("on_site", 0),
        "signed_remote": signed.get("remote", 0),
        "billed_orders": len(billed),
        "billed_twice": sum(1 for n in billed.values() if n > 1),
        "billed_unsigned": len(set(billed) - done.signed),
        "awaiting_signature": counts.orders.awaiting_signature,
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
