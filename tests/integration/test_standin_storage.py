"""The embedded stand-ins keep their records in storage of their own, never in the hub's schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.billing.embedded import EmbeddedBilling
from adapters.email.local_mailbox import LocalMailbox
from adapters.inventory.embedded import EmbeddedInventory
from adapters.sms.local_platform import LocalSmsPlatform
from adapters.standin_storage import StandinStorage
from adapters.support.embedded import EmbeddedWorkOrderSystem
from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import metadata as hub_metadata
from tests.fakes.standin_oracles import SmsRecords, SupportRecords, close_standins

pytestmark = pytest.mark.integration

HUB_TABLES = {*hub_metadata.tables, "alembic_version"}
STANDINS = (
    EmbeddedWorkOrderSystem,
    EmbeddedInventory,
    EmbeddedBilling,
    LocalSmsPlatform,
    LocalMailbox,
)


@pytest.fixture
async def quiet(settings: Settings) -> AsyncIterator[Hub]:
    """A hub with every stand-in embedded, not started (no broker needed)."""
    hub = bootstrap(settings.model_copy(update={"inventory_seed": False}), consumers=False)
    yield hub
    await close_standins(
        hub.work_order_system, hub.inventory, hub.billing, hub.sms_sender, hub.mailer
    )
    await hub.db.dispose()


async def _use_every_standin(hub: Hub) -> None:
    await hub.work_order_system.upsert_order("WO-OWN-1", status="created", payload={})
    await hub.sms_sender.send(sms_id="own:1", to="+8613900139000", body="你好")
    for stand_in in (hub.inventory, hub.billing, hub.mailer):
        assert isinstance(stand_in, STANDINS)
        await stand_in.storage.create_tables()


async def _tables(conn: AsyncConnection, schema: str | None = None) -> set[str]:
    return set(await conn.run_sync(lambda c: inspect(c).get_table_names(schema=schema)))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_after_upgrade_the_hubs_postgres_schema_holds_only_the_hubs_tables(
    database_url: str, quiet: Hub
) -> None:
    await _use_every_standin(quiet)
    db = Database(database_url)
    try:
        async with db.read() as conn:
            public = await _tables(conn, "public")
            support = await _tables(conn, "standin_support")
            schemas = set((await conn.execute(text("SELECT nspname FROM pg_namespace"))).scalars())
    finally:
        await db.dispose()
    assert public == HUB_TABLES
    assert {
        "support_orders",
        "support_flow_log",
        "support_attachments",
        "standin_ledger",
    } <= support
    assert {f"standin_{s.storage_name}" for s in STANDINS} <= schemas


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_on_sqlite_each_standin_creates_a_file_of_its_own_under_the_data_dir(
    settings: Settings, quiet: Hub
) -> None:
    await _use_every_standin(quiet)
    files = sorted(p.name for p in (settings.data_dir / "standins").glob("*.sqlite3"))
    assert files == sorted(f"{s.storage_name}.sqlite3" for s in STANDINS)
    db = Database(settings.resolved_database_url)
    try:
        async with db.read() as conn:
            assert await _tables(conn) == HUB_TABLES
    finally:
        await db.dispose()


async def test_another_process_finds_a_standins_records_from_the_same_settings(
    settings: Settings, quiet: Hub
) -> None:
    await _use_every_standin(quiet)
    async with SupportRecords.beside(settings) as support, SmsRecords.beside(settings) as sms:
        assert await support.has_order("WO-OWN-1")
        assert await sms.texts("own:") == [("own:1", "你好")]


async def test_a_standin_creates_its_tables_on_first_use_and_again_is_harmless(
    database_url: str, tmp_path: Path
) -> None:
    first = EmbeddedBilling.open_storage(database_url, data_dir=tmp_path)
    second = EmbeddedBilling.open_storage(database_url, data_dir=tmp_path)
    try:
        billing = EmbeddedBilling(first)
        reference = await billing.start(
            "WO-OWN-2",
            product="专线",
            bandwidth_mbps=100,
            report_sha256="ab" * 32,
            idempotency_key="billing:WO-OWN-2",
        )
        await second.create_tables()  # a second process starting later
        assert await EmbeddedBilling(second).lookup(idempotency_key="billing:WO-OWN-2") == reference
    finally:
        await first.dispose()
        await second.dispose()


def test_a_standin_refuses_a_storage_of_other_tables(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    storage = StandinStorage.beside(
        url, data_dir=tmp_path, name="billing", metadata=LocalSmsPlatform.tables
    )
    with pytest.raises(ValueError, match="its own tables"):
        EmbeddedBilling(storage)


def test_a_storage_name_is_checked_before_it_becomes_a_file_or_schema_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lowercase"):
        StandinStorage.beside(
            "postgresql+asyncpg://x/y",
            data_dir=tmp_path,
            name='x"; DROP',
            metadata=LocalSmsPlatform.tables,
        )
