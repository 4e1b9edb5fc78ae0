"""Sending an SMS exactly once per `sms_id`, across crashes and duplicate deliveries.

    record attempt (lease) ─▶ [reconcile with the provider if an earlier attempt may have sent]
                           ─▶ provider.send ─▶ record result + SmsSent event (one transaction)

The discipline is `hub.handlers.side_effects.RecordedEffect`'s; the provider's `lookup` is the
reconciliation.
"""

from __future__ import annotations

import json
from datetime import timedelta

import structlog

from hub.errors import InvalidMessage, TransientAdapterError
from hub.handlers.side_effects import RecordedEffect
from hub.messaging.pii import mask_phone
from hub.metrics import Metrics
from hub.ports import SmsSender, UnitOfWork, UnitOfWorkFactory
from hub.sealing import Sealer
from schemas.v1 import SendSms, SmsSent

log = structlog.get_logger(__name__)


class SmsInFlight(TransientAdapterError):
    """Another attempt for this SMS holds the lease; try again later."""


class SmsService:
    """Sends `SendSms` commands through the configured provider."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sender: SmsSender,
        *,
        lease: timedelta,
        metrics: Metrics,
        sealer: Sealer | None = None,
    ) -> None:
        self._sender = sender
        self._metrics = metrics
        self._sealer = sealer
        self._effect = RecordedEffect(
            uow, lambda u: u.sms, lease=lease, in_flight=SmsInFlight, what="sms"
        )

    async def send(self, cmd: SendSms) -> None:
        key = cmd.sms_id
        text = self._text(cmd)  # a text that cannot be opened is parked before any attempt
        attempt = await self._effect.begin(key, command=cmd, provider=self._sender.name)
        if attempt is None:
            return
        provider_id: str | None = None
        if attempt.retry:  # an earlier attempt may have sent it: ask before sending again
            lookup = self._sender.lookup(sms_id=key, to=cmd.to, body=text, since=attempt.since)
            provider_id = await self._effect.call(key, lookup)
            if provider_id:
                log.info("sms reconciled, not resent", sms_id=key)
        if provider_id is None:
            send = self._sender.send(sms_id=key, to=cmd.to, body=text)
            try:
                provider_id = await self._effect.call(key, send)
            except Exception:
                log.warning("sms not sent", sms_id=key, to=mask_phone(cmd.to))
                raise
        sent = SmsSent(
            sms_id=key,
            provider=self._sender.name,
            provider_message_id=provider_id,
            order_id=cmd.order_id,
            purpose=cmd.purpose,
        )

        async def publish(uow: UnitOfWork) -> None:
            await uow.outbox.add(sent, correlation_id=cmd.order_id)

        await self._effect.finish(key, provider_id, then=publish)
        self._metrics.sms_sent.labels(self._sender.name).inc()

    def _text(self, cmd: SendSms) -> str:
        """The text to send: as given, or opened from its seal (it carries a secret)."""
        if cmd.body is not None:
            return cmd.body
        if self._sealer is None or cmd.sealed_body is None:
            raise InvalidMessage("a sealed SMS text, and no key to open it")
        return self._sealer.open(cmd.sealed_body)


def redacted_command(body: str) -> str:
    """What a published `SendSms` outbox row keeps: its SMS id, the text's length, a masked phone.

    A text with a secret travels sealed; the row keeps neither it nor the phone once the SMS is
    on its way (S1: the relay applies this when it marks the row sent). A body that is not such
    a command keeps nothing (the relay must not fail on it).
    """
    try:
        command = json.loads(body)
        text = command.get("body") or command["sealed_body"]
        kept = {
            **command,
            "body": f"[redacted after publishing: {len(text)} chars]",
            "sealed_body": None,
            "to": mask_phone(command["to"]),
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return json.dumps({"redacted": "not a SendSms command"})
    return json.dumps(kept, ensure_ascii=False)


class SmsDeliveryStatus:
    """Delivery statuses the SMS platform calls back with, stored monotonically."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def record(self, provider_message_id: str, status: str, *, sms_id: str | None) -> bool:
        """True if the status moved the SMS forward (replays and late callbacks do not)."""
        async with self._uow() as uow:
            changed = await uow.sms.record_delivery_status(
                provider_message_id, status, sms_id=sms_id
            )
            await uow.commit()
        return changed
