"""Flow-log lines (流水) of the delivery steps: tests, the signed report, billing."""

from __future__ import annotations

from schemas.v1 import (
    BillingStarted,
    FlowStep,
    PingResultRecorded,
    SignedReportAccepted,
    SpeedTestRecorded,
    WorkOrderEvent,
)

Description = tuple[FlowStep, str, str, dict[str, object]]


def describe_delivery(event: WorkOrderEvent) -> Description | None:
    """The flow-log line of a delivery event; None for any other event."""
    match event:
        case PingResultRecorded(ping=p, verdict=v) as e:
            verdict = "合格" if v.passed else "不合格"
            return (
                FlowStep.PING_TEST,
                e.technician_id,
                f"Ping 测试 {p.target}：丢包 {p.loss_pct:g}%，平均时延 "
                f"{_ms(p.rtt_avg_ms)}（{verdict}）",
                {"test_id": e.test_id, **p.model_dump(mode="json"), "passed": v.passed},
            )
        case SpeedTestRecorded(speed=sp, verdict=v) as e:
            verdict = "合格" if v.passed else "不合格"
            return (
                FlowStep.SPEED_TEST,
                e.technician_id,
                f"测速：下行 {sp.down_mbps:g} Mbps，上行 {sp.up_mbps:g} Mbps，"
                f"抖动 {sp.jitter_ms:g} ms（{verdict}）",
                {
                    "test_id": e.test_id,
                    "down_mbps": sp.down_mbps,
                    "up_mbps": sp.up_mbps,
                    "jitter_ms": sp.jitter_ms,
                    "passed": v.passed,
                },
            )
        case SignedReportAccepted() as e:
            where = "现场" if e.channel == "on_site" else "远程"
            return (
                FlowStep.REPORT_SIGNED,
                "customer",
                f"客户{where}签字确认交付报告 v{e.report_version}",
                {
                    "report_version": e.report_version,
                    "sha256_signed": e.sha256_signed,
                    "channel": e.channel,
                },
            )
        case BillingStarted() as e:
            return FlowStep.BILLING_STARTED, "hub", "起租", {"reference": e.reference}
    return None


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:g} ms"
