"""What every embedded stand-in's REST router shares: fault injection, error answers, keys."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from hub.errors import HubError

IDEMPOTENCY_KEY_MAX_LENGTH = 128  # the width of the stand-ins' idempotency_key columns


class Faults(BaseModel):
    """Injected faults; a PUT replaces all three."""

    model_config = ConfigDict(extra="forbid")

    unavailable: bool = Field(default=False, description="Answer 503 to every operation")
    fail_next: int = Field(default=0, ge=0, description="Answer 503 to the next N operations")
    delay_ms: int = Field(default=0, ge=0, le=60_000, description="Sleep before each operation")


class FaultInjectable(Protocol):
    unavailable: bool
    fail_next: int
    delay_ms: int


def add_fault_routes(router: APIRouter, target: FaultInjectable) -> None:
    """`PUT /_faults` and `GET /_faults`, for tests and demos only."""

    @router.put("/_faults", response_model=Faults, tags=["faults (test only)"])
    async def set_faults(faults: Faults) -> Faults:
        """Inject faults: the stand-in then answers as a failing real system would."""
        target.unavailable = faults.unavailable
        target.fail_next = faults.fail_next
        target.delay_ms = faults.delay_ms
        return faults

    @router.get("/_faults", response_model=Faults, tags=["faults (test only)"])
    async def get_faults() -> Faults:
        """The faults in force."""
        return Faults(
            unavailable=target.unavailable, fail_next=target.fail_next, delay_ms=target.delay_ms
        )


def error_route_class(to_response: Callable[[HubError], Response]) -> type[APIRoute]:
    """A route class that answers the stand-in's errors as the real system would."""

    class StandInRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except HubError as exc:
                    return to_response(exc)

            return handle

    return StandInRoute


def required_idempotency_key(key: str | None) -> str:
    """The `Idempotency-Key` header, or a 400 that says what is wrong with it."""
    if key is None or not key.strip():
        raise HTTPException(400, "the Idempotency-Key header is required")
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise HTTPException(
            400, f"the Idempotency-Key header exceeds {IDEMPOTENCY_KEY_MAX_LENGTH} characters"
        )
    return key
