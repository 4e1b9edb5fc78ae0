"""bench/framework.py: each way of consuming and publishing is measured and the bench leaves no
queue or exchange behind (a bench that stops working is found here, not when it is needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.services import queue_names, rabbitmqctl

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from framework import VHOST, main, parse_args

pytestmark = pytest.mark.integration


async def test_each_way_is_measured_and_nothing_is_left_behind() -> None:
    result = await main(parse_args(["--messages", "300", "--rounds", "2", "--json"]))

    for name in ("raw", "faststream", "hub"):
        assert len(result["consume_us"][name]) == 2 and min(result["consume_us"][name]) > 0
    for name in ("raw", "hub"):
        assert len(result["publish_us"][name]) == 2 and min(result["publish_us"][name]) > 0
    assert result["consume_ratio_hub"] > 0 and result["publish_ratio_hub"] > 0
    assert queue_names(VHOST, "") == []
    exchanges = rabbitmqctl("list_exchanges", "-q", "--no-table-headers", "-p", VHOST, "name")
    assert [e for e in exchanges.split() if e.startswith("bench.")] == []
