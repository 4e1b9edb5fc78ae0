"""Chaos fixtures: settings fit for crashes, and worker processes cleaned up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from hub.db.engine import Database
from tests import services
from tests.chaos.harness import WorkerProcess, rabbitmq_version
from tests.fakes.standin_oracles import Standins

# No vhost per test: chaos tests share the session's test vhost and are isolated by queue
# prefix (settings.queue_prefix); filter every queue listing by it (harness.list_queues).
#
# Every test's queues are deleted after it. Each quorum queue holds ~3 of the broker's file
# handles, and this machine's broker has 927 (ulimit -n 1024): past ~300 queues, add_vhost,
# delete_vhost and queue declarations block, and after a restart the broker never finishes
# booting (seen: 450 leftover chaos queues → 10 minutes down). `rabbitmqctl eval
# 'file_handle_cache:info().'` shows it.


# A chaos test at full size runs for minutes (500 signings, 2,000 orders): it gets more than the
# suite's 420 s before pytest-timeout dumps the stacks and ends the run.
CHAOS_TIMEOUT_S = 1800


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("chaos") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(CHAOS_TIMEOUT_S))


@pytest.fixture(autouse=True)
async def _delete_test_queues(settings: Settings, vhost: str) -> AsyncIterator[None]:
    yield
    await services.delete_by_prefix(vhost, settings.queue_prefix)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # An SMS attempt interrupted by kill -9 holds its lease for http_timeout_s + 5 = 7 s, so
    # the transient retries must outlast it (0.5 + 2 + 4 × 4 s) or the SMS would be parked.
    # A run packs weeks of a field's orders into minutes (300–2,000 orders over the simulated
    # field's 20 technicians): the daily per-phone and per-hub SMS limits, a guard against
    # texting a phone to death (tests/security/test_sms_limits.py), would hold back dispatch
    # notices the oracles count, so they are lifted here; the per-order limit stays.
    return settings.model_copy(
        update={
            "retry_delays_ms": [500, 2000, 4000],
            "transient_attempts": 6,
            "sms_limit_per_phone_day": 1_000_000,
            "sms_limit_per_day": 1_000_000,
        }
    )


@pytest.fixture
def make_worker(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Worker processes for this test; any still running at teardown is killed."""
    made: list[WorkerProcess] = []

    def make(
        name: str = "worker",
        *,
        settings: Settings = settings,
        command: tuple[str, ...] | None = None,
        **extra_env: str,
    ) -> WorkerProcess:
        worker = WorkerProcess.for_settings(settings, tmp_path, name=name, **extra_env)
        if command is not None:
            worker.command = command
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.ensure_dead()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The test's own handle on the hub database (reads the oracle's facts)."""
    database = Database(settings.resolved_database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def standins(settings: Settings) -> AsyncIterator[Standins]:
    """The test's own readers of the workers' embedded stand-ins (their own storage)."""
    readers = Standins.beside(settings)
    yield readers
    await readers.close()


@pytest.fixture(scope="session")
def broker_version() -> str:
    return rabbitmq_version()
