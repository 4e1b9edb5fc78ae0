"""Simulated customers signing the delivery report over HTTP, and the phones they read texts on.

A `Browser` is one customer's browser on one signing link: it keeps its cookies and walks the
pages the way a person does (open, ask for a code, type it, look at the report, sign). It knows
nothing of the hub but the URLs in the texts and the forms on the pages.

`PlatformPhones` are the customers' phones when the hub texts through the local SMS platform (the
`log` provider): the texts come from the platform's own API on the stand-in port, routed to each
phone by its number as a carrier would; never from the hub's tables.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from PIL import Image, ImageDraw

TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{43})\b")
CODE = re.compile(r"\b(\d{6})\b")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
REPORT_SHA = re.compile(r'name="report_sha256" value="([0-9a-f]{64})"')
REPORT_VERSION = re.compile(r'name="report_version" value="(\d+)"')
POLL_S = 0.2
LATE_S = 10.0  # how long after its stamp a text may still be committed and be read
PAGE = 500  # the platform's most per request
SMS_MESSAGES = "/standin/sms/messages"  # the local SMS platform's API on the stand-in port


class SigningFailed(Exception):
    """A page answered what a customer could not go on from (status and a bit of the page)."""


class CodeRefused(SigningFailed):
    """The hub refused the code typed in (e.g. a late text whose code a newer one replaced)."""


class Phones(Protocol):
    """Where simulated customers read the texts the hub sent them."""

    async def link_text(self, order_id: str, *, timeout_s: float) -> str: ...

    async def code_text(self, order_id: str, *, after: int, timeout_s: float) -> tuple[str, int]:
        """The newest code text of the order's links sent after text number `after`."""
        ...


@dataclass
class PlatformPhones:
    """Phones on the local SMS platform: `client` reaches the stand-ins' API (loopback; None:
    no platform to read, so no text ever comes), and `number_of` gives the phone number of an
    order's customer. Texts older than `since` (an earlier run on a kept database) are not on
    these phones.

    Like a carrier's network, one reader fetches every new text for all the phones, at most
    once every `POLL_S` however many customers wait, and puts each into its number's inbox; a
    waiting customer looks in their own. (Each phone asking on its own meant hundreds of
    requests a second in a province-scale run: a third of the simulation's CPU, with the
    platform's side.) Each read goes back `late_s` before the previous one, so a text stamped
    before that read but committed after it still arrives; `number` tells texts apart."""

    client: httpx.AsyncClient | None
    number_of: Callable[[str], str]
    since: datetime = field(default_factory=lambda: datetime.now(UTC))
    late_s: float = LATE_S
    _inboxes: dict[str, dict[int, str]] = field(default_factory=dict, init=False, repr=False)
    _last_read: datetime | None = field(default=None, init=False, repr=False)  # when it began
    _reading: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def link_text(self, order_id: str, *, timeout_s: float) -> str:
        body, _ = await self._newest(
            order_id, lambda t: TOKEN.search(t) is not None, after=0, timeout_s=timeout_s
        )
        return body

    async def code_text(self, order_id: str, *, after: int, timeout_s: float) -> tuple[str, int]:
        def is_code(text: str) -> bool:
            return TOKEN.search(text) is None and CODE.search(text) is not None

        return await self._newest(order_id, is_code, after=after, timeout_s=timeout_s)

    async def _newest(
        self, order_id: str, wanted: Callable[[str], bool], *, after: int, timeout_s: float
    ) -> tuple[str, int]:
        """(text, number) of the newest wanted text on the customer's phone after `after`,
        waiting until `timeout_s`."""
        to = self.number_of(order_id)
        deadline = time.monotonic() + timeout_s
        while True:
            await self._read_new()
            inbox = self._inboxes.get(to, {})
            found = [n for n in sorted(inbox) if n > after and wanted(inbox[n])]
            if found:
                return inbox[found[-1]], found[-1]
            if time.monotonic() >= deadline:
                raise SigningFailed(f"no such text for {order_id} within {timeout_s:.0f}s")
            await asyncio.sleep(POLL_S)

    async def _read_new(self) -> None:
        """Every text delivered since the last read (less `late_s`) into its number's inbox,
        unless another phone read less than `POLL_S` ago."""
        if self.client is None:
            raise SigningFailed("no SMS platform API to read texts from (a real SMS provider)")
        async with self._reading:
            started = datetime.now(UTC)
            last = self._last_read
            if last is not None and started - last < timedelta(seconds=POLL_S):
                return
            if last is None:
                since = self.since
            else:
                since = max(self.since, last - timedelta(seconds=self.late_s))
            after = 0
            while True:
                params: dict[str, str | int] = {
                    "since": since.isoformat(),
                    "after": after,
                    "limit": PAGE,
                }
                answer = await self.client.get(SMS_MESSAGES, params=params)
                if answer.status_code != 200:
                    raise SigningFailed(f"the SMS platform answered {answer.status_code}")
                page = answer.json()["texts"]
                for text in page:
                    self._inboxes.setdefault(text["to"], {})[int(text["number"])] = text["body"]
                if len(page) < PAGE:
                    break
                after = int(page[-1]["number"])
            self._last_read = started


class Browser:
    """One customer's browser on one link (cookies kept), talking to the hub at `web_url`."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._client = client
        self.base = f"/s/{token}"
        self._csrf = ""

    @classmethod
    def for_url(cls, client: httpx.AsyncClient, url: str) -> Browser:
        """The browser on a link URL (only its path is used: the client knows the host)."""
        found = TOKEN.search(urlsplit(url).path)
        if found is None:
            raise SigningFailed(f"not a signing link: {urlsplit(url).path[:12]}…")
        return cls(client, found.group(1))

    async def open(self) -> None:
        self._csrf = _form(await self._client.get(self.base), CSRF)

    async def request_code(self) -> None:
        answer = await self._client.post(f"{self.base}/code", data={"csrf": self._csrf})
        self._csrf = _form(answer, CSRF)

    async def enter_code(self, code: str) -> None:
        answer = await self._client.post(
            f"{self.base}/verify", data={"csrf": self._csrf, "code": code}
        )
        if answer.status_code != 303:
            raise CodeRefused(f"code refused: {answer.status_code}")

    async def sign(self, *, signer_name: str, signature: str, path: str = "/report") -> None:
        """Look at the report (`path` under the link) and sign the version shown."""
        page = await self._client.get(self.base + path)
        form = {
            "csrf": _form(page, CSRF),
            "report_version": _form(page, REPORT_VERSION),
            "report_sha256": _form(page, REPORT_SHA),
            "signer_name": signer_name,
            "confirm": "yes",
            "signature": signature,
        }
        signed = await self._client.post(f"{self.base}/sign", data=form)
        if signed.status_code not in (200, 202):  # 202: accepted, the signed PDF is rendering
            raise SigningFailed(f"signing refused: {signed.status_code} {signed.text[:120]!r}")


def _form(page: httpx.Response, field: re.Pattern[str]) -> str:
    found = field.search(page.text) if page.status_code == 200 else None
    if found is None:
        raise SigningFailed(f"{page.request.method} {page.url.path[:16]}…: {page.status_code}")
    return found.group(1)


def signature_data_url(seed: int) -> str:
    """A handwritten-looking stroke as a PNG data URL, different per seed."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    points = [(30 + 60 * i, 100 + ((seed * (i + 3) * 37) % 120) - 60) for i in range(10)]
    ImageDraw.Draw(image).line(points, fill="black", width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
