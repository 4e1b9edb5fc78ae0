"""Sending an SMS exactly once per idempotency key, across crashes and duplicate deliveries.

    record attempt (lease) ─▶ [reconcile with the provider if an earlier attempt may have sent]
                           ─▶ provider.send ─▶ record result + SmsSent event (one transaction)

A second delivery while a lease is held is retried later; after a crash the lease runs out and
the next attempt asks the provider (`lookup`) before sending again.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import TypeVar

import structlog

from hub.db.sms import SmsState
from hub.db.uow import UnitOfWorkFactory
from hub.errors import PermanentAdapterError, TransientAdapterError
from hub.messaging.pii import mask_phone
from hub.metrics import Metrics
from hub.ports import SmsSender
from schemas.v1 import SendSms, SmsSent

log = structlog.get_logger(__name__)

T = TypeVar("T")


class SmsInFlight(TransientAdapterError):
    """Another attempt for this SMS holds the lease; try again later."""


class SmsService:
    """Sends `SendSms` commands through the configured provider."""

    def __init__(
        self, uow: UnitOfWorkFactory, sender: SmsSender, *, lease: timedelta, metrics: Metrics
    ) -> None:
        self._uow = uow
        self._sender = sender
        self._lease = lease
        self._metrics = metrics

    async def send(self, cmd: SendSms) -> None:
        async with self._uow() as uow:
            record = await uow.sms.find(cmd.sms_id)
            if record is not None and record.state in (SmsState.SENT, SmsState.FAILED):
                return
            if record is not None and record.lease_until and record.lease_until > uow.now:
                raise SmsInFlight(f"sms {cmd.sms_id} is being sent by another attempt")
            await uow.sms.start_attempt(cmd, provider=self._sender.name, lease=self._lease)
            await uow.commit()
            since = record.created_at if record else uow.now

        provider_id = await self._reconcile(cmd, since) if record is not None else None
        if provider_id is None:
            provider_id = await self._provider_call(
                cmd, self._sender.send(sms_id=cmd.sms_id, to=cmd.to, body=cmd.body)
            )

        async with self._uow() as uow:
            await uow.sms.mark_sent(cmd.sms_id, provider_id)
            await uow.outbox.add(
                SmsSent(
                    sms_id=cmd.sms_id,
                    provider=self._sender.name,
                    provider_message_id=provider_id,
                    order_id=cmd.order_id,
                    purpose=cmd.purpose,
                ),
                correlation_id=cmd.order_id,
            )
            await uow.commit()
        self._metrics.sms_sent.labels(self._sender.name).inc()

    async def _reconcile(self, cmd: SendSms, since: datetime) -> str | None:
        """An earlier attempt may have sent it: ask the provider before sending again."""
        found = await self._provider_call(
            cmd, self._sender.lookup(sms_id=cmd.sms_id, to=cmd.to, body=cmd.body, since=since)
        )
        if found:
            log.info("sms reconciled, not resent", sms_id=cmd.sms_id)
        return found

    async def _provider_call(self, cmd: SendSms, call: Awaitable[T]) -> T:
        """Run one provider call; a failure ends the attempt (lease released, or row failed)."""
        try:
            return await call
        except PermanentAdapterError as exc:
            async with self._uow() as uow:
                await uow.sms.mark_failed(cmd.sms_id, type(exc).__name__)
                await uow.commit()
            log.warning("sms refused by provider", sms_id=cmd.sms_id, to=mask_phone(cmd.to))
            raise
        except TransientAdapterError:
            async with self._uow() as uow:
                await uow.sms.release_lease(cmd.sms_id)
                await uow.commit()
            raise


def redacted_command(body: str) -> str:
    """What a published `SendSms` outbox row keeps: its SMS id, the text's length, a masked phone.

    The text carries signing links and one-time codes, which the database must not hold in
    plaintext once they are on their way (S1); the relay applies this when it marks the row sent.
    A body that is not such a command keeps nothing (the relay must not fail on it).
    """
    try:
        command = json.loads(body)
        kept = {
            **command,
            "body": f"[redacted after publishing: {len(command['body'])} chars]",
            "to": mask_phone(command["to"]),
        }
    except (ValueError, TypeError, KeyError):
        return json.dumps({"redacted": "not a SendSms command"})
    return json.dumps(kept, ensure_ascii=False)
