"""`/docs` (Swagger UI 5, which renders OpenAPI 3.1) and the `/` landing page, both offline.

Swagger UI's files come from the `fastapi-swagger` package (Swagger UI 5.34.0, byte for byte
the `swagger-ui-dist` release); the page's initializer is a static file of the hub's, so the
pages need no inline script. Only the files the pages use are served under `/docs-assets/`.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.web.auth import STAFF, allow

ASSETS = "/docs-assets"
OPENAPI = "/openapi.json"
_SWAGGER = files("fastapi_swagger").joinpath("resources")
_OWN = files("hub.web").joinpath("static", "docs")
SERVED: dict[str, tuple[Traversable, str]] = {
    "swagger-ui-bundle.js": (_SWAGGER, "text/javascript; charset=utf-8"),
    "swagger-ui.css": (_SWAGGER, "text/css; charset=utf-8"),
    "favicon-32x32.png": (_SWAGGER, "image/png"),
    "docs-init.js": (_OWN, "text/javascript; charset=utf-8"),
    "hub.css": (_OWN, "text/css; charset=utf-8"),
}
CACHE = {"Cache-Control": "public, max-age=86400"}

_templates = Environment(
    loader=PackageLoader("hub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def install_docs(app: FastAPI) -> None:
    """Serve `/docs`, `/openapi.json` (staff only), `/` and their assets (the app is created
    with `docs_url=None, openapi_url=None`)."""

    @app.get(f"{ASSETS}/{{name}}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        found = SERVED.get(name)
        if found is None:
            raise HTTPException(404, "no such file")
        folder, media_type = found
        return Response(folder.joinpath(name).read_bytes(), media_type=media_type, headers=CACHE)

    # The endpoints read the app from the request: FastAPI keeps every endpoint it classified
    # in a module-level cache, and one that closed over `app` kept the whole app alive.
    @app.get("/docs", include_in_schema=False, dependencies=[allow(*STAFF)])
    async def swagger_ui(request: Request) -> HTMLResponse:
        return _page("docs.html", title=f"{request.app.title} — API", openapi_url=OPENAPI)

    @app.get(OPENAPI, include_in_schema=False, dependencies=[allow(*STAFF)])
    async def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @app.get("/", include_in_schema=False)
    async def landing(request: Request) -> HTMLResponse:
        return _page("landing.html", title=request.app.title, version=request.app.version)


def _page(template: str, **context: str) -> HTMLResponse:
    html = _templates.get_template(template).render(assets=ASSETS, **context)
    return HTMLResponse(html)
