"""/docs serves the upstream Swagger UI 5.34.0 files, and its page has no inline script."""

from __future__ import annotations

import hashlib
import re

import httpx

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.web.docs_ui import SERVED
from tests.helpers import app_with_staff

# swagger-ui-dist@5.34.0 on npm: bump together with the fastapi-swagger pin, after comparing.
UPSTREAM_SHA256 = {
    "swagger-ui-bundle.js": "3f6abf70480db7e07914df4c98a77385f22ea585eaf457a3e6415ba0eae2d167",
    "swagger-ui.css": "c3cfe8248c4b0b89673600fb829924eafbac6de4bc4b2b06f5f5243483074d0a",
}


def test_the_swagger_ui_files_are_byte_for_byte_the_upstream_release() -> None:
    for name, expected in UPSTREAM_SHA256.items():
        folder, _ = SERVED[name]
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == expected, name


async def test_the_docs_page_has_no_inline_script_and_serves_only_its_own_files() -> None:
    hub = bootstrap(Settings(database_url="sqlite+aiosqlite:///:memory:"), consumers=False)
    app, token = await app_with_staff(hub)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub", headers=headers
    ) as client:
        page = (await client.get("/docs")).text
        petstore = await client.get("/docs-assets/index.html")
        init = await client.get("/docs-assets/docs-init.js")
    await hub.db.dispose()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert petstore.status_code == 404
    assert init.status_code == 200 and "SwaggerUIBundle" in init.text
