"""`bench/history.py` at a tiny scale: what the hub recorded equals the plan, each signed order
billed once; on PostgreSQL, with `hub web` and `hub worker` as processes of their own."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.history_plan import SEED_SCALE

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 16
OPEN_ORDERS = 6  # fewer than the orders: the feed waits for orders to finish


def test_a_tiny_history_comes_out_exact_and_every_signed_order_is_billed_once() -> None:
    # The seed's proportions at 16 orders, plus one box change (the seed has none).
    planned = dataclasses.replace(SEED_SCALE.scaled(ORDERS / SEED_SCALE.orders), box_changes=1)
    assert planned.pings and planned.speed_tests and planned.fiber_swaps and planned.never_signed
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PYTHONPATH"] = str(ROOT)
    bench = (
        *("bench/history.py", "--orders", str(ORDERS), "--box-changes", "1", "--json"),
        *("--open-orders", str(OPEN_ORDERS), "--vacuum-naptime", "3"),
    )
    ran = subprocess.run(
        [sys.executable, *bench, "--workers", "1", "--web-workers", "1", "--timeout", "80"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert ran.stdout.strip(), ran.stderr[-3000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    hub = result["hub"]  # counted in the hub's database, ops API and billing stand-in
    assert hub["counts"] == planned.totals()
    assert result["verdict"]["counts_exact"] and ran.returncode == 0, ran.stderr[-3000:]
    signed = planned.signed_on_site + planned.signed_remote
    assert hub["billing"] == {
        "billed_orders": signed,
        "billed_twice": 0,
        "billed_not_signed": 0,
        "signed_not_billed": 0,
    }
    assert hub["archived"] == signed and hub["reissued"] == 2  # the swap and the box change
    assert hub["lost"] == hub["parking_queue_depth"] == hub["duplicated_sms"] == 0
    assert hub["signing_failures"] == []
    roles = {p["role"] for p in result["processes"]}
    assert {"web", "worker", "render"} <= roles, result["processes"]
    assert result["cpu_s"]["render"] > 0 and hub["renders"] >= signed
    assert 0 < result["setup"]["open_orders_seen"] <= OPEN_ORDERS
    vacuum = result["setup"]["autovacuum"]  # this machine's server runs without autovacuum
    if vacuum != "server":  # so the bench applied its rules: the outbox churns at every message
        assert "outbox" in vacuum["tables"] and vacuum["errors"] == [], vacuum
