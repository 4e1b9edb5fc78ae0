"""Error text stored in headers and logs never carries phone numbers or e-mails."""

from __future__ import annotations

import pydantic
import pytest

from hub.messaging.pii import MAX_ERROR_BYTES, describe_error, mask_phone, scrub
from schemas.v1 import CreateWorkOrder


def test_mask_phone_keeps_only_the_ends() -> None:
    assert mask_phone("+8613800138000") == "+86********000"


def test_scrub_masks_phones_and_emails_and_control_characters() -> None:
    text = scrub("call +8613800138000 or mail li.na@example.com\r\nFORGED LINE")
    assert "13800138000" not in text
    assert "li.na@example.com" not in text
    assert "\n" not in text and "\r" not in text


def test_scrub_caps_the_text_at_one_kilobyte() -> None:
    assert len(scrub("x" * 10_000).encode()) == MAX_ERROR_BYTES


def test_validation_errors_name_fields_but_not_values() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        CreateWorkOrder.model_validate(
            {"order_id": "WO-1", "contact": {"name": "张伟", "phone": "+86138001380001234"}}
        )
    text = describe_error(info.value)
    assert "contact.phone" in text
    assert "customer_name" in text
    assert "138001380001234" not in text
    assert "张伟" not in text
