"""The API manual at /docs works offline: its assets come from the hub, not from a CDN."""

from __future__ import annotations

import httpx

from hub.bootstrap import bootstrap
from hub.config import Settings
from tests.helpers import app_with_staff


async def test_docs_page_loads_swagger_ui_from_the_hub_itself() -> None:
    hub = bootstrap(Settings(database_url="sqlite+aiosqlite:///:memory:"), consumers=False)
    app, token = await app_with_staff(hub)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub", headers=headers
    ) as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        assert "cdn.jsdelivr.net" not in page.text
        assert "/docs-assets/swagger-ui-bundle.js" in page.text
        script = await client.get("/docs-assets/swagger-ui-bundle.js")
        assert script.status_code == 200
        assert len(script.content) > 100_000
        spec = await client.get("/openapi.json")
        assert "/api/v1/technicians/{technician_id}/orders" in spec.json()["paths"]
    await hub.db.dispose()
