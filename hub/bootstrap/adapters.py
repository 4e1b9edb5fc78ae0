"""Which adapter serves each port, from settings: a real client, or the embedded stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from adapters.billing.embedded import EmbeddedBilling
from adapters.billing.http_client import HttpBilling
from adapters.email.log_sender import LogMailer
from adapters.email.smtp_sender import SmtpMailer
from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.http_client import HttpResourceInventory
from adapters.inventory.seed import shanghai_seed
from adapters.sms.log_sender import LogSmsSender
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.http_client import HttpWorkOrderSystem
from hub.config import EmailMode, Settings, SmsProvider
from hub.db.engine import Database
from hub.ports import Billing, Mailer, ResourceInventory, SmsSender, WorkOrderSystem


@dataclass
class Adapters:
    """One adapter per port, and what must be closed when the process stops."""

    sms: SmsSender
    support: WorkOrderSystem
    inventory: ResourceInventory
    billing: Billing
    mailer: Mailer
    closers: list[object] = field(default_factory=list)

    @property
    def embedded(self) -> list[object]:
        """The embedded stand-ins among them (served on the stand-in port by `hub up`)."""
        kinds = (EmbeddedWorkOrderSystem, EmbeddedInventory, EmbeddedBilling)
        ports = (self.support, self.inventory, self.billing)
        return [port for port in ports if isinstance(port, kinds)]


def choose_adapters(
    settings: Settings,
    db: Database,
    *,
    sms: SmsSender | None = None,
    support: WorkOrderSystem | None = None,
    inventory: ResourceInventory | None = None,
    billing: Billing | None = None,
    mailer: Mailer | None = None,
) -> Adapters:
    """The adapters settings ask for; any passed in (tests) are used as they are."""
    closers: list[object] = []
    return Adapters(
        sms=sms or _sms_sender(settings, db, closers),
        support=support or _work_order_system(settings, db, closers),
        inventory=inventory or _inventory(settings, db, closers),
        billing=billing or _billing(settings, db, closers),
        mailer=mailer or _mailer(settings, db),
        closers=closers,
    )


def _client(base_url: object, settings: Settings, closers: list[object]) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=str(base_url), timeout=settings.http_timeout_s)
    closers.append(client)
    return client


def _sms_sender(settings: Settings, db: Database, closers: list[object]) -> SmsSender:
    if settings.sms_provider is SmsProvider.TWILIO:
        from adapters.sms.twilio_sender import TwilioSmsSender

        twilio = TwilioSmsSender.from_settings(settings)
        closers.append(twilio)  # its aiohttp session is opened lazily, closed on stop
        return twilio
    return LogSmsSender(db)


def _work_order_system(settings: Settings, db: Database, closers: list[object]) -> WorkOrderSystem:
    if settings.support_system_url is None:
        return EmbeddedWorkOrderSystem(db)
    return HttpWorkOrderSystem(_client(settings.support_system_url, settings, closers))


def _inventory(settings: Settings, db: Database, closers: list[object]) -> ResourceInventory:
    if settings.inventory_url is None:
        return EmbeddedInventory(db, seed=shanghai_seed() if settings.inventory_seed else None)
    return HttpResourceInventory(_client(settings.inventory_url, settings, closers))


def _billing(settings: Settings, db: Database, closers: list[object]) -> Billing:
    if settings.billing_url is None:
        return EmbeddedBilling(db)
    return HttpBilling(_client(settings.billing_url, settings, closers))


def _mailer(settings: Settings, db: Database) -> Mailer:
    if settings.email_mode is EmailMode.SMTP:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            timeout_s=settings.http_timeout_s,
        )
    return LogMailer(db)
