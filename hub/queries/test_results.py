"""Reads of an order's test results, with the thresholds that apply and the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain import test_results
from hub.domain.acceptance import AcceptancePolicy
from hub.domain.work_order import WorkOrder
from hub.ports import ResultRecord, UnitOfWorkFactory
from schemas.v1 import Thresholds


@dataclass(frozen=True, slots=True)
class OrderResults:
    """Every test of an order, oldest first, and whether together they pass."""

    order_id: str
    thresholds: Thresholds
    overall_passed: bool
    results: list[ResultRecord]


class ResultQueries:
    """Test results as the field app shows them."""

    def __init__(self, uow: UnitOfWorkFactory, *, policy: AcceptancePolicy) -> None:
        self._uow = uow
        self._policy = policy

    async def of_order(self, order: WorkOrder) -> OrderResults:
        async with self._uow.read() as uow:
            results = await uow.results.list(order.order_id)
        thresholds = self._policy.thresholds_for(
            order.details.product, order.details.bandwidth_mbps
        )
        return OrderResults(
            order_id=order.order_id,
            thresholds=thresholds,
            overall_passed=test_results.overall_passed((r.kind, r.verdict) for r in results),
            results=results,
        )

    async def find(self, order_id: str, test_id: str) -> ResultRecord | None:
        async with self._uow.read() as uow:
            return await uow.results.find(order_id, test_id)
