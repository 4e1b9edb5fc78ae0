"""A history plan deals exact totals to the orders, the same every run of a seed."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from simulation.history_plan import SEED_SCALE, HistoryCounts, HistoryPlan


def _totals(plan: HistoryPlan) -> Counter[str]:
    seen: Counter[str] = Counter()
    for index in range(plan.counts.orders):
        order = plan.order(index)
        seen.update(order.tests)
        seen[f"fix:{order.fix}"] += 1
        seen[f"way:{order.way}"] += 1
        seen[f"tests:{len(order.tests)}"] += 1
    return seen


def test_the_seed_scale_plan_reaches_every_total_exactly() -> None:
    seen = _totals(HistoryPlan(SEED_SCALE, seed=7))
    assert seen["ping"] == 1573
    assert seen["speed"] == 1425
    assert seen["fix:fiber"] == 307
    assert seen["fix:box"] == 0
    assert seen["way:on_site"] + seen["way:remote"] == 6100
    assert seen["way:on_site"] == seen["way:remote"] == 3050
    assert seen["way:never"] == 7437 - 6100


def test_orders_get_none_one_or_both_tests() -> None:
    seen = _totals(HistoryPlan(SEED_SCALE, seed=7))
    assert seen["tests:0"] > 0 and seen["tests:1"] > 0 and seen["tests:2"] > 0
    assert seen["tests:1"] + 2 * seen["tests:2"] == 1573 + 1425


def test_an_order_has_at_most_one_fix_and_box_changes_are_exact_too() -> None:
    counts = HistoryCounts(
        orders=200,
        pings=10,
        speed_tests=190,
        fiber_swaps=120,
        box_changes=80,
        signed_on_site=0,
        signed_remote=200,
    )
    seen = _totals(HistoryPlan(counts, seed=1))
    assert (seen["fix:fiber"], seen["fix:box"], seen["fix:None"]) == (120, 80, 0)
    assert (seen["way:remote"], seen["way:on_site"], seen["way:never"]) == (200, 0, 0)


def test_the_plan_is_the_same_for_a_seed_and_for_an_order_and_its_reissue() -> None:
    small = SEED_SCALE.scaled(0.01)
    one, again, other = (HistoryPlan(small, seed=s) for s in (3, 3, 4))
    orders = range(small.orders)
    assert [one.order(i) for i in orders] == [again.order(i) for i in orders]
    assert [one.order(i) for i in orders] != [other.order(i) for i in orders]
    plan = one.order(5)
    assert one.way("SIM3Rab12-000005.R1") == plan.way
    assert one.tests("SIM3Rab12-000005.R1") == plan.tests
    assert one.fix("SIM3Rab12-000005") == plan.fix


def test_only_orders_with_a_fix_need_resources() -> None:
    plan = HistoryPlan(SEED_SCALE.scaled(0.1), seed=7)
    needing = [i for i in range(plan.counts.orders) if plan.needs_resources(i)]
    assert len(needing) == plan.counts.fiber_swaps + plan.counts.box_changes
    assert all(plan.order(i).fix is not None for i in needing)


def test_scaling_rounds_every_count_and_keeps_the_rest_never_signed() -> None:
    tenth = SEED_SCALE.scaled(0.1)
    assert tenth.totals() == {
        "orders": 744,
        "pings": 157,
        "speed_tests": 142,
        "fiber_swaps": 31,
        "box_changes": 0,
        "signed_on_site": 305,
        "signed_remote": 305,
        "never_signed": 134,
    }


def test_counts_that_do_not_fit_the_orders_are_refused() -> None:
    nothing = HistoryCounts(
        orders=10,
        pings=0,
        speed_tests=0,
        fiber_swaps=0,
        box_changes=0,
        signed_on_site=0,
        signed_remote=0,
    )
    with pytest.raises(ValueError, match="signed reports"):
        replace(nothing, signed_on_site=6, signed_remote=5)
    with pytest.raises(ValueError, match="fiber swaps"):
        replace(nothing, fiber_swaps=6, box_changes=5)
