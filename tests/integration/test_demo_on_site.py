"""`hub demo` with on-site problems: swaps, box changes, returns and exceptions are counted."""

from __future__ import annotations

import json

import pytest

from hub.config import Settings
from tests.integration.test_cli import hub_cli, hub_env

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the CLI's own test covers both databases; this one checks the counts


async def test_the_demo_summary_counts_swaps_box_changes_and_exceptions(
    settings: Settings,
) -> None:
    ran = await hub_cli(
        "demo",
        # 31–35 s alone; under the other pytest worker's load it has taken over 150 s
        *("--orders", "40", "--json", "--timeout", "300"),
        *("--bad-fiber-rate", "0.3", "--bad-box-rate", "0.2", "--exception-rate", "0.1"),
        *("--never-sign-rate", "0"),  # reissued and resolved orders get signed too
        env=hub_env(settings),
        cwd=settings.data_dir,
        timeout=360,
    )
    assert ran.code == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    on_site = report["on_site"]
    assert report["ok"] is True and report["archived"] == 40
    assert report["final_states"] == {"archived": 40}
    # Seed 7 draws the same problems every run; every order got resources to fix.
    assert report["without_resources"] == 0
    assert on_site["fiber_swap_applied"] > 0 and on_site["box_change_applied"] > 0
    assert report["reissued"] == on_site["fiber_swap_applied"] + on_site["box_change_applied"]
    assert on_site.get("exceptions_resolved", 0) > 0
    assert on_site.get("exceptions_open", 0) == 0
    assert on_site.get("changes_unfinished", 0) == 0
    assert report["duplicated_sms"] == 0
    delivery = report["delivery"]
    assert delivery["signed_on_site"] + delivery["signed_remote"] == 40
    assert delivery["billed_orders"] == 40 and delivery["billed_unsigned"] == 0
