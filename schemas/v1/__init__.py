"""Version 1 of the hub's AMQP contracts."""

from schemas.v1.commands import (
    ArchiveWorkOrder,
    CheckIn,
    CompleteWorkOrder,
    CreateWorkOrder,
    DispatchWorkOrder,
    SendSms,
    VerifyCheckIn,
)
from schemas.v1.common import AccountManager, Contact, Coordinates, InstallAddress, Technician
from schemas.v1.events import (
    CheckInOverdue,
    SmsSent,
    TechnicianCheckedIn,
    WorkOrderArchived,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderDispatched,
    WorkOrderEvent,
)
from schemas.v1.flow_log import FlowLogEntry, FlowStep

__all__ = [
    "AccountManager",
    "ArchiveWorkOrder",
    "CheckIn",
    "CheckInOverdue",
    "CompleteWorkOrder",
    "Contact",
    "Coordinates",
    "CreateWorkOrder",
    "DispatchWorkOrder",
    "FlowLogEntry",
    "FlowStep",
    "InstallAddress",
    "SendSms",
    "SmsSent",
    "Technician",
    "TechnicianCheckedIn",
    "VerifyCheckIn",
    "WorkOrderArchived",
    "WorkOrderCompleted",
    "WorkOrderCreated",
    "WorkOrderDispatched",
    "WorkOrderEvent",
]
