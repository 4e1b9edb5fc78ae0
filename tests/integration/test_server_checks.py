"""A hub started on a PostgreSQL server that never vacuums says so in its log."""

from __future__ import annotations

import pytest
import structlog

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.server_checks import AUTOVACUUM_OFF, UNREAD, server_warnings
from hub.runtime import Runtime
from tests.services import server_autovacuum

pytestmark = pytest.mark.integration


async def test_autovacuum_off_is_named_on_postgresql_and_nothing_on_sqlite(
    database_url: str, backend: str
) -> None:
    db = Database(database_url)
    try:
        warnings = await server_warnings(db)
    finally:
        await db.dispose()

    if backend == "sqlite":
        assert warnings == []
    else:
        assert warnings == ([] if await server_autovacuum() else [AUTOVACUUM_OFF])


async def test_a_server_that_cannot_be_read_is_a_warning_not_a_failed_start() -> None:
    db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nothing")  # nothing listens
    try:
        warnings = await server_warnings(db)
    finally:
        await db.dispose()

    assert len(warnings) == 1 and warnings[0].startswith(UNREAD), warnings


async def test_a_started_hub_logs_the_warning(settings: Settings, backend: str) -> None:
    expected = backend == "postgres" and not await server_autovacuum()
    runtime = Runtime(bootstrap(settings))
    with structlog.testing.capture_logs() as logs:
        await runtime.start()
    await runtime.stop()
    assert any(entry["event"] == AUTOVACUUM_OFF for entry in logs) is expected
