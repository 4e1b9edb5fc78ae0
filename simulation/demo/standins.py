"""What a demo run did to the outside world, read where it happened: the billing stand-in's starts
and the SMS platform's texts, through their own APIs on the stand-in port (not the hub's tables).

So an order billed twice, or a text the platform got twice, shows up even if the hub's own
records say otherwise. Without a served stand-in (a real system configured) the count is empty.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import httpx

BILLING_STARTS = "/standin/billing/api/v1/billing/starts"
SMS_MESSAGES = "/standin/sms/messages"
PAGE = 500


async def billing_starts(client: httpx.AsyncClient | None, prefix: str) -> Counter[str]:
    """order id → billing starts, for the orders whose id starts with `prefix`."""
    if client is None:
        return Counter()
    answer = await client.get(BILLING_STARTS)
    if answer.status_code == 404:
        return Counter()  # billing is a real system here: nothing to read
    answer.raise_for_status()
    orders = (start["order_id"] for start in answer.json()["starts"])
    return Counter(o for o in orders if o.startswith(prefix))


async def platform_sends(client: httpx.AsyncClient | None, since: datetime) -> Counter[str]:
    """SMS id → texts the platform delivered under it, since `since`."""
    sends: Counter[str] = Counter()
    if client is None:
        return sends
    after = 0
    while True:
        params: dict[str, str | int] = {"since": since.isoformat(), "after": after, "limit": PAGE}
        answer = await client.get(SMS_MESSAGES, params=params)
        if answer.status_code == 404:
            return sends  # a real SMS provider here: nothing to read
        answer.raise_for_status()
        texts = answer.json()["texts"]
        sends.update(text["reference"] for text in texts)
        if len(texts) < PAGE:
            return sends
        after = texts[-1]["number"]
