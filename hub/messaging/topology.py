"""Exchanges, queues and routes: the one place that names things on the broker.

publishers ──▶ {p}bus (topic) ──cmd.*/evt.*──▶ {p}<consumer>   (quorum, x-delivery-limit,
                                                    │           DLX {p}dlx)
               {p}dlx (direct) ◀── delivery limit ──┘
                    └──{p}<consumer>──▶ {p}<consumer>.parking  (quorum; also written
                                                                 directly, with x-error-*)
               {p}retry (headers, hub-retry-tier) ──▶ {p}retry.<ms>ms  (quorum TTL wait queue,
                    dead-letters to "" with the consumer queue's name as routing key)
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue
from pydantic import BaseModel

from schemas.v1.routing import MESSAGE_TYPES, ROUTES, is_command, message_type

# Headers exchanges ignore headers that start with "x-" when matching, so no "x-" here.
RETRY_TIER_HEADER = "hub-retry-tier"


@dataclass(frozen=True, slots=True)
class Topology:
    """All broker names for one queue prefix (test runs use their own prefix)."""

    prefix: str = "hub."
    delivery_limit: int = 5
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)

    @property
    def bus(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}bus", type=ExchangeType.TOPIC, durable=True)

    @property
    def dlx(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}dlx", type=ExchangeType.DIRECT, durable=True)

    @property
    def retry(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}retry", type=ExchangeType.HEADERS, durable=True)

    def queue_name(self, consumer: str) -> str:
        return f"{self.prefix}{consumer}"

    def consumer_of(self, queue_name: str) -> str:
        return queue_name.removeprefix(self.prefix)

    def work_queue(self, consumer: str, routing_key: str) -> RabbitQueue:
        """A consumer's quorum queue: bounded redeliveries, then dead-lettered to parking."""
        name = self.queue_name(consumer)
        return RabbitQueue(
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=routing_key,
            arguments={
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.dlx.name,
                "x-dead-letter-routing-key": name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def parking_queue(self, consumer: str) -> RabbitQueue:
        """Where a consumer's unprocessable messages wait for a person (`hub dlq`)."""
        name = self.queue_name(consumer)
        return RabbitQueue(
            f"{name}.parking", queue_type=QueueType.QUORUM, durable=True, routing_key=name
        )

    def retry_queue(self, delay_ms: int) -> RabbitQueue:
        """A wait queue: messages sit `delay_ms`, then return to the queue named by their key.

        A quorum queue (TTL needs RabbitMQ 3.10+), so a retry survives losing a cluster node;
        hubs before the cluster work made them classic (`declare.replace_classic_wait_queues`).
        """
        return RabbitQueue(
            f"{self.prefix}retry.{delay_ms}ms",
            queue_type=QueueType.QUORUM,
            durable=True,
            bind_arguments={"x-match": "all", RETRY_TIER_HEADER: str(delay_ms)},
            arguments={
                "x-message-ttl": delay_ms,
                "x-dead-letter-exchange": "",
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def route(self, model: type[BaseModel]) -> str:
        return ROUTES[model]

    @staticmethod
    def is_command(routing_key: str) -> bool:
        return is_command(routing_key)


__all__ = ["MESSAGE_TYPES", "RETRY_TIER_HEADER", "ROUTES", "Topology", "message_type"]
