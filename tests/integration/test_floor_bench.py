"""bench/floor.py: the raw layers under one hub delivery are measured and the bench leaves no
schema or queue behind (a bench that stops working is found here, not when it is needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import asyncpg
import pytest

from tests.services import queue_names

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from floor import VHOST, main, parse_args

pytestmark = pytest.mark.integration


async def test_each_layer_is_measured_and_nothing_is_left_behind(empty_pg_url: str) -> None:
    options = ["--transactions", "300", "--messages", "300", "--json"]
    result = await main(parse_args(["--database-url", empty_pg_url, *options]))

    for layer in ("amqp_message", "asyncpg_transaction", "sqlalchemy_transaction"):
        assert result[f"{layer}_us"] > 0, layer
    for driver in ("asyncpg", "sqlalchemy"):
        assert 0 < result[f"ceiling_ratio_{driver}"] < 1
    conn = await asyncpg.connect(empty_pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        schemas = await conn.fetch("SELECT 1 FROM pg_namespace WHERE nspname = 'bench_floor'")
    finally:
        await conn.close()
    assert schemas == []
    assert queue_names(VHOST, "") == []
