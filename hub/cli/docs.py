"""`hub docs`: write the AsyncAPI document (and the OpenAPI one, when the web app is there)."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import typer
from faststream.specification import AsyncAPI

from hub.bootstrap import Hub, bootstrap
from hub.cli.console import out
from hub.config import Settings

DESCRIPTION = (
    "Message contracts of the delivery hub: the commands each consumer queue accepts and the "
    "commands and events the hub publishes on its topic exchange. Every message is persistent "
    "JSON with a message_id; consumers are idempotent per (consumer, message_id)."
)


def docs_command(
    out_path: Annotated[
        Path, typer.Option("--out", help="Where to write the AsyncAPI document.")
    ] = Path("docs/asyncapi.json"),
) -> None:
    """Write the AsyncAPI document (and openapi.json next to it) from the default settings."""
    hub = bootstrap(documentation_settings(), consumers=True)
    _write(out_path, asyncapi_document(hub), sort_keys=True)  # the broker's order varies
    out.print(f"wrote {out_path}")
    openapi_path = out_path.with_name("openapi.json")
    _write(openapi_path, openapi_document(hub))
    out.print(f"wrote {openapi_path}")


def documentation_settings() -> Settings:
    """The defaults, ignoring the environment, so the document does not depend on who ran it."""
    return Settings.model_construct(database_url="sqlite+aiosqlite:///:memory:")


def asyncapi_document(hub: Hub) -> dict[str, Any]:
    """AsyncAPI 3.0 for the hub's broker (not connected)."""
    spec = AsyncAPI(
        hub.broker, title="Delivery hub", version=_version(), description=DESCRIPTION
    ).to_specification()
    document: dict[str, Any] = json.loads(spec.to_json())
    return document


def openapi_document(hub: Hub) -> dict[str, Any]:
    """OpenAPI for the web app as `hub web` serves it."""
    from hub.cli.web_app import build_web_app

    return build_web_app(hub, manage_lifecycle=False).openapi()


def _version() -> str:
    try:
        return version("delivery-hub")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def _write(path: Path, document: dict[str, Any], *, sort_keys: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    path.write_text(text + "\n", encoding="utf-8")
