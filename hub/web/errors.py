"""Map validation failures and the hub's own errors to HTTP answers a client can act on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from hub.domain.notifications import SmsLimitReached
from hub.domain.signing import CodeLocked, ResendLimited
from hub.errors import (
    ConcurrencyConflict,
    DomainError,
    InvalidInput,
    InvalidMessage,
    NotFound,
    ReportPreparing,
    ReportRenderFailed,
)
from hub.web.models import FieldProblem, ValidationProblem

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=Exception)

_LOCATIONS = {"body", "path", "query", "header", "cookie"}
_JSON_ERRORS = {"json_invalid", "json_type"}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; every error body is `{"detail": "<one sentence>", ...}`."""
    _handle(app, RequestValidationError, _validation_failed)
    _handle(app, DomainError, _conflict)
    _handle(app, InvalidInput, _invalid)
    _handle(app, SmsLimitReached, _too_many_sms)
    _handle(app, ResendLimited, _resend_limited)
    _handle(app, CodeLocked, _locked)
    _handle(app, ReportRenderFailed, _render_failed)
    _handle(app, ReportPreparing, _preparing)
    _handle(app, ConcurrencyConflict, _busy)
    _handle(app, NotFound, _not_found)
    _handle(app, InvalidMessage, _invalid)


def _handle(
    app: FastAPI, kind: type[E], handler: Callable[[Request, E], Awaitable[Response]]
) -> None:
    """Register `handler` for `kind`; Starlette types every handler as taking any exception."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, kind):  # Starlette picks handlers by the exception's class
            raise exc
        return await handler(request, exc)

    app.add_exception_handler(kind, handle)


def validation_problem(errors: Sequence[Any]) -> ValidationProblem:
    """A readable 422 body naming each field; the submitted values are never echoed (PII)."""
    if any(err.get("type") in _JSON_ERRORS for err in errors):
        return ValidationProblem(
            detail="the request body is not valid JSON",
            errors=[FieldProblem(field="body", message="not valid JSON")],
        )
    problems = [
        FieldProblem(field=_field(err["loc"]), message=_message(err["msg"])) for err in errors
    ]
    reasons = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return ValidationProblem(detail=f"invalid request: {reasons}", errors=problems)


def _field(loc: Sequence[str | int]) -> str:
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def _message(msg: str) -> str:
    # pydantic prefixes a validator's own sentence with "Value error, "
    return msg.removeprefix("Value error, ")


async def _validation_failed(_: Request, exc: RequestValidationError) -> JSONResponse:
    problem = validation_problem(exc.errors())
    return JSONResponse(problem.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _conflict(_: Request, exc: DomainError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)


async def _busy(_: Request, exc: ConcurrencyConflict) -> JSONResponse:
    log.warning("request lost the optimistic lock repeatedly", error=str(exc))
    return JSONResponse(
        {"detail": "the order was changed by another request at the same time; retry"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def _too_many_sms(_: Request, exc: SmsLimitReached) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc), "limit": exc.limit},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": "3600"},
    )


async def _resend_limited(_: Request, exc: ResendLimited) -> JSONResponse:
    retry = max(1, int(exc.retry_after.total_seconds()))
    return JSONResponse(
        {"detail": "too many codes asked for; wait before asking again"},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(retry)},
    )


async def _render_failed(_: Request, exc: ReportRenderFailed) -> JSONResponse:
    log.warning("report render failed for a request", error=str(exc))
    return JSONResponse(
        {
            "detail": "the delivery report could not be made from the order's data; "
            "check the test results and pictures, or ask support",
        },
        status_code=status.HTTP_409_CONFLICT,
    )


async def _preparing(_: Request, exc: ReportPreparing) -> JSONResponse:
    wait = exc.retry_after_s
    return JSONResponse(
        {"status": "preparing", "detail": str(exc), "retry_after_s": wait},
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Retry-After": str(wait)},
    )


async def _locked(_: Request, exc: CodeLocked) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_423_LOCKED)


async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)


async def _invalid(_: Request, exc: InvalidMessage | InvalidInput) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
