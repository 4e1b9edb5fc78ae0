"""What a published SendSms outbox row keeps: enough to name the SMS, nothing to use it."""

from __future__ import annotations

import json

from hub.handlers.sms import redacted_command
from schemas.v1 import SendSms

TOKEN = "k" * 43


def test_a_published_text_keeps_its_id_and_length_but_no_link_code_or_phone() -> None:
    text = f"请签署交付报告 https://hub.example/s/{TOKEN} 验证码 123456"
    command = SendSms(
        sms_id="signing-link:WO-1:v1:1",
        to="+8613800138000",
        body=text,
        purpose="signing_link",
        order_id="WO-1",
    )
    kept = redacted_command(command.model_dump_json())
    assert TOKEN not in kept and "123456" not in kept and "13800138000" not in kept
    row = json.loads(kept)
    assert row["sms_id"] == "signing-link:WO-1:v1:1" and row["order_id"] == "WO-1"
    assert row["body"] == f"[redacted after publishing: {len(text)} chars]"
    assert row["to"] == "+86********000"


def test_a_body_that_is_not_a_text_command_keeps_nothing_and_does_not_raise() -> None:
    for body in ("not json", "[1, 2]", json.dumps({"sms_id": "x", "to": "+8613800138000"})):
        kept = redacted_command(body)
        assert "13800138000" not in kept
        assert json.loads(kept) == {"redacted": "not a SendSms command"}
