"""Broker addresses: `HUB_AMQP_URL` split into a cluster's nodes, and which one is in use."""

from __future__ import annotations

from collections.abc import Sequence

from yarl import URL


def split_amqp_urls(value: str) -> tuple[str, ...]:
    """`"amqp://a/,amqp://b/"` → `("amqp://a/", "amqp://b/")`; blanks around commas ignored.

    A comma cannot appear unescaped in a URL's host or port; in a password write it `%2C`.
    """
    urls = tuple(part.strip() for part in value.split(",") if part.strip())
    if not urls:
        raise ValueError("no broker address given")
    for url in urls:
        if not url.startswith(("amqp://", "amqps://")):
            raise ValueError(f"not an amqp:// or amqps:// URL: {shown(url)!r}")
    if len(set(urls)) != len(urls):
        raise ValueError("the same broker address is given twice")
    return urls


def shown(url: str | URL) -> str:
    """The URL with its password hidden, for logs and messages."""
    parsed = URL(str(url))
    return str(parsed.with_password("***")) if parsed.password else str(parsed)


def with_heartbeat(url: str, seconds: int) -> str:
    """`url` asking for AMQP heartbeats every `seconds`, unless it names its own `heartbeat=`."""
    parsed = URL(url)
    if "heartbeat" in parsed.query:
        return url
    return str(parsed.update_query(heartbeat=seconds))


class AddressRing:
    """The broker addresses in order, and which one is in use; past the last comes the first."""

    def __init__(self, urls: Sequence[str], start: int = 0) -> None:
        if not urls:
            raise ValueError("no broker address given")
        self.urls = tuple(urls)
        self.index = start % len(self.urls)

    def __len__(self) -> int:
        return len(self.urls)

    @property
    def current(self) -> str:
        return self.urls[self.index]

    def advance(self) -> str:
        """Move to the next address and return it."""
        self.index = (self.index + 1) % len(self.urls)
        return self.current

    def select(self, url: str) -> None:
        self.index = self.urls.index(url)

    def from_current(self) -> tuple[str, ...]:
        """Every address once, the one in use first (the order to try them in)."""
        return self.urls[self.index :] + self.urls[: self.index]
