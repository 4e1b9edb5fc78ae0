"""Which adapter serves each port, from settings: a real client, or the embedded stand-in.

Embedded stand-ins and local providers own their storage (a file under the data dir on
SQLite, a schema of their own on PostgreSQL), never the hub's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from adapters.billing.embedded import EmbeddedBilling
from adapters.billing.http_client import HttpBilling
from adapters.email.local_mailbox import LocalMailbox
from adapters.email.smtp_sender import SmtpMailer
from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.http_client import HttpResourceInventory
from adapters.inventory.seed import shanghai_seed
from adapters.sms.local_platform import LocalSmsPlatform
from adapters.standin_storage import OwnsStorage, StandinStorage
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.http_client import HttpWorkOrderSystem
from hub.config import EmailMode, Settings, SmsProvider
from hub.ports import Billing, Mailer, ResourceInventory, SmsSender, WorkOrderSystem


class Closer(Protocol):
    """What wiring opened and the hub closes when it stops: a client, a stand-in's storage."""

    async def aclose(self) -> None: ...


@dataclass
class Adapters:
    """One adapter per port, and what must be closed when the process stops."""

    sms: SmsSender
    support: WorkOrderSystem
    inventory: ResourceInventory
    billing: Billing
    mailer: Mailer
    closers: list[Closer] = field(default_factory=list)

    @property
    def embedded(self) -> list[object]:
        """The embedded stand-ins and local providers among them (served on the stand-in
        port by `hub up` and `hub demo`)."""
        kinds = (
            EmbeddedWorkOrderSystem,
            EmbeddedInventory,
            EmbeddedBilling,
            LocalSmsPlatform,
            LocalMailbox,
        )
        ports = (self.support, self.inventory, self.billing, self.sms, self.mailer)
        return [port for port in ports if isinstance(port, kinds)]


def choose_adapters(
    settings: Settings,
    *,
    sms: SmsSender | None = None,
    support: WorkOrderSystem | None = None,
    inventory: ResourceInventory | None = None,
    billing: Billing | None = None,
    mailer: Mailer | None = None,
) -> Adapters:
    """The adapters settings ask for; any passed in (tests) are used as they are."""
    closers: list[Closer] = []
    return Adapters(
        sms=sms or _sms_sender(settings, closers),
        support=support or _work_order_system(settings, closers),
        inventory=inventory or _inventory(settings, closers),
        billing=billing or _billing(settings, closers),
        mailer=mailer or _mailer(settings, closers),
        closers=closers,
    )


def _client(base_url: object, settings: Settings, closers: list[Closer]) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=str(base_url), timeout=settings.http_timeout_s)
    closers.append(client)
    return client


def _standin_storage(kind: type[OwnsStorage], settings: Settings) -> StandinStorage:
    """An embedded stand-in's own storage, beside the hub's database (never in its schema)."""
    return kind.open_storage(settings.resolved_database_url, data_dir=settings.data_dir)


def _sms_sender(settings: Settings, closers: list[Closer]) -> SmsSender:
    if settings.sms_provider is SmsProvider.TWILIO:
        from adapters.sms.twilio_sender import TwilioSmsSender

        sid, token = settings.twilio_account_sid, settings.twilio_auth_token
        if not (sid and token and settings.twilio_from_number):
            raise ValueError("sms_provider=twilio needs account sid, auth token and from number")
        twilio = TwilioSmsSender(
            account_sid=sid,
            auth_token=token.get_secret_value(),
            from_number=settings.twilio_from_number,
            public_url=settings.public_url,
            base_url=str(settings.twilio_base_url) if settings.twilio_base_url else None,
            timeout_s=settings.http_timeout_s,
        )
        closers.append(twilio)  # its aiohttp session is opened lazily, closed on stop
        return twilio
    platform = LocalSmsPlatform(_standin_storage(LocalSmsPlatform, settings))
    closers.append(platform)
    return platform


def _work_order_system(settings: Settings, closers: list[Closer]) -> WorkOrderSystem:
    if settings.support_system_url is None:
        system = EmbeddedWorkOrderSystem(_standin_storage(EmbeddedWorkOrderSystem, settings))
        closers.append(system)
        return system
    return HttpWorkOrderSystem(_client(settings.support_system_url, settings, closers))


def _inventory(settings: Settings, closers: list[Closer]) -> ResourceInventory:
    if settings.inventory_url is None:
        seed = shanghai_seed() if settings.inventory_seed else None
        inventory = EmbeddedInventory(_standin_storage(EmbeddedInventory, settings), seed=seed)
        closers.append(inventory)
        return inventory
    return HttpResourceInventory(_client(settings.inventory_url, settings, closers))


def _billing(settings: Settings, closers: list[Closer]) -> Billing:
    if settings.billing_url is None:
        billing = EmbeddedBilling(_standin_storage(EmbeddedBilling, settings))
        closers.append(billing)
        return billing
    return HttpBilling(_client(settings.billing_url, settings, closers))


def _mailer(settings: Settings, closers: list[Closer]) -> Mailer:
    if settings.email_mode is EmailMode.SMTP:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            timeout_s=settings.http_timeout_s,
        )
    mailbox = LocalMailbox(_standin_storage(LocalMailbox, settings))
    closers.append(mailbox)
    return mailbox
