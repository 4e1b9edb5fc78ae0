"""#11: `hub web` renders nothing, so it starts no render process; workers render."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.errors import ReportRenderFailed


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite:///:memory:",
        data_dir=tmp_path,
        signing_secret=SecretStr("s" * 32),
    )


async def test_a_web_process_has_no_render_pool_and_never_spawns_one(tmp_path: Path) -> None:
    hub = bootstrap(_settings(tmp_path), consumers=False)
    try:
        await hub.reports.pool.start()
        assert hub.reports.pool.enabled is False and hub.reports.pool._idle == []
        with pytest.raises(ReportRenderFailed, match="does not render"):
            await hub.reports.pool.render("<p>x</p>")
        assert hub.reports.pool._idle == []
    finally:
        await hub.aclose()


async def test_a_worker_process_renders(tmp_path: Path) -> None:
    hub = bootstrap(_settings(tmp_path), consumers=True)
    assert hub.reports.pool.enabled is True
    await hub.aclose()
