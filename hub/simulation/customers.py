"""Simulated customers signing the delivery report over HTTP, and the phones they read texts on.

A `Browser` is one customer's browser on one signing link: it keeps its cookies and walks the
pages the way a person does (open, ask for a code, type it, look at the report, sign). It knows
nothing of the hub but the URLs in the texts and the forms on the pages.

`LogProviderPhones` are the customers' phones when the hub texts through the `log` SMS provider:
its table holds every text the hub handed over, whole. A customer's texts are the ones whose SMS
id names its order (the link) or its link (the codes), as a carrier would route them by number.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from PIL import Image, ImageDraw
from sqlalchemy import Select, literal, select

from hub.db.engine import Database
from hub.db.tables import signing_links, sms_log

TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{43})\b")
CODE = re.compile(r"\b(\d{6})\b")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
REPORT_SHA = re.compile(r'name="report_sha256" value="([0-9a-f]{64})"')
REPORT_VERSION = re.compile(r'name="report_version" value="(\d+)"')
POLL_S = 0.2
TEXTS = select(sms_log.c.body, sms_log.c.id)


class SigningFailed(Exception):
    """A page answered what a customer could not go on from (status and a bit of the page)."""


class Phones(Protocol):
    """Where simulated customers read the texts the hub sent them."""

    async def link_text(self, order_id: str, *, timeout_s: float) -> str: ...

    async def code_text(self, order_id: str, *, after: int, timeout_s: float) -> tuple[str, int]:
        """The newest code text of the order's links sent after text number `after`."""
        ...


@dataclass
class LogProviderPhones:
    """Texts read from the `log` SMS provider's table (the embedded default's carrier)."""

    db: Database

    async def link_text(self, order_id: str, *, timeout_s: float) -> str:
        links = TEXTS.where(
            sms_log.c.sms_id.startswith(f"signing-link:{order_id}:", autoescape=True)
        )
        body, _ = await self._newest(links, f"no signing link for {order_id}", timeout_s)
        return body

    async def code_text(self, order_id: str, *, after: int, timeout_s: float) -> tuple[str, int]:
        code_of_link = sms_log.c.sms_id.like(
            literal("signing-code:") + signing_links.c.link_id + ":%"
        )
        codes = (
            TEXTS.join_from(sms_log, signing_links, code_of_link)
            .where(signing_links.c.order_id == order_id)
            .where(sms_log.c.id > after)
        )
        return await self._newest(codes, f"no code texted for {order_id}", timeout_s)

    async def _newest(
        self, query: Select[tuple[str, int]], missing: str, timeout_s: float
    ) -> tuple[str, int]:
        """(text, number) of the newest text `query` finds, polling until `timeout_s`."""
        newest = query.order_by(sms_log.c.id.desc()).limit(1)
        deadline = time.monotonic() + timeout_s
        while True:
            async with self.db.read() as conn:
                row = (await conn.execute(newest)).first()
            if row is not None:
                return str(row.body), int(row.id)
            if time.monotonic() >= deadline:
                raise SigningFailed(f"{missing} within {timeout_s:.0f}s")
            await asyncio.sleep(POLL_S)


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
            raise SigningFailed(f"code refused: {answer.status_code}")

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
        if signed.status_code != 200:
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
