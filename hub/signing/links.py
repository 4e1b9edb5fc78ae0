"""Issuing signing links: remote (an SMS to the order's contact, reminders) and on site.

A remote link is sent once per (order, report version); `reissue` sends a new one for the same
version. Either way every other open remote link of the order is revoked, so only the newest
SMS works. Reminders carry a second token for the same link (the first is not stored, only its
hash), so the first SMS keeps working too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hub.domain.signing import (
    MAX_CODE_FAILURES,
    ON_SITE_LINK_TTL,
    AlreadySigned,
    AuditKind,
    Channel,
    LinkStatus,
    SigningLink,
    new_token,
    reminder_due,
    token_digest,
)
from hub.domain.work_order import Status, WorkOrder
from hub.errors import IllegalTransition
from hub.handlers.notifications import queue_sms
from hub.handlers.timer_kinds import SIGNING_REMINDER
from hub.messaging.pii import mask_phone
from hub.ports import UnitOfWork
from hub.sealing import Sealer
from hub.signing import texts
from hub.signing.context import SYSTEM, RequestContext
from schemas.v1 import RemindSigner, SendSms

REMINDER_TIMER = SIGNING_REMINDER
SIGNABLE_STATUSES = frozenset({Status.CHECKED_IN, Status.COMPLETED})


@dataclass(frozen=True, slots=True)
class ReportRef:
    """The report version a link is for."""

    version: int
    sha256: str


@dataclass(frozen=True, slots=True)
class LinkIssued:
    """What sending (or opening) a link did; `url` only for on-site links, never logged."""

    link_id: str
    order_id: str
    report_version: int
    status: str
    expires_at: datetime
    to_masked: str | None
    sent: bool
    url: str | None = None


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Settings of remote links."""

    base_url: str
    ttl: timedelta
    reminder_after: timedelta
    max_reminders: int


def link_url(base_url: str, token: str) -> str:
    """The public URL of a link, from the configured base URL (never from a Host header)."""
    return f"{base_url}/s/{token}"


def display_status(link: SigningLink, now: datetime) -> str:
    if link.status is LinkStatus.ACTIVE and now >= link.expires_at:
        return "expired"
    if link.status is LinkStatus.ACTIVE and link.failed_attempts >= MAX_CODE_FAILURES:
        return "locked"
    return link.status.value


class LinkIssuer:
    """Creates links inside a caller's unit of work."""

    def __init__(self, policy: LinkPolicy, sealer: Sealer) -> None:
        self._policy = policy
        self._sealer = sealer  # the texts carry the link: they travel sealed

    async def issue_remote(
        self,
        uow: UnitOfWork,
        order_id: str,
        report: ReportRef,
        *,
        reissue: bool,
        ctx: RequestContext,
    ) -> LinkIssued:
        """Text the contact a link (exactly once per version unless `reissue`)."""
        order = await _signable_order(uow, order_id)
        links = await uow.signing.links_for(order_id, channel=Channel.REMOTE)
        same = [link for link in links if link.report_version == report.version]
        if same and not reissue:
            return _issued(same[-1], uow.now, sent=False)
        phone = order.contact.phone
        token = new_token()
        link = _new_link(order_id, Channel.REMOTE, report, same, now=uow.now, ttl=self._policy.ttl)
        link = replace(link, to_masked=mask_phone(phone))
        await uow.signing.add_link(link, token_sha256=token_digest(token))
        await _revoke_open(uow, links, ctx)
        sms_id = f"signing-link:{order_id}:v{report.version}:{link.issue_no}"
        hours = round(self._policy.ttl.total_seconds() / 3600)
        body = texts.link_sms(order_id, link_url(self._policy.base_url, token), valid_hours=hours)
        sms = SendSms(
            sms_id=sms_id,
            to=phone,
            sealed_body=self._sealer.seal(body),
            purpose="signing_link",
            order_id=order_id,
        )
        await queue_sms(uow, sms, strict=True)  # the technician waits: 429 over the limit
        await uow.signing.audit(
            order_id,
            ctx.entry(
                AuditKind.SMS_SENT,
                uow.now,
                link_id=link.link_id,
                sms_id=sms_id,
                to=link.to_masked,
                report_version=report.version,
                report_sha256=report.sha256,
            ),
        )
        await self._schedule_reminder(uow, link, reminder_no=1, replaces=bool(links))
        return _issued(link, uow.now, sent=True)

    async def require_signable(self, uow: UnitOfWork, order_id: str) -> None:
        """`AlreadySigned` / `IllegalTransition` if no link can be sent for the order now."""
        await _signable_order(uow, order_id)

    async def issue_on_site(self, uow: UnitOfWork, order_id: str, report: ReportRef) -> LinkIssued:
        """A short-lived link the technician's phone opens for the customer to sign there."""
        order = await _signable_order(uow, order_id)
        links = await uow.signing.links_for(order_id, channel=Channel.ON_SITE)
        same = [link for link in links if link.report_version == report.version]
        token = new_token()
        link = _new_link(order_id, Channel.ON_SITE, report, same, now=uow.now, ttl=ON_SITE_LINK_TTL)
        # The code confirming the customer goes to the order's contact, as for remote links.
        link = replace(link, to_masked=mask_phone(order.contact.phone))
        await uow.signing.add_link(link, token_sha256=token_digest(token))
        await _revoke_open(uow, links, SYSTEM)
        url = link_url(self._policy.base_url, token)
        return replace(_issued(link, uow.now, sent=False), url=url)

    async def remind(self, uow: UnitOfWork, cmd: RemindSigner) -> bool:
        """Send reminder `cmd.reminder_no` if the link still waits; False if not due any more."""
        link = await uow.signing.link(cmd.link_id, for_update=True)
        if link is None or not reminder_due(
            link, cmd.reminder_no, max_reminders=self._policy.max_reminders, now=uow.now
        ):
            return False
        order = await uow.orders.get(link.order_id)
        token = new_token()
        await uow.signing.add_token(link.link_id, token_digest(token))
        await uow.signing.set_reminders_sent(link.link_id, cmd.reminder_no)
        sms_id = f"signing-reminder:{link.link_id}:{cmd.reminder_no}"
        body = texts.reminder_sms(link.order_id, link_url(self._policy.base_url, token))
        reminder = SendSms(
            sms_id=sms_id,
            to=order.contact.phone,
            sealed_body=self._sealer.seal(body),
            purpose="signing_reminder",
            order_id=link.order_id,
        )
        if not await queue_sms(uow, reminder):  # over the limit: the flow log says so
            return False
        await uow.signing.audit(
            link.order_id,
            SYSTEM.entry(
                AuditKind.REMINDER_SENT,
                uow.now,
                link_id=link.link_id,
                sms_id=sms_id,
                reminder_no=cmd.reminder_no,
            ),
        )
        await self._schedule_reminder(uow, link, reminder_no=cmd.reminder_no + 1, replaces=True)
        return True

    async def _schedule_reminder(
        self, uow: UnitOfWork, link: SigningLink, *, reminder_no: int, replaces: bool
    ) -> None:
        """The next reminder, if under the cap and before expiry; `replaces` an earlier one."""
        if replaces:
            await uow.timers.cancel_pending(REMINDER_TIMER, order_id=link.order_id)
        due = uow.now + self._policy.reminder_after
        if reminder_no > self._policy.max_reminders or due >= link.expires_at:
            return
        await uow.timers.schedule(
            kind=REMINDER_TIMER,
            order_id=link.order_id,
            due_at=due,
            message=RemindSigner(
                order_id=link.order_id, link_id=link.link_id, reminder_no=reminder_no
            ),
        )


async def _signable_order(uow: UnitOfWork, order_id: str) -> WorkOrder:
    order = await uow.orders.get(order_id)
    if order.signed_report is not None or await _signed(uow, order_id):
        raise AlreadySigned(f"order {order_id} already holds a signed report")
    if order.status not in SIGNABLE_STATUSES:
        raise IllegalTransition(
            f"cannot sign the report of order {order_id}: it is {order.status}, "
            "must be checked_in or completed"
        )
    return order


async def _signed(uow: UnitOfWork, order_id: str) -> bool:
    """Signed, or a signature accepted whose PDF is being rendered."""
    return await uow.signing.signature(order_id) is not None


def _new_link(
    order_id: str,
    channel: Channel,
    report: ReportRef,
    same_version: list[SigningLink],
    *,
    now: datetime,
    ttl: timedelta,
) -> SigningLink:
    return SigningLink(
        link_id=uuid.uuid4().hex,
        order_id=order_id,
        channel=channel,
        report_version=report.version,
        report_sha256=report.sha256,
        issue_no=(same_version[-1].issue_no + 1) if same_version else 1,
        status=LinkStatus.ACTIVE,
        created_at=now,
        expires_at=now + ttl,
    )


async def _revoke_open(uow: UnitOfWork, links: list[SigningLink], ctx: RequestContext) -> None:
    """Revoke the links that were open before a new one was made."""
    open_links = [link for link in links if link.status is LinkStatus.ACTIVE]
    await uow.signing.revoke([link.link_id for link in open_links])
    for link in open_links:
        await uow.signing.audit(
            link.order_id, ctx.entry(AuditKind.LINK_REVOKED, uow.now, link_id=link.link_id)
        )


def _issued(link: SigningLink, now: datetime, *, sent: bool) -> LinkIssued:
    return LinkIssued(
        link_id=link.link_id,
        order_id=link.order_id,
        report_version=link.report_version,
        status=display_status(link, now),
        expires_at=link.expires_at,
        to_masked=link.to_masked,
        sent=sent,
    )


def issued_view(link: SigningLink, now: datetime) -> LinkIssued:
    """How an existing link stands (nothing was sent by looking)."""
    return _issued(link, now, sent=False)
