"""TranscriptReady: bounded, documented, and the checker imports nothing impure."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.v1.calls import MAX_SEGMENTS, MAX_TRANSCRIPT_CHARS, TranscriptReady, TranscriptSegment

GOOD: dict[str, Any] = {
    "call_id": "CALL-20260303-0001",
    "order_id": "WO-1",
    "recorded_at": "2026-03-03T10:00:00+08:00",
    "call_kind": "booking",
    "segments": [
        {"speaker": "dispatcher", "start_s": 0.5, "end_s": 4.0, "text": "您好，这里是中国电信。"},
        {"speaker": None, "start_s": 4.2, "end_s": 5.0, "text": "你好。"},
    ],
}


def test_a_transcript_with_and_without_speaker_labels_is_accepted() -> None:
    ready = TranscriptReady.model_validate(GOOD)
    assert [s.speaker for s in ready.segments] == ["dispatcher", None]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"call_kind": "sales"}, "call_kind"),
        ({"recorded_at": "2026-03-03T10:00:00"}, "recorded_at"),
        ({"segments": [{"speaker": "robot", "start_s": 0, "end_s": 1, "text": "x"}]}, "segments"),
        ({"segments": [{"speaker": None, "start_s": 5, "end_s": 1, "text": "x"}]}, "segments"),
        (
            {
                "segments": [{"speaker": None, "start_s": 0, "end_s": 1, "text": "x"}]
                * (MAX_SEGMENTS + 1)
            },
            "segments",
        ),
    ],
)
def test_malformed_transcripts_are_refused_at_the_named_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        TranscriptReady.model_validate({**GOOD, **change})
    assert exc.value.errors()[0]["loc"][0] == field


def test_the_whole_transcript_text_is_bounded() -> None:
    long = {"speaker": None, "start_s": 0, "end_s": 1, "text": "好" * 4000}
    count = MAX_TRANSCRIPT_CHARS // 4000 + 1
    with pytest.raises(ValidationError, match="exceeds"):
        TranscriptReady.model_validate({**GOOD, "segments": [long] * count})


@pytest.mark.parametrize("model", [TranscriptReady, TranscriptSegment])
def test_every_field_is_described_for_the_asyncapi_manual(model: type[BaseModel]) -> None:
    undocumented = [n for n, f in model.model_fields.items() if not f.description]
    assert undocumented == []


def test_the_checker_package_imports_only_stdlib_schemas_domain_and_cn2an() -> None:
    package = Path(__file__).resolve().parents[2] / "hub" / "domain" / "call_check"
    allowed_roots = {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "functools",
        "itertools",
        "re",
        "typing",
        "unicodedata",
        "zoneinfo",
        "cn2an",
        "schemas",
    }
    offenders = {}
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            )
            bad = [
                n
                for n in names
                if n.split(".")[0] not in allowed_roots and not n.startswith("hub.domain")
            ]
            if bad:
                offenders[path.name] = bad
    assert offenders == {}
