"""Browser tests of the customer pages open a whole hub served by uvicorn on a port of its own,
its links pointing there; pages do not depend on the database, so SQLite only. (The docs and
exception-page tests start their own web process and use none of these.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import AnyHttpUrl

from hub.bootstrap import Hub
from hub.config import Settings
from tests.integration.signing_support import served


@pytest.fixture
def port(unused_tcp_port: int) -> int:
    return unused_tcp_port


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Pages do not depend on the database: SQLite only."""
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    """The hub's links point at the port it is served on."""
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(f"http://127.0.0.1:{port}")})


@pytest.fixture
async def server(hub: Hub, port: int) -> AsyncIterator[str]:
    async with served(hub, port, access_log=False) as url:
        yield url
