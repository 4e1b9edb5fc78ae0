"""The simulation's seeded draws: one random stream per seed, order and purpose.

A stream is keyed by the order's place in its run (`000042`, `000042.R1`), not by its whole id:
the run tag in the id (`SIM7R1a2b-…`) is new every run, and one seed must give one field, so
that a demo or a test with a given seed meets the same problems every time.
"""

from __future__ import annotations

import random


def draw(seed: int, order_id: str, purpose: str) -> random.Random:
    """The stream for one purpose (`site`, `box`, `sign`, …) of one order."""
    return random.Random(f"{seed}:{run_free(order_id)}:{purpose}")


def run_free(order_id: str) -> str:
    """`SIM7R1a2b-000042.R1` → `000042.R1`; an id without a `-` stays as it is."""
    return order_id.rsplit("-", 1)[-1]
