"""How much the hub has done, counted in its own records: the figures behind `/ops/counts.json`.

Every count may be narrowed to the orders whose id starts with a prefix (a batch, a region, a
demo run). Groups with nothing in them are left out of the `by_*` maps.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field


class OrderCounts(BaseModel):
    """Work orders, each counted once at its latest version."""

    by_status: dict[str, int] = Field(
        description="Orders per status; an order replaced on site counts as its successor"
    )
    not_final: int = Field(description="Of those, orders not archived yet")
    reissued: int = Field(description="Orders replaced by a reissued order after an on-site fix")
    awaiting_signature: int = Field(
        description="Checked in, a signing link issued, and the report not signed yet"
    )


class SmsCounts(BaseModel):
    """The texts the hub sent or is sending for these orders."""

    by_purpose: dict[str, int] = Field(description="Texts per purpose (`dispatch_notice`, ...)")
    by_state: dict[str, int] = Field(description="Texts per state: `sending`, `sent`, `failed`")
    in_flight: int = Field(description="Texts still being sent (state `sending`)")
    repeated: int = Field(
        description="(order, purpose) pairs sent more than once; dispatch notices aside, since "
        "a re-dispatch sends a new one by design"
    )


class SignatureCounts(BaseModel):
    """Signed delivery reports."""

    by_channel: dict[str, int] = Field(description="Signatures per channel: `on_site`, `remote`")


class ReportCounts(BaseModel):
    """Delivery reports rendered."""

    versions: int = Field(description="Report versions rendered (an order may have several)")


class ResourceChangeCounts(BaseModel):
    """Fiber swaps and box changes (sagas)."""

    by_kind: dict[str, dict[str, int]] = Field(
        description="kind (`fiber_swap`, `box_change`) → state → changes"
    )


class ExceptionReportCounts(BaseModel):
    """On-site exception reports."""

    by_state: dict[str, int] = Field(description="Reports per state: `open`, `resolved`")


class FlowLogCounts(BaseModel):
    """Lines of the orders' flow logs (流水)."""

    lines: int = Field(description="Flow-log lines")
    by_step: dict[str, int] = Field(description="Lines per step (`dispatched`, `returned`, ...)")


class HubCounts(BaseModel):
    """What the hub has recorded for the orders whose id starts with `order_prefix`."""

    order_prefix: str = Field(description="The orders counted: ids starting with this (all if '')")
    orders: OrderCounts
    sms: SmsCounts
    reports: ReportCounts
    signatures: SignatureCounts
    resource_changes: ResourceChangeCounts
    exception_reports: ExceptionReportCounts
    flow_log: FlowLogCounts


class Counts(Protocol):
    """The hub's records, counted (read-only; `hub.db.counts` implements it)."""

    async def counts(self, *, order_prefix: str = "") -> HubCounts:
        """Every figure of `HubCounts`, for the orders whose id starts with `order_prefix`."""
        ...
