"""The on-site contracts read as a manual: every field described, every message routed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from hub.messaging.topology import ROUTES
from schemas.v1 import on_site
from schemas.v1.resources import ResourceAssignment

MESSAGES = [
    on_site.SwapFiber,
    on_site.ChangeOpticalBox,
    on_site.ReturnWorkOrder,
    on_site.ReportException,
    on_site.ResolveException,
    on_site.WorkOrderReissued,
    on_site.WorkOrderReturned,
    on_site.ExceptionReported,
    on_site.ExceptionResolved,
    on_site.FiberSwapped,
    on_site.FiberSwapRefused,
    on_site.OpticalBoxChanged,
    on_site.OpticalBoxChangeRefused,
]


def _undescribed(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    missing = []
    for name, prop in schema.get("properties", {}).items():
        if "description" not in prop:
            missing.append(f"{path}.{name}")
        ref = prop.get("$ref") or next(
            (a.get("$ref") for a in prop.get("anyOf", []) if "$ref" in a), None
        )
        if ref:
            target = defs[ref.rsplit("/", 1)[1]]
            missing += _undescribed(target, defs, f"{path}.{name}")
    return missing


@pytest.mark.parametrize("model", [*MESSAGES, ResourceAssignment], ids=lambda m: m.__name__)
def test_every_field_has_a_description(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert _undescribed(schema, schema.get("$defs", {}), model.__name__) == []


@pytest.mark.parametrize("model", MESSAGES, ids=lambda m: m.__name__)
def test_every_message_has_a_route_and_a_docstring(model: type[BaseModel]) -> None:
    assert model in ROUTES
    assert model.__doc__ and model.__doc__.strip()
