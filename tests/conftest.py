"""Shared fixtures: a kept test vhost, a queue prefix per worker, and a database per test.

The hub's topology (~55 quorum queues) is declared once per pytest worker process and emptied
between tests, instead of declared and deleted for every test: starting a quorum queue is the
broker's slowest step. Chaos tests, which kill processes and restart the broker, keep a prefix
of their own per test. Databases are copied from a template migrated once per session.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.runtime import Runtime
from tests import services


@pytest.fixture(scope="session")
def session_prefix() -> str:
    """Every queue and exchange this test session declares starts with this."""
    return f"t{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
def worker_prefix(session_prefix: str) -> str:
    """The queue prefix the tests of this pytest worker (xdist) share, emptied between tests."""
    return f"{session_prefix}{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}."


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "hub.sqlite3"

    async def _migrate() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db)
        await db.dispose()

    services.run_sync(_migrate())
    return path


@pytest.fixture(scope="session")
def vhost(session_prefix: str) -> Iterator[str]:
    name = services.ensure_vhost()
    yield name
    services.run_sync(services.delete_by_prefix(name, session_prefix))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once; each test copies it."""
    name = services.run_sync(services.create_database())

    async def _migrate() -> None:
        db = Database(services.pg_url(name))
        await upgrade(db)
        await db.dispose()

    services.run_sync(_migrate())
    yield name
    services.run_sync(services.drop_database(name))


@pytest.fixture
async def empty_pg_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database (no migrations), dropped after the test."""
    name = await services.create_database()
    try:
        yield services.pg_url(name)
    finally:
        await services.drop_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    if backend == "sqlite":
        path = tmp_path / "hub.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = await services.create_database(template=template)
    yield services.pg_url(name)
    await services.drop_database(name)


@pytest.fixture
async def queue_prefix(
    vhost: str, session_prefix: str, worker_prefix: str, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """The worker's shared prefix, emptied after the test; a chaos test gets its own."""
    if request.node.get_closest_marker("chaos"):
        yield f"{session_prefix}{uuid.uuid4().hex[:4]}."
        return
    yield worker_prefix
    await services.purge_by_prefix(vhost, worker_prefix)


@pytest.fixture
def settings(vhost: str, queue_prefix: str, database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        amqp_url=services.amqp_url(vhost),
        database_url=database_url,
        data_dir=tmp_path,
        queue_prefix=queue_prefix,
        retry_delays_ms=[200, 400, 800],
        transient_attempts=4,
        relay_poll_interval_s=0.05,
        timer_poll_interval_s=0.1,
        graceful_timeout_s=5,
        http_timeout_s=2,
    )


@pytest.fixture
async def runtime(settings: Settings, vhost: str) -> AsyncIterator[Runtime]:
    """A started hub (worker and relay) on the test's queue prefix and database."""
    running = Runtime(bootstrap(settings))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def hub(runtime: Runtime) -> Hub:
    return runtime.hub


async def _delete_queues(settings: Settings) -> None:
    """Empty the test's queues (kept for the next test of this worker; the session deletes)."""
    from urllib.parse import unquote, urlsplit

    vhost = unquote(urlsplit(settings.amqp_url).path.lstrip("/")) or "/"
    await services.purge_by_prefix(vhost, settings.queue_prefix)


# Where the database backend does not matter (the HTTP surface, pages, the CLI's output, the
# report's content), a test runs on SQLite only; SQL, locking, leases, the relay and the
# stand-ins' storage keep both backends. A new test module runs on both until listed here.
SQLITE_ONLY = {
    "test_cli.py",
    "test_demo_on_site.py",
    "test_exception_reports.py",
    "test_report_page_images.py",
    "test_report_safety.py",
    "test_reports.py",
    "test_signing_csrf.py",
    "test_signing_log_redaction.py",
    "test_signing_pii.py",
    "test_standin_app.py",
    "test_test_results_api.py",
    "test_twilio_webhook.py",
    "test_web_body_limit.py",
    "test_web_intake.py",
    "test_web_ops.py",
    "test_web_resilience.py",
    "test_web_security_headers.py",
    "test_web_technician.py",
    "test_web_trusted_proxies.py",
    "test_endpoint_owners.py",
    "test_staff_sessions.py",
    "test_findings.py",
    "test_broker_users.py",
    "test_broker_addresses.py",
    "test_wait_queue_migration.py",
}


def pytest_sessionstart(session: pytest.Session) -> None:
    """On CI, sweep what a killed earlier run left in the test vhost, once, before any worker.

    Hundreds of idle quorum queues slow the broker down and can exhaust its handles. Only the
    controlling process sweeps (an xdist worker doing it would delete the queues another
    worker is already using).
    """
    if os.environ.get("CI") and "PYTEST_XDIST_WORKER" not in os.environ:
        services.run_sync(services.delete_by_prefix(services.ensure_vhost(), ""))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, dropped = [], []
    for item in items:
        on_postgres = "postgres" in getattr(getattr(item, "callspec", None), "id", "")
        if on_postgres and Path(str(item.fspath)).name in SQLITE_ONLY:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
