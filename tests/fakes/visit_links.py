"""The fake store of visit links (`hub.ports.VisitLinks`), like `hub.db.visit_links`."""

from __future__ import annotations

import builtins
from dataclasses import replace

from hub.domain.visit_link import VisitLink
from hub.errors import ConcurrencyConflict
from tests.fakes.store import FakeStore


class FakeVisitLinks:
    """Links keyed by id; the token digest and (order, window version) are unique."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def add(self, link: VisitLink, *, token_sha256: str) -> None:
        taken = any(
            (other.order_id, other.window_version) == (link.order_id, link.window_version)
            for other, _ in self._t.visit_links.values()
        )
        if link.link_id in self._t.visit_links or taken:
            raise ConcurrencyConflict(f"visit link for {link.order_id} v{link.window_version}")
        self._t.visit_links[link.link_id] = (link, token_sha256)

    async def by_token(self, token_sha256: str) -> VisitLink | None:
        return next((ln for ln, t in self._t.visit_links.values() if t == token_sha256), None)

    async def for_order(self, order_id: str) -> builtins.list[VisitLink]:
        found = [ln for ln, _ in self._t.visit_links.values() if ln.order_id == order_id]
        return sorted(found, key=lambda ln: ln.window_version)

    async def revoke(self, link_ids: builtins.list[str]) -> None:
        for link_id in link_ids:
            link, token = self._t.visit_links[link_id]
            self._t.visit_links[link_id] = (replace(link, revoked=True), token)
