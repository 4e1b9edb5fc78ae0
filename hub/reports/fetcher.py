"""WeasyPrint's URL fetcher for reports: deny by default, and a ledger of every request.

Served: `data:image/…` URLs (inline pictures, the signature) and `asset:<name>` for the files
packaged in `hub/reports/assets/`. Refused: everything else (`http(s)`, `file`, `ftp`, relative
URLs, unknown assets, inline data that is not a picture); WeasyPrint then leaves the element out
and the report renders without it.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any

from weasyprint.urls import URLFetcher, URLFetcherResponse

from hub.reports.model import FetchRecord

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
ASSET_SCHEME = "asset:"
_ASSET_NAME = re.compile(r"^[a-z0-9_-]{1,64}\.(css|svg|png)$")
_URL_SHOWN = 200


def packaged_assets() -> dict[str, Path]:
    """The files a report may use, by name (fixed at import: no path is built from a URL)."""
    return {p.name: p for p in ASSETS_DIR.iterdir() if _ASSET_NAME.match(p.name)}


class AssetOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Serves `data:` and packaged assets; refuses and records everything else."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1, **kwargs)
        self.assets = packaged_assets()
        self.ledger: list[FetchRecord] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            media = url[5:].split(",", 1)[0][:60]
            if not media.startswith("image/"):  # a data: font or style would outlive the render
                self._refuse(f"data:{media}", "inline data that is not a picture")
            self.ledger.append(FetchRecord(url=f"data:{media}", allowed=True, reason="inline"))
            return super().fetch(url, headers)
        if url.startswith(ASSET_SCHEME):
            name = url.removeprefix(ASSET_SCHEME)
            path = self.assets.get(name)
            if path is not None:
                self.ledger.append(FetchRecord(url=url, allowed=True, reason="packaged asset"))
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            self._refuse(url, "unknown asset")
        self._refuse(url, "not data: or a packaged asset")
        raise AssertionError("unreachable")  # pragma: no cover

    def _refuse(self, url: str, reason: str) -> None:
        self.ledger.append(FetchRecord(url=url[:_URL_SHOWN], allowed=False, reason=reason))
        raise ValueError(f"report fetcher refused {url[:_URL_SHOWN]!r}: {reason}")
