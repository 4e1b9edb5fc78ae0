"""A history with exact totals: which of N orders get which tests, on-site fixes and signatures.

The rate-based demo draws each order's fate, so its totals only come near the rates. A
province-scale history (issue #11) must come out exact: every kind of event is dealt to a seeded
shuffle of the order indices, so each total is exactly what was asked, and order i gets the same
plan in every run of the seed.

    pings, speed tests   ─▶ each to its own shuffle's first k orders (an order has 0, 1 or 2)
    fiber swaps, box changes ─▶ one shuffle: the first k₁ swap, the next k₂ change the box
    signing              ─▶ one shuffle: the first k₁ sign on site, the next k₂ remotely, the
                            rest get the link and never sign

The defaults (`SEED_SCALE`) are the seed's own scale; its 6,100 signed reports are split half on
site, half remote (the seed does not say), and it has no box change.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Literal, TypeVar

from simulation.delivery import TEST_KINDS, Way
from simulation.field import order_index

L = TypeVar("L", bound=str)  # a label dealt to orders
Fix = Literal["fiber", "box"]  # what the technician finds bad on the first visit


@dataclass(frozen=True, slots=True)
class HistoryCounts:
    """The totals a history must reach; the orders neither signed on site nor remote never sign."""

    orders: int
    pings: int
    speed_tests: int
    fiber_swaps: int
    box_changes: int
    signed_on_site: int
    signed_remote: int

    def __post_init__(self) -> None:
        counts = asdict(self)
        if any(n < 0 for n in counts.values()):
            raise ValueError(f"counts cannot be negative: {counts}")
        too_many = {
            "pings": self.pings,
            "speed tests": self.speed_tests,
            "fiber swaps + box changes": self.fiber_swaps + self.box_changes,
            "signed reports": self.signed_on_site + self.signed_remote,
        }
        for what, n in too_many.items():
            if n > self.orders:
                raise ValueError(f"{n} {what} do not fit in {self.orders} orders")

    @property
    def never_signed(self) -> int:
        return self.orders - self.signed_on_site - self.signed_remote

    def scaled(self, factor: float) -> HistoryCounts:
        """Every count times `factor`, rounded (0.1 of the seed: 744 orders)."""
        return HistoryCounts(**{name: round(n * factor) for name, n in asdict(self).items()})

    def totals(self) -> dict[str, int]:
        """Every count, the never-signed orders included."""
        return {**asdict(self), "never_signed": self.never_signed}


SEED_SCALE = HistoryCounts(
    orders=7437,
    pings=1573,
    speed_tests=1425,
    fiber_swaps=307,
    box_changes=0,
    signed_on_site=3050,
    signed_remote=3050,
)


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """What happens to one order."""

    tests: frozenset[str]  # of TEST_KINDS: the tests its technician runs before signing
    fix: Fix | None  # what the first visit finds bad (None: nothing)
    way: Way  # how its report gets signed, or "never"


class HistoryPlan:
    """The plan of every order of a history; order ids are the simulated field's."""

    def __init__(self, counts: HistoryCounts, *, seed: int = 7) -> None:
        self.counts = counts
        self.seed = seed

    def order(self, index: int) -> OrderPlan:
        """The plan of the `index`-th order."""
        return OrderPlan(
            tests=frozenset(
                kind for kind, dealt in zip(TEST_KINDS, self._tests, strict=True) if index in dealt
            ),
            fix=self._fixes.get(index),
            way=self._ways.get(index, "never"),
        )

    # The simulated parties ask by order id; a reissued order (`….R1`) keeps its plan.
    def tests(self, order_id: str) -> frozenset[str]:
        return self.order(order_index(order_id)).tests

    def fix(self, order_id: str) -> Fix | None:
        return self._fixes.get(order_index(order_id))

    def way(self, order_id: str) -> Way:
        return self._ways.get(order_index(order_id), "never")

    def needs_resources(self, index: int) -> bool:
        """Only an order with an on-site fix needs resources from the inventory (the demo
        inventory has fewer free ports than a province has orders)."""
        return index in self._fixes

    @cached_property
    def _tests(self) -> tuple[frozenset[int], frozenset[int]]:
        c = self.counts
        return (
            frozenset(self._shuffled("ping")[: c.pings]),
            frozenset(self._shuffled("speed")[: c.speed_tests]),
        )

    @cached_property
    def _fixes(self) -> dict[int, Fix]:
        c = self.counts
        return self._deal("fix", (("fiber", c.fiber_swaps), ("box", c.box_changes)))

    @cached_property
    def _ways(self) -> dict[int, Way]:
        c = self.counts
        return self._deal("sign", (("on_site", c.signed_on_site), ("remote", c.signed_remote)))

    def _deal(self, what: str, shares: tuple[tuple[L, int], ...]) -> dict[int, L]:
        """Order index → label: each label to its count of orders, one after another down
        one shuffle (so no order gets two)."""
        dealt, start = self._shuffled(what), 0
        labels: dict[int, L] = {}
        for label, count in shares:
            labels |= dict.fromkeys(dealt[start : start + count], label)
            start += count
        return labels

    def _shuffled(self, what: str) -> list[int]:
        indices = list(range(self.counts.orders))
        random.Random(f"{self.seed}:history:{what}").shuffle(indices)
        return indices
