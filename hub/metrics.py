"""Prometheus metrics of the hub (one registry per process, passed around explicitly)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """Counters and gauges the hub updates; exposed on `/metrics`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.outbox_published = Counter(
            "hub_outbox_published", "Outbox rows confirmed by the broker", registry=r
        )
        self.outbox_publish_failures = Counter(
            "hub_outbox_publish_failures",
            "Outbox publishes that failed or were unroutable",
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "hub_outbox_backlog", "Outbox rows not yet confirmed by the broker", registry=r
        )
        self.duplicates_suppressed = Counter(
            "hub_duplicates_suppressed",
            "Deliveries acked without effect (inbox hit)",
            ["consumer"],
            registry=r,
        )
        self.messages_parked = Counter(
            "hub_messages_parked",
            "Messages moved to a parking queue",
            ["consumer", "error_type"],
            registry=r,
        )
        self.transaction_group_size = Histogram(
            "hub_transaction_group_size",
            "Deliveries committed in one transaction (group commit; 1 = alone)",
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=r,
        )
        self.redeliveries = Counter(
            "hub_redeliveries",
            "Deliveries the broker flagged as redelivered (a consumer died or nacked first)",
            ["consumer"],
            registry=r,
        )
        self.retries_scheduled = Counter(
            "hub_retries_scheduled",
            "Delayed retries after a transient failure",
            ["consumer"],
            registry=r,
        )
        self.timers_fired = Counter("hub_timers_fired", "Durable timers fired", registry=r)
        self.sms_limited = Counter(
            "hub_sms_limited",
            "SMS not sent because a daily limit was reached (order, phone or day)",
            ["limit"],
            registry=r,
        )
        self.sms_sent = Counter(
            "hub_sms_sent", "SMS handed to the provider", ["provider"], registry=r
        )
