"""Every consumer of every router parks what it cannot read, with a reason, and changes nothing.

One parametrized test over `ALL_CONSUMERS` guards every router at once: a body that is not JSON
and a JSON object missing the contract's required fields each reach that consumer's own parking
queue with `x-error-type`, a readable `x-error-message` and `x-original-queue`, and leave no
outbox row behind. The hub is shared by the module: nothing valid is ever published to it.
"""

from __future__ import annotations

import pytest

from hub.bootstrap import Hub
from hub.messaging.subscriptions import ALL_CONSUMERS, subscription
from tests.consumers.memory_reads import outbox_types, parked

pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "missing-fields": (b"{}", "ValidationError"),
    "not-json": (b"{this is not json", "JSONDecodeError"),
}


def required_fields(consumer: str) -> list[str]:
    model = subscription(consumer).message
    return [name for name, field in model.model_fields.items() if field.is_required()]


@pytest.mark.parametrize("kind", list(BAD_BODIES))
@pytest.mark.parametrize("consumer", ALL_CONSUMERS)
async def test_an_unreadable_body_is_parked_with_its_reason_and_changes_nothing(
    module_memory_hub: Hub, consumer: str, kind: str
) -> None:
    hub, (body, error_type) = module_memory_hub, BAD_BODIES[kind]
    parked(hub).clear()

    await hub.broker.publish(
        body,
        exchange=hub.topology.bus,
        routing_key=subscription(consumer).routing_key,
        message_id=f"bad:{consumer}:{kind}",
        content_type="application/json",
    )

    [message] = parked(hub)
    headers = message.headers
    assert message.body == body
    assert headers["x-original-queue"] == hub.topology.queue_name(consumer)
    assert headers["x-error-type"] == error_type
    error = headers["x-error-message"]
    assert error and "\n" not in error
    if kind == "missing-fields":
        assert "Field required" in error
        assert all(name in error for name in required_fields(consumer)), error
    assert await outbox_types(hub) == []
