"""Test-only readers of the embedded stand-ins' own storage: ledgers, records, texts kept.

The product adapters implement their port and what their REST API serves; everything only tests
and chaos oracles look at lives here. A reader opens the stand-in's storage from the hub's
settings (the same place every process finds it: `beside`), or shares a stand-in's handle
(`of`, for a stand-in in this process).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

from sqlalchemy import Select, func, select

from adapters.billing.embedded import EmbeddedBilling
from adapters.billing.tables import billing_accounts
from adapters.email.local_mailbox import LocalMailbox, email_log
from adapters.embedded_standin import LEDGER
from adapters.inventory import operations as ops
from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.tables import inventory_assignments, inventory_fibers, inventory_operations
from adapters.sms.local_platform import LocalSmsPlatform, sms_log
from adapters.standin_storage import OwnsStorage, StandinStorage
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.tables import support_attachments, support_flow_log, support_orders
from hub.config import Settings
from schemas.v1 import ResourceAssignment


class StandinRecords:
    """Reads one stand-in's storage; `beside(settings)` opens it, `of(stand_in)` shares it."""

    standin: ClassVar[type[OwnsStorage]]

    def __init__(self, storage: StandinStorage, *, owned: bool = False) -> None:
        self.storage = storage
        self._owned = owned

    @classmethod
    def beside(cls, settings: Settings) -> Self:
        """Open the storage the stand-in of a hub with these settings keeps (close it after)."""
        url, data_dir = settings.resolved_database_url, settings.data_dir
        return cls(cls.standin.open_storage(url, data_dir=data_dir), owned=True)

    @classmethod
    def of(cls, stand_in: object) -> Self:
        """Read through a stand-in's own handle (it stays the stand-in's to close)."""
        if not isinstance(stand_in, cls.standin):
            raise TypeError(f"expected a {cls.standin.__name__}, got {type(stand_in).__name__}")
        return cls(stand_in.storage)

    async def close(self) -> None:
        if self._owned:
            await self.storage.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def rows(self, query: Select[Any]) -> list[Any]:
        async with self.storage.read() as conn:
            return list((await conn.execute(query)).all())

    async def count(self, table: Any, *where: Any) -> int:
        async with self.storage.read() as conn:
            query = select(func.count()).select_from(table).where(*where)
            return int(await conn.scalar(query) or 0)


class LedgerRecords(StandinRecords):
    """A stand-in with a ledger: one row per change call, repeats included."""

    @property
    def _ledger(self) -> Any:
        return self.storage.metadata.tables[LEDGER]

    async def calls(self, operation: str | None = None) -> list[tuple[str, str]]:
        """The recorded calls as (operation, key), oldest first; optionally one operation only."""
        ledger = self._ledger
        query = select(ledger.c.operation, ledger.c.idempotency_key)
        if operation is not None:
            query = query.where(ledger.c.operation == operation)
        rows = await self.rows(query.order_by(ledger.c.id))
        return [(r.operation, r.idempotency_key) for r in rows]

    async def repeated_keys(self) -> dict[str, int]:
        """Idempotency keys called more than once, with their call counts."""
        ledger = self._ledger
        query = (
            select(ledger.c.idempotency_key, func.count())
            .group_by(ledger.c.idempotency_key)
            .having(func.count() > 1)
        )
        return {key: int(n) for key, n in await self.rows(query)}


class SupportRecords(LedgerRecords):
    """The work-order system stand-in's orders, flow logs and attachments."""

    standin = EmbeddedWorkOrderSystem

    async def statuses(self) -> dict[str, str]:
        """order id → status."""
        query = select(support_orders.c.order_id, support_orders.c.status)
        return {o: s for o, s in await self.rows(query)}

    async def flow_log_keys(self) -> list[str]:
        return [r[0] for r in await self.rows(select(support_flow_log.c.idempotency_key))]

    async def flow_log_lines(self, order_id: str) -> int:
        return await self.count(support_flow_log, support_flow_log.c.order_id == order_id)

    async def flow_log_entries(self, order_id: str) -> list[dict[str, Any]]:
        query = (
            select(support_flow_log.c.entry)
            .where(support_flow_log.c.order_id == order_id)
            .order_by(support_flow_log.c.id)
        )
        return [r.entry for r in await self.rows(query)]

    async def attached_orders(self) -> list[str]:
        """The order of every attachment, repeats included."""
        return [r[0] for r in await self.rows(select(support_attachments.c.order_id))]

    async def attachment_content(self, order_id: str, sha256: str) -> bytes | None:
        query = (
            select(support_attachments.c.content)
            .where(support_attachments.c.order_id == order_id)
            .where(support_attachments.c.sha256 == sha256)
            .limit(1)
        )
        found = await self.rows(query)
        return bytes(found[0].content) if found else None

    async def has_order(self, order_id: str) -> bool:
        return await self.count(support_orders, support_orders.c.order_id == order_id) > 0


class InventoryRecords(LedgerRecords):
    """The inventory stand-in's fibers, assignments and stored operations."""

    standin = EmbeddedInventory

    async def fiber_holders(self) -> dict[str, tuple[str, str | None]]:
        """fiber id → (state, holder order id), for every fiber."""
        f = inventory_fibers.c
        rows = await self.rows(select(f.fiber_id, f.state, f.order_id))
        return {r.fiber_id: (r.state, r.order_id) for r in rows}

    async def assignments(self) -> dict[str, tuple[str, ResourceAssignment]]:
        """order id → (status, resources), for every assignment row."""
        async with self.storage.read() as conn:
            rows = (await conn.execute(select(inventory_assignments))).mappings().all()
        return {r["order_id"]: (r["status"], ops.row_assignment(r)) for r in rows}

    async def operation_counts(self) -> dict[str, int]:
        """Stored operations (one per idempotency key) by status."""
        op = inventory_operations.c
        query = select(op.status, func.count()).group_by(op.status)
        return {status: int(n) for status, n in await self.rows(query)}


class BillingRecords(LedgerRecords):
    """The billing stand-in's started subscriptions."""

    standin = EmbeddedBilling

    async def billed_orders(self) -> list[str]:
        """The order of every start, repeats included."""
        return [r[0] for r in await self.rows(select(billing_accounts.c.order_id))]

    async def starts(self) -> int:
        return await self.count(billing_accounts)


class SmsRecords(StandinRecords):
    """The texts the local SMS platform kept."""

    standin = LocalSmsPlatform

    async def sms_ids(self) -> list[str]:
        """The SMS id of every text kept, oldest first, repeats included."""
        return [r[0] for r in await self.rows(select(sms_log.c.sms_id).order_by(sms_log.c.id))]

    async def texts(self, sms_prefix: str = "") -> list[tuple[str, str]]:
        """(sms id, body) of the texts whose SMS id starts with `sms_prefix`, oldest first."""
        query = (
            select(sms_log.c.sms_id, sms_log.c.body)
            .where(sms_log.c.sms_id.startswith(sms_prefix, autoescape=True))
            .order_by(sms_log.c.id)
        )
        return [(r.sms_id, r.body) for r in await self.rows(query)]

    async def bodies(self, sms_prefix: str = "") -> list[str]:
        return [body for _, body in await self.texts(sms_prefix)]

    async def masked_recipients(self) -> list[tuple[str, str]]:
        """(sms id, masked number) of every text kept."""
        query = select(sms_log.c.sms_id, sms_log.c.to_masked).order_by(sms_log.c.id)
        return [(r.sms_id, r.to_masked) for r in await self.rows(query)]

    async def history(self, sms_ids: Iterable[str]) -> list[tuple[Any, ...]]:
        """(sms id, provider message id, sent at) of each send of these ids."""
        query = (
            select(sms_log.c.sms_id, sms_log.c.provider_message_id, sms_log.c.sent_at)
            .where(sms_log.c.sms_id.in_(list(sms_ids)))
            .order_by(sms_log.c.id)
        )
        return [tuple(r) for r in await self.rows(query)]

    async def kept(self) -> int:
        return await self.count(sms_log)


class MailRecords(StandinRecords):
    """The messages the local mailbox kept."""

    standin = LocalMailbox

    async def masked_recipients(self) -> list[str]:
        query = select(email_log.c.to_masked).order_by(email_log.c.id)
        return [r[0] for r in await self.rows(query)]


async def close_standins(*adapters: object) -> None:
    """Close the storage of each embedded stand-in among `adapters` (for a hub never stopped)."""
    for adapter in adapters:
        if isinstance(adapter, OwnsStorage):
            await adapter.aclose()


@dataclass
class Standins:
    """Readers of every stand-in of one hub (`beside(settings)`), closed together."""

    support: SupportRecords
    inventory: InventoryRecords
    billing: BillingRecords
    sms: SmsRecords
    mail: MailRecords

    @classmethod
    def beside(cls, settings: Settings) -> Standins:
        return cls(
            support=SupportRecords.beside(settings),
            inventory=InventoryRecords.beside(settings),
            billing=BillingRecords.beside(settings),
            sms=SmsRecords.beside(settings),
            mail=MailRecords.beside(settings),
        )

    async def close(self) -> None:
        for records in (self.support, self.inventory, self.billing, self.sms, self.mail):
            await records.close()
