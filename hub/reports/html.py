"""Report HTML from the autoescaped Jinja2 template: data in, markup-safe text out."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from hub.reports import i18n
from hub.reports.content import clip
from hub.reports.model import AuditEvent
from hub.reports.stamp import SignatureLayout

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_AUDIT_EVENTS = 200
MAX_AUDIT_DETAILS = 8  # lines of details per audit event

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,  # always on: report data is customer- and technician-typed text
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class SignatureBlock:
    signer_name: str
    signed_at: datetime
    png: bytes


def build_html(
    data: dict[str, Any],
    *,
    version: int,
    generated_at: datetime,
    pictures: dict[str, bytes],
    signature: SignatureBlock | None = None,
    audit: tuple[str, list[AuditEvent]] | None = None,
) -> str:
    """The report's HTML. `pictures` maps SHA-256 to bytes; `audit` is (viewed SHA, events)."""
    lang = data["lang"]
    zone = ZoneInfo(data["timezone"])
    template = _env.get_template("report.html.j2")
    return template.render(
        lang=lang,
        t=i18n.labels(lang),
        resource_labels=i18n.RESOURCE_LABELS.get(lang, {}),
        version=version,
        generated=f"{generated_at.astimezone(zone):%Y-%m-%d %H:%M}",
        generated_iso=generated_at.astimezone(UTC).isoformat(timespec="seconds"),
        order=data["order"],
        resources=data["resources"],
        visit=data["visit"],
        ping=data["ping"],
        speed=data["speed"],
        overall_passed=data["overall_passed"],
        pictures=[
            {"sha256": p["sha256"], "src": _data_url(p["content_type"], pictures[p["sha256"]])}
            for p in data["pictures"]
            if p["sha256"] in pictures
        ],
        signature=_signature(signature, zone),
        audit=_audit(audit, lang),
        ms=_ms,
    )


def build_layer_html(
    data: dict[str, Any],
    *,
    version: int,
    layout: SignatureLayout,
    signature: SignatureBlock,
    audit: tuple[str, list[AuditEvent]],
) -> str:
    """The signing layer of a rendered report (`hub.reports.stamp`): signer, time and
    signature where `layout` says the block is, then the audit trail."""
    lang = data["lang"]
    return _env.get_template("stamp.html.j2").render(
        lang=lang,
        t=i18n.labels(lang),
        order_id=data["order"]["order_id"],
        version=version,
        layout=layout,
        signature=_signature(signature, ZoneInfo(data["timezone"])),
        audit=_audit(audit, lang),
    )


def _signature(block: SignatureBlock | None, zone: ZoneInfo) -> dict[str, str] | None:
    if block is None:
        return None
    return {
        "signer_name": clip(block.signer_name, 100),
        "signed_at": f"{block.signed_at.astimezone(zone):%Y-%m-%d %H:%M}",
        "src": _data_url("image/png", block.png),
    }


def _audit(audit: tuple[str, list[AuditEvent]] | None, lang: str) -> dict[str, Any] | None:
    if audit is None:
        return None
    viewed_sha256, events = audit
    rows = [
        {
            "at": e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "kind": i18n.audit_kind(e.kind, lang),
            "ip": clip(e.ip or "—", 64),
            "user_agent": clip(e.user_agent or "—", 160),
            "details": [
                f"{key}: {clip(str(value), 120)}"
                for key, value in sorted(e.details.items())[:MAX_AUDIT_DETAILS]
            ],
        }
        for e in events[:MAX_AUDIT_EVENTS]
    ]
    return {"viewed_sha256": viewed_sha256, "events": rows}


def _data_url(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
