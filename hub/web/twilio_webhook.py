"""Twilio's delivery-status callbacks: signed, idempotent and monotonic.

The signature is checked against the URL rebuilt from `HUB_PUBLIC_BASE_URL` (never the Host
header, which a proxy or an attacker sets). A forged request changes nothing (403); a replayed
or late callback cannot move a status backwards (`SmsRepository.record_delivery_status`).
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter, HTTPException, Request, Response, status
from twilio.request_validator import RequestValidator

from hub.web.deps import SettingsDep, SmsStatusDep

log = structlog.get_logger(__name__)

STATUS_PATH = "/webhooks/twilio/status"


def twilio_webhook_router() -> APIRouter:
    """`POST /webhooks/twilio/status`: 204 stored (or already known), 403 bad signature."""
    router = APIRouter(tags=["webhooks"])

    @router.post(
        STATUS_PATH,
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Twilio message status callback",
        description=(
            "Twilio posts delivery statuses here. The X-Twilio-Signature is checked against the "
            "configured public URL; statuses are stored monotonically, so replays and late "
            "callbacks cannot move a status backwards."
        ),
        responses={
            403: {"description": "Missing or invalid X-Twilio-Signature"},
            404: {"description": "Twilio is not configured"},
        },
    )
    async def twilio_status(
        request: Request, settings: SettingsDep, statuses: SmsStatusDep
    ) -> Response:
        token = settings.twilio_auth_token
        if token is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Twilio is not configured")
        params = await _verified_params(request, settings.public_url, token.get_secret_value())
        if params is None:
            log.warning("twilio callback refused: bad signature", path=request.url.path)
            raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid Twilio signature")

        sid, delivery = params.get("MessageSid"), params.get("MessageStatus")
        if not sid or not delivery:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid and MessageStatus needed")
        # sms_id is part of the signed URL, so it is as trustworthy as the body.
        changed = await statuses.record(sid, delivery, sms_id=request.query_params.get("sms_id"))
        log.info("twilio status callback", sid=sid, status=delivery, changed=changed)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


async def _verified_params(request: Request, public_url: str, token: str) -> dict[str, str] | None:
    """The form fields if Twilio signed them for the public URL of this request, else None."""
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        return None
    items = (await request.form()).multi_items()
    params = {key: value for key, value in items if isinstance(value, str)}
    if len(params) != len(items):  # repeated fields or file parts: not a status callback
        return None
    url = public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return params if RequestValidator(token).validate(url, params, signature) else None
