"""Work orders and their flow log in the database, with optimistic locking."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import flow_log, work_orders
from hub.db.unwritten import UnwrittenRows
from hub.domain.appointment import Appointment, PendingRequest
from hub.domain.flow_log import entry_for
from hub.domain.work_order import CheckInRecord, SignedReportRecord, Status, WorkOrder
from hub.errors import ConcurrencyConflict, NotFound
from hub.ports.records import FIRST_PAGE, Page
from schemas.v1 import (
    BookingChannel,
    Contact,
    CreateWorkOrder,
    FlowLogEntry,
    Punctuality,
    RescheduleReason,
    Technician,
    WorkOrderEvent,
)

# Built once: a statement built per call costs about as much CPU as running it (coercing every
# column), and these run several times per order.
_INSERT_ORDER = insert(work_orders)
_SELECT_ORDER = select(work_orders).where(work_orders.c.order_id == bindparam("id"))
_SELECT_ORDERS = select(work_orders).where(
    work_orders.c.order_id.in_(bindparam("ids", expanding=True))
)
_UPDATE_ORDER = (
    update(work_orders)
    .where(work_orders.c.order_id == bindparam("id"))
    .where(work_orders.c.version == bindparam("expected_version"))
)


class WorkOrderRepository:
    """Loads and saves `WorkOrder`s; a save whose version moved raises `ConcurrencyConflict`.

    One repository lives for one transaction and remembers the orders it read or wrote, so the
    reactions to an event read the order the handler just saved without another SELECT (orders
    are immutable, and every write to `work_orders` goes through this repository).
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._known: dict[str, WorkOrder] = {}
        self._absent: set[str] = set()

    async def preload(self, order_ids: Collection[str]) -> None:
        """Read these orders in one statement, for the handlers of a group that will ask for
        them; an order that does not exist is remembered as absent until it is added."""
        wanted = {i for i in order_ids if i not in self._known and i not in self._absent}
        if not wanted:
            return
        rows = (await self._conn.execute(_SELECT_ORDERS, {"ids": sorted(wanted)})).mappings()
        for row in rows:
            self._known[row["order_id"]] = _to_domain(row)
        self._absent |= wanted - self._known.keys()

    async def find(self, order_id: str) -> WorkOrder | None:
        if (known := self._known.get(order_id)) is not None:
            return known
        if order_id in self._absent:
            return None
        row = (await self._conn.execute(_SELECT_ORDER, {"id": order_id})).mappings().first()
        if row is None:
            return None
        order = self._known[order_id] = _to_domain(row)
        return order

    async def get(self, order_id: str) -> WorkOrder:
        order = await self.find(order_id)
        if order is None:
            raise NotFound(f"work order {order_id} does not exist")
        return order

    async def add(self, order: WorkOrder, *, now: datetime) -> None:
        await self._conn.execute(
            _INSERT_ORDER, {**_to_row(order), "created_at": now, "updated_at": now}
        )
        self._known[order.order_id] = order
        self._absent.discard(order.order_id)

    async def save(self, order: WorkOrder, *, expected_version: int, now: datetime) -> None:
        result = await self._conn.execute(
            _UPDATE_ORDER,
            {
                **_to_row(order),
                "updated_at": now,
                "id": order.order_id,
                "expected_version": expected_version,
            },
        )
        if result.rowcount != 1:
            self._known.pop(order.order_id, None)
            raise ConcurrencyConflict(
                f"work order {order.order_id} changed since version {expected_version}"
            )
        self._known[order.order_id] = order

    async def list_for_technician(
        self, technician_id: str, *, statuses: Collection[Status], page: Page = FIRST_PAGE
    ) -> list[WorkOrder]:
        """Orders dispatched to a technician in the given statuses, by appointment start."""
        rows = await self._conn.execute(
            select(work_orders)
            .where(work_orders.c.technician_id == technician_id)
            .where(work_orders.c.status.in_([s.value for s in statuses]))
            .order_by(work_orders.c.appointment_start, work_orders.c.order_id)
            .limit(page.limit)
            .offset(page.offset)
        )
        return [_to_domain(row) for row in rows.mappings()]

    async def needing_attention(self, *, page: Page = FIRST_PAGE) -> list[WorkOrder]:
        """Open orders the dispatcher must look at: not accepted in time, moved so often that
        the supervisor was flagged, or a customer asked for another window; earliest first."""
        rows = await self._conn.execute(
            select(work_orders)
            .where(work_orders.c.status.in_([Status.CREATED.value, Status.DISPATCHED.value]))
            .where(
                or_(
                    work_orders.c.acceptance_overdue,
                    work_orders.c.reschedule_flagged,
                    work_orders.c.customer_request_pending,
                )
            )
            .order_by(work_orders.c.appointment_start, work_orders.c.order_id)
            .limit(page.limit)
            .offset(page.offset)
        )
        return [_to_domain(row) for row in rows.mappings()]

    async def count_by_status(self) -> dict[str, int]:
        rows = await self._conn.execute(
            select(work_orders.c.status, func.count()).group_by(work_orders.c.status)
        )
        return {status: count for status, count in rows.all()}


_INSERT_FLOW_LOG = insert(flow_log)


class FlowLogRepository:
    """Appends flow-log entries; `seq` is the order version the event produced (1, 2, 3...);
    times in a line read in `zone`.

    Lines are written together, in one statement, by `flush()` (the unit of work flushes before
    it commits, and `list` before it reads): a group of deliveries in one transaction writes
    all of its lines at once. A line whose `(order_id, seq)` exists fails the commit, which the
    unit of work raises as `ConcurrencyConflict`.
    """

    def __init__(self, conn: AsyncConnection, *, zone: tzinfo = UTC) -> None:
        self._conn = conn
        self._zone = zone
        self._unwritten = UnwrittenRows(conn, _INSERT_FLOW_LOG)

    async def append(self, event: WorkOrderEvent) -> FlowLogEntry:
        entry = entry_for(event, seq=event.version, zone=self._zone)
        self._unwritten.add(
            {
                "order_id": entry.order_id,
                "seq": entry.seq,
                "at": entry.at,
                "step": entry.step.value,
                "actor": entry.actor,
                "summary": entry.summary,
                "details": entry.details,
            }
        )
        return entry

    async def flush(self) -> None:
        """Write the lines appended since the last flush."""
        await self._unwritten.flush()

    async def list(self, order_id: str) -> list[FlowLogEntry]:
        await self.flush()
        rows = await self._conn.execute(
            select(flow_log).where(flow_log.c.order_id == order_id).order_by(flow_log.c.seq)
        )
        return [
            FlowLogEntry(
                order_id=r.order_id,
                seq=r.seq,
                at=r.at,
                step=r.step,
                actor=r.actor,
                summary=r.summary,
                details=r.details,
            )
            for r in rows
        ]


def _to_row(order: WorkOrder) -> dict[str, Any]:
    check_in = order.check_in
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "version": order.version,
        "technician_id": order.technician.id if order.technician else None,
        "details": order.details.model_dump(mode="json"),
        "technician": order.technician.model_dump(mode="json") if order.technician else None,
        "appointment_start": order.appointment_start,
        "appointment_end": order.appointment_end,
        "check_in": None
        if check_in is None
        else {
            "at": check_in.at.isoformat(),
            "lat": check_in.lat,
            "lon": check_in.lon,
            "distance_m": check_in.distance_m,
            "within_radius": check_in.within_radius,
        },
        "completed_at": order.completed_at,
        "archived_at": order.archived_at,
        "signed_report": _signed_report_row(order.signed_report),
        "billing_reference": order.billing_reference,
        "reissued_from": order.reissued_from,
        "reissued_as": order.reissued_as,
        "appointment": _appointment_row(order.appointment),
        "accepted_at": order.accepted_at,
        "acceptance_overdue": order.acceptance_overdue,
        "reschedule_flagged": order.appointment is not None and order.appointment.flagged,
        "customer_request_pending": order.appointment is not None
        and order.appointment.pending_request is not None,
        "punctuality": order.punctuality.value if order.punctuality else None,
        "minutes_late": order.minutes_late,
    }


def _to_domain(row: Any) -> WorkOrder:
    check_in = row["check_in"]
    return WorkOrder(
        order_id=row["order_id"],
        status=Status(row["status"]),
        version=row["version"],
        details=CreateWorkOrder.model_validate(row["details"]),
        technician=Technician.model_validate(row["technician"]) if row["technician"] else None,
        appointment_start=row["appointment_start"],
        appointment_end=row["appointment_end"],
        check_in=None
        if check_in is None
        else CheckInRecord(
            at=datetime.fromisoformat(check_in["at"]),
            lat=check_in["lat"],
            lon=check_in["lon"],
            distance_m=check_in["distance_m"],
            within_radius=check_in["within_radius"],
        ),
        completed_at=row["completed_at"],
        archived_at=row["archived_at"],
        signed_report=_signed_report(row["signed_report"]),
        billing_reference=row["billing_reference"],
        reissued_from=row["reissued_from"],
        reissued_as=row["reissued_as"],
        appointment=_appointment(row["appointment"]),
        accepted_at=row["accepted_at"],
        acceptance_overdue=row["acceptance_overdue"],
        punctuality=Punctuality(row["punctuality"]) if row["punctuality"] else None,
        minutes_late=row["minutes_late"],
    )


def _appointment_row(booked: Appointment | None) -> dict[str, Any] | None:
    if booked is None:
        return None
    return {
        "contact": booked.contact.model_dump(mode="json"),
        "channel": booked.channel.value,
        "booked_by": booked.booked_by,
        "booked_at": booked.booked_at.isoformat(),
        "window_version": booked.window_version,
        "reschedules": booked.reschedules,
        "flagged": booked.flagged,
        "confirmed_at": booked.confirmed_at.isoformat() if booked.confirmed_at else None,
        "call_id": booked.call_id,
        "recording_ref": booked.recording_ref,
        "customer_confirmed_at": _iso(booked.customer_confirmed_at),
        "set_off_at": _iso(booked.set_off_at),
        "pending_request": None
        if booked.pending_request is None
        else {
            "wanted_start": booked.pending_request.wanted_start.isoformat(),
            "wanted_end": booked.pending_request.wanted_end.isoformat(),
            "reason": booked.pending_request.reason.value,
            "reason_text": booked.pending_request.reason_text,
            "at": booked.pending_request.at.isoformat(),
        },
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _appointment(data: dict[str, Any] | None) -> Appointment | None:
    if data is None:
        return None
    confirmed = data["confirmed_at"]
    return Appointment(
        contact=Contact.model_validate(data["contact"]),
        channel=BookingChannel(data["channel"]),
        booked_by=data["booked_by"],
        booked_at=datetime.fromisoformat(data["booked_at"]),
        window_version=data["window_version"],
        reschedules=data["reschedules"],
        flagged=data["flagged"],
        confirmed_at=datetime.fromisoformat(confirmed) if confirmed else None,
        call_id=data["call_id"],
        recording_ref=data["recording_ref"],
        customer_confirmed_at=_moment(data.get("customer_confirmed_at")),
        set_off_at=_moment(data.get("set_off_at")),
        pending_request=_pending(data.get("pending_request")),
    )


def _pending(data: dict[str, Any] | None) -> PendingRequest | None:
    if data is None:
        return None
    return PendingRequest(
        wanted_start=datetime.fromisoformat(data["wanted_start"]),
        wanted_end=datetime.fromisoformat(data["wanted_end"]),
        reason=RescheduleReason(data["reason"]),
        reason_text=data["reason_text"],
        at=datetime.fromisoformat(data["at"]),
    )


def _signed_report_row(record: SignedReportRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "version": record.version,
        "sha256": record.sha256,
        "channel": record.channel,
        "at": record.at.isoformat(),
    }


def _signed_report(data: dict[str, Any] | None) -> SignedReportRecord | None:
    if data is None:
        return None
    return SignedReportRecord(
        version=data["version"],
        sha256=data["sha256"],
        channel=data["channel"],
        at=datetime.fromisoformat(data["at"]),
    )
