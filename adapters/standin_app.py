"""The embedded stand-ins' REST APIs in one app of their own, apart from the hub's public app.

`hub up` and `hub demo` serve it on the stand-in port, bound to loopback only: the APIs take
fault injection (`PUT .../_faults`) and show texts with signing links and codes, so they must
never be reachable where the hub's web app is. Each stand-in given is mounted under its prefix.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from adapters.billing.embedded import EmbeddedBilling
from adapters.billing.server import billing_router
from adapters.email.local_mailbox import LocalMailbox
from adapters.email.server import mailbox_router
from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.server import inventory_router
from adapters.sms.local_platform import LocalSmsPlatform
from adapters.sms.server import sms_platform_router
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.server import support_system_router

SUPPORT_PREFIX = "/standin/support"
INVENTORY_PREFIX = "/standin/inventory"
BILLING_PREFIX = "/standin/billing"
SMS_PREFIX = "/standin/sms"
MAIL_PREFIX = "/standin/mail"


def standin_app(
    *,
    support: EmbeddedWorkOrderSystem | None = None,
    inventory: EmbeddedInventory | None = None,
    billing: EmbeddedBilling | None = None,
    sms: LocalSmsPlatform | None = None,
    mailbox: LocalMailbox | None = None,
) -> FastAPI:
    """An app serving the given stand-ins, each under its prefix; `GET /` lists them."""
    app = FastAPI(
        title="Embedded stand-ins of the delivery hub",
        version="1",
        description="Local stand-ins of the external systems. Loopback only; not the hub's API.",
    )
    mounted: dict[str, str] = {}
    if support is not None:
        app.include_router(support_system_router(support), prefix=SUPPORT_PREFIX)
        mounted["support system (客保)"] = SUPPORT_PREFIX
    if inventory is not None:
        app.include_router(inventory_router(inventory), prefix=INVENTORY_PREFIX)
        mounted["resource inventory (综资)"] = INVENTORY_PREFIX
    if billing is not None:
        app.include_router(billing_router(billing), prefix=BILLING_PREFIX)
        mounted["billing (计费)"] = BILLING_PREFIX
    if sms is not None:
        app.include_router(sms_platform_router(sms), prefix=SMS_PREFIX)
        mounted["SMS platform"] = SMS_PREFIX
    if mailbox is not None:
        app.include_router(mailbox_router(mailbox), prefix=MAIL_PREFIX)
        mounted["mailbox"] = MAIL_PREFIX

    app.state.mounted = mounted

    @app.get("/", tags=["index"])
    async def index() -> dict[str, Any]:
        """The stand-ins this app serves, by prefix."""
        return {"standins": mounted}

    return app
