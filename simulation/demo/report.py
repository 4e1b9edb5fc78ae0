"""What a demo run achieved, read back from the hub's ops API, the outside world's stand-ins, the
broker and the hub's metrics."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter as MetricCounter
from rich.table import Table

from hub.cli.parking import ParkingQueues, amqp_connection
from hub.domain.work_order import Status
from hub.ports.counts import HubCounts
from simulation.demo.delivery_counts import delivery_counts, delivery_rows
from simulation.demo.hub_counts import hub_counts, punctuality
from simulation.demo.run import DemoRun
from simulation.demo.standins import billing_starts, platform_sends


@dataclass
class DemoReport:
    """The summary `hub demo` prints (as a table, or one JSON object with `--json`)."""

    run_id: str
    database: str
    orders: int
    final_states: dict[str, int]
    archived: int
    lost: int
    duplicated_sms: int
    duplicated_sms_by: dict[str, int]
    sms_sent: int
    messages_published: int
    duplicates_suppressed: int
    parked: int
    parking_queue_depth: int
    far_check_ins: int
    elapsed_s: float
    orders_per_s: float
    p50_step_latency_ms: float | None
    p99_step_latency_ms: float | None
    timed_out: bool = False
    without_resources: int = 0  # orders the inventory gave nothing (no on-site fix possible)
    reissued: int = 0  # orders archived because an on-site fix replaced them
    on_site: dict[str, int] = field(default_factory=dict)
    delivery: dict[str, int] = field(default_factory=dict)  # empty: visits ended unsigned
    signing_failures: list[str] = field(default_factory=list)
    punctuality: dict[str, float] = field(default_factory=dict)  # 履约率 of the month
    month: str = ""

    @property
    def ok(self) -> bool:
        """Every order archived but those waiting for a signature, none lost, no SMS sent twice,
        every signed order billed once and no other."""
        d = self.delivery
        awaiting = d.get("awaiting_signature", 0)
        signed = d.get("signed_on_site", 0) + d.get("signed_remote", 0)
        return (
            self.archived + awaiting == self.orders
            and self.lost == 0
            and self.duplicated_sms == 0
            and self.on_site.get("changes_unfinished", 0) == 0
            and d.get("billed_orders", 0) == signed
            and d.get("billed_twice", 0) == d.get("billed_unsigned", 0) == 0
            and not self.signing_failures
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


async def collect_report(run: DemoRun, *, timed_out: bool) -> DemoReport:
    """Count this run's outcome (only its own orders, by their id prefix)."""
    hub, prefix = run.hub, run.order_prefix
    sends = await platform_sends(run.standins, run.started_at)
    billed = await billing_starts(run.standins, prefix)
    counts = await hub_counts(run.ops, prefix)
    month = f"{datetime.now(hub.settings.appointment_policy.zone):%Y-%m}"
    kept = await punctuality(run.ops, month)
    states = counts.orders.by_status
    by_sms_id = _sms_sent_twice(sends)
    delivery = (
        delivery_counts(counts, billed, run.delivery.stats) if run.delivery is not None else {}
    )
    async with amqp_connection(hub.settings.amqp_urls) as connection:
        depths = await ParkingQueues(connection, hub.topology).depths()
    final = sum(states.values()) - counts.orders.not_final
    latencies = sorted(run.field.stats.step_latencies_s)
    elapsed = max(run.elapsed_s, 1e-9)
    return DemoReport(
        run_id=run.run_id,
        database=_backend(hub.settings.resolved_database_url),
        orders=run.orders,
        final_states=states,
        archived=states.get(Status.ARCHIVED.value, 0),
        lost=run.orders - final - delivery.get("awaiting_signature", 0),
        duplicated_sms=max(by_sms_id, counts.sms.repeated),
        duplicated_sms_by={"sms_id": by_sms_id, "order_and_purpose": counts.sms.repeated},
        sms_sent=sum(sends.values()),
        messages_published=_total(hub.metrics.outbox_published) + run.field.stats.published,
        duplicates_suppressed=_total(hub.metrics.duplicates_suppressed),
        parked=_total(hub.metrics.messages_parked),
        parking_queue_depth=sum(d or 0 for d in depths.values()),
        far_check_ins=run.field.stats.far_check_ins,
        without_resources=run.field.stats.without_resources,
        elapsed_s=round(run.elapsed_s, 3),
        orders_per_s=round(run.orders / elapsed, 2),
        p50_step_latency_ms=_percentile_ms(latencies, 50),
        p99_step_latency_ms=_percentile_ms(latencies, 99),
        timed_out=timed_out,
        reissued=counts.orders.reissued,
        on_site=on_site_counts(counts),
        delivery=delivery,
        signing_failures=run.delivery.stats.failures[:20] if run.delivery is not None else [],
        punctuality=kept,
        month=month,
    )


def summary_table(report: DemoReport) -> Table:
    """The report for people."""
    verdict = "[green]OK[/green]" if report.ok else "[red]FAILED[/red]"
    table = Table(
        title=f"Demo run {report.run_id} on {report.database}: {verdict}", show_header=False
    )
    table.add_column(style="bold")
    table.add_column()
    states = ", ".join(f"{s}={n}" for s, n in sorted(report.final_states.items())) or "-"
    rows = [
        ("orders", str(report.orders)),
        (
            "archived",
            _flag(
                report.archived,
                good=report.archived + report.delivery.get("awaiting_signature", 0)
                == report.orders,
            ),
        ),
        (
            "lost (not final, not waiting for a signature)",
            _flag(report.lost, good=report.lost == 0),
        ),
        ("states", states),
        ("SMS sent", str(report.sms_sent)),
        (
            "SMS duplicated (by sms_id / by order+purpose)",
            _flag(
                f"{report.duplicated_sms_by['sms_id']} / "
                f"{report.duplicated_sms_by['order_and_purpose']}",
                good=report.duplicated_sms == 0,
            ),
        ),
        ("messages published (outbox + field)", str(report.messages_published)),
        ("duplicate deliveries suppressed", str(report.duplicates_suppressed)),
        (
            "parked (this run / in parking queues)",
            f"{report.parked} / {report.parking_queue_depth}",
        ),
        ("far check-ins", str(report.far_check_ins)),
        ("orders without resources", str(report.without_resources)),
        *_on_site_rows(report),
        *_delivery_rows(report),
        *_punctuality_rows(report),
        ("elapsed", f"{report.elapsed_s:.2f} s" + (" (timed out)" if report.timed_out else "")),
        ("throughput", f"{report.orders_per_s:.1f} orders/s"),
        (
            "step latency p50 / p99",
            f"{_ms(report.p50_step_latency_ms)} / {_ms(report.p99_step_latency_ms)}",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _total(counter: MetricCounter) -> int:
    return int(
        sum(
            sample.value
            for metric in counter.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        )
    )


def _percentile_ms(ordered: list[float], percent: int) -> float | None:
    if not ordered:
        return None
    index = max(0, math.ceil(percent / 100 * len(ordered)) - 1)
    return round(ordered[index] * 1000, 1)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _flag(value: object, *, good: bool) -> str:
    return f"[green]{value}[/green]" if good else f"[red]{value}[/red]"


def on_site_counts(counts: HubCounts) -> dict[str, int]:
    """Fiber swaps, box changes, returns to dispatch and exceptions of this run, by outcome."""
    outcome = {"reissued": "applied", "refused": "refused", "compensated": "refused"}
    on_site: dict[str, int] = {}
    for kind, states in counts.resource_changes.by_kind.items():
        for state, n in states.items():
            key = f"{kind}_{outcome.get(state, 'unfinished')}"
            on_site[key] = on_site.get(key, 0) + n
            if state not in outcome:
                on_site["changes_unfinished"] = on_site.get("changes_unfinished", 0) + n
    for state, n in counts.exception_reports.by_state.items():
        on_site[f"exceptions_{state}"] = n
    on_site["returned_to_dispatch"] = counts.flow_log.by_step.get("returned", 0)
    return on_site


def _sms_sent_twice(sends: Counter[str]) -> int:
    """SMS ids the platform delivered more than once since the run started."""
    return sum(1 for n in sends.values() if n > 1)


def _backend(database_url: str) -> str:
    """`sqlite` or `postgresql`, from a SQLAlchemy URL such as `postgresql+asyncpg://...`."""
    return database_url.split(":", 1)[0].split("+", 1)[0]


def _punctuality_rows(report: DemoReport) -> list[tuple[str, str]]:
    """履约率 of the month, from the hub's stored visits (every order of the database)."""
    k = report.punctuality
    if not k:
        return []
    return [
        (
            f"履约率 {report.month} (visits on time / due, whole database)",
            f"{k['rate']:.1%} ({int(k['on_time'])} / {int(k['due'])}; "
            f"late {int(k['late'])}, missed {int(k['missed'])})",
        )
    ]


def _delivery_rows(report: DemoReport) -> list[tuple[str, str]]:
    if not report.delivery:
        return []
    rows = delivery_rows(report.delivery, report.signing_failures)
    return [(name, value if good else _flag(value, good=False)) for name, value, good in rows]


def _on_site_rows(report: DemoReport) -> list[tuple[str, str]]:
    c = report.on_site
    return [
        (
            "fiber swaps (applied / refused)",
            f"{c.get('fiber_swap_applied', 0)} / {c.get('fiber_swap_refused', 0)}",
        ),
        (
            "box changes (applied / refused)",
            f"{c.get('box_change_applied', 0)} / {c.get('box_change_refused', 0)}",
        ),
        ("orders reissued on site", str(report.reissued)),
        ("returned to dispatch (退单)", str(c.get("returned_to_dispatch", 0))),
        (
            "exceptions (resolved / open)",
            f"{c.get('exceptions_resolved', 0)} / {c.get('exceptions_open', 0)}",
        ),
        (
            "changes unfinished",
            _flag(c.get("changes_unfinished", 0), good=c.get("changes_unfinished", 0) == 0),
        ),
    ]
