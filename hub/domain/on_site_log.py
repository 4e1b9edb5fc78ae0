"""Flow-log lines (流水) of the on-site fixes: reissues, returns to dispatch and exceptions."""

from __future__ import annotations

from schemas.v1 import (
    ChangeKind,
    ExceptionReported,
    ExceptionResolved,
    FlowStep,
    ResourceAssignment,
    WorkOrderCreated,
    WorkOrderEvent,
    WorkOrderReissued,
    WorkOrderReturned,
)

Described = tuple[FlowStep, str, str, dict[str, object]]


def describe_on_site(event: WorkOrderEvent) -> Described | None:
    """The line for an on-site event (or a reissued order's creation); None for other events."""
    match event:
        case WorkOrderCreated(reissued_from=str(source), order=order):
            return (
                FlowStep.CREATED,
                "hub",
                f"工单重派：由 {source} 现场调整资源后重新生成，{order.product} "
                f"{order.bandwidth_mbps}M",
                {"reissued_from": source, "resources": _resources(order.resources)},
            )
        case WorkOrderReissued() as e:
            return (
                FlowStep.REISSUED,
                e.technician_id,
                f"{_change_text(e)}；原单归档，重派为 {e.reissued_as}",
                {
                    "change": e.change.value,
                    "change_id": e.change_id,
                    "reissued_as": e.reissued_as,
                    "previous": e.previous.model_dump(),
                    "resources": e.resources.model_dump(),
                },
            )
        case WorkOrderReturned() as e:
            return FlowStep.RETURNED, e.technician_id, f"退单：{e.reason}", {"reason": e.reason}
        case ExceptionReported() as e:
            return (
                FlowStep.EXCEPTION_REPORTED,
                e.technician_id,
                f"异常上报（{e.type.value}）：{e.description[:100]}"
                f"，责任方 {e.responsible.role.value}",
                {
                    "report_id": e.report_id,
                    "type": e.type.value,
                    "photos": len(e.photos),
                    "responsible_role": e.responsible.role.value,
                },
            )
        case ExceptionResolved() as e:
            return (
                FlowStep.EXCEPTION_RESOLVED,
                "responsible",
                f"异常已处理：{e.resolution[:100]}",
                {"report_id": e.report_id, "open_for_s": round(e.open_for_s, 1)},
            )
    return None


def _change_text(e: WorkOrderReissued) -> str:
    before, after = e.previous, e.resources
    if e.change is ChangeKind.FIBER_SWAP:
        return f"同缆改纤：光缆 {after.cable_id} 纤芯 {before.fiber_no} → {after.fiber_no}"
    return f"更改光箱：{before.box_id} 端口 {before.port} → {after.box_id} 端口 {after.port}"


def _resources(resources: ResourceAssignment | None) -> dict[str, object] | None:
    return None if resources is None else resources.model_dump()
