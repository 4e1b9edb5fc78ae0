"""In-memory fakes of every port (`hub.ports`), for the handler tier (`tests/handlers`), and
oracles that read the embedded stand-ins' own storage (`tests.fakes.standin_oracles`).

Storage: `FakeUnitOfWorkFactory` (units of work over one `FakeStore`), with the edge cases of
`hub.db`. External systems: recording fakes with idempotency keys and injectable faults
(`tests.fakes.systems`, `tests.fakes.inventory`), and `FakeReports` (a `ReportSource` without
WeasyPrint). `tests.fakes.conformance` lets mypy check each against its Protocol.
"""

from tests.fakes.clock import FakeClock
from tests.fakes.store import FakeStore, OutboxMessage
from tests.fakes.uow import FakeUnitOfWork, FakeUnitOfWorkFactory, SimulatedCrash

__all__ = [
    "FakeClock",
    "FakeStore",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
    "OutboxMessage",
    "SimulatedCrash",
]
