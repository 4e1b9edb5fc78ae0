"""The web app's protective layers, installed in one call from `create_app`.

From the outside in: the request id (so every answer and log line has one), security headers
(on every answer, error pages included), the catch-all 500 and the body-size limit. Each is a
pure ASGI middleware; see their modules and docs/security-hardening.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from hub.config import Settings
from hub.web.body_limit import MIB, BodyLimitMiddleware, BodyLimits, PathLimit
from hub.web.request_id import RequestIdMiddleware
from hub.web.security_headers import SecurityHeadersMiddleware
from hub.web.signing import MAX_FORM_BYTES
from hub.web.signing_api import MAX_PDF_BYTES
from hub.web.unexpected_errors import UnexpectedErrorMiddleware

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the screenshot's bytes
ATTACHMENT_MAX_BYTES = 30 * MIB  # a signed report with its pictures, to the support stand-in


def body_limits(settings: Settings) -> BodyLimits:
    """The body limit per path: the default from HUB_BODY_MAX_BYTES, larger where needed."""
    return BodyLimits(
        default_bytes=settings.body_max_bytes,
        by_path=(
            PathLimit(
                "screenshot upload",
                r"^/api/v1/technicians/[^/]+/orders/[^/]+/screenshots/?$",
                settings.screenshot_max_bytes + MULTIPART_OVERHEAD,
            ),
            PathLimit("signed-report check", r"^/api/v1/signatures/verify/?$", MAX_PDF_BYTES),
            PathLimit("signing page forms", r"^/s/", MAX_FORM_BYTES),
            PathLimit(
                "report attachment (support stand-in)",
                r"^/standin/support/api/v1/orders/[^/]+/attachments/?$",
                ATTACHMENT_MAX_BYTES,
            ),
        ),
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middlewares; the last added is the outermost."""
    app.add_middleware(BodyLimitMiddleware, limits=body_limits(settings))
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIdMiddleware)
