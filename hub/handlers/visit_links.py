"""The customer's visit link: texted with each booked or moved window, and the customer's
answers from the page behind it (confirm, or ask for another window)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hub.domain.appointment_log import short_window_text
from hub.domain.pii import mask_phone
from hub.domain.signing import new_token, token_digest
from hub.domain.visit_link import LINK_LIFETIME_AFTER_WINDOW, VisitLink
from hub.domain.work_order import Status
from hub.handlers.notifications import queue_sms
from hub.ports import UnitOfWork
from hub.sealing import Sealer
from schemas.v1 import SendSms, SendVisitLink


def visit_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v/{token}"


@dataclass(frozen=True, slots=True)
class VisitLinkSender:
    """Texts the booked contact one link per window; the link's token travels sealed."""

    sealer: Sealer
    base_url: str

    async def send(self, cmd: SendVisitLink, uow: UnitOfWork) -> None:
        """Once per (order, window): a newer window sends its own link and revokes this one."""
        order = await uow.orders.find(cmd.order_id)
        if order is None or order.status not in (Status.CREATED, Status.DISPATCHED):
            return
        booked, end = order.appointment, order.appointment_end
        if booked is None or end is None or booked.window_version != cmd.window_version:
            return  # moved since: the newer window has its own link
        links = await uow.visit_links.for_order(order.order_id)
        if any(link.window_version == cmd.window_version for link in links):
            return
        await uow.visit_links.revoke([link.link_id for link in links if not link.revoked])
        token = new_token()
        phone = order.contact.phone
        link = VisitLink(
            link_id=uuid.uuid4().hex,
            order_id=order.order_id,
            window_version=cmd.window_version,
            to_masked=mask_phone(phone),
            created_at=uow.now,
            expires_at=end + LINK_LIFETIME_AFTER_WINDOW,
        )
        await uow.visit_links.add(link, token_sha256=token_digest(token))
        assert order.appointment_start is not None
        window = short_window_text(order.appointment_start, end, uow.appointment_policy.zone)
        body = (
            f"【政企交付】您的专线（工单 {order.order_id}）已预约上门 {window}。"
            f"确认时间或申请改约、查看进度：{visit_url(self.base_url, token)}"
        )
        await queue_sms(
            uow,
            SendSms(
                sms_id=f"visit-link:{order.order_id}:v{cmd.window_version}",
                to=phone,
                sealed_body=self.sealer.seal(body),
                purpose="visit_link",
                order_id=order.order_id,
            ),
        )
