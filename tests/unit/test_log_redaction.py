"""Log lines lose secrets and phone numbers, and keep what an operator needs to read them."""

from __future__ import annotations

import pytest

from hub.log_redaction import mask_digits, redact

TOKEN = "Zr3kq0v9X1uY7Hn2bL4mPq8sT6wE5aC0dF3gJ9hK1lM"  # 43 chars, like a real link token
API_TOKEN = "hub_Q2xLr7pTz9mW4vB8nK3dF6hJ"


@pytest.mark.parametrize(
    ("line", "gone", "shown"),
    [
        (f'GET /s/{TOKEN}/report HTTP/1.1" 200', TOKEN, "/s/<token>/report"),
        (f"Cookie: hub_sign={TOKEN}; lang=zh", TOKEN, "hub_sign=<session>; lang=zh"),
        (f"cookies={{'__Host-hub_sign': '{TOKEN}'}}", TOKEN, "'__Host-hub_sign': '<session>'"),
        (f"Authorization: Bearer {TOKEN}", TOKEN, "Authorization: Bearer <secret>"),
        (f"headers=[('authorization', 'bearer {TOKEN}')]", TOKEN, "bearer <secret>"),
        (f"token {API_TOKEN} refused", API_TOKEN, "token hub_<token> refused"),
        ("您的验证码 493817，10分钟内有效", "493817", "验证码 ******"),
        ("code=493817 rejected", "493817", "code=******"),
        ("OTP: 493817", "493817", "OTP: ******"),
        ("sms to +8613912344726 failed", "+8613912344726", "+86139****4726"),
        ("phone='13912344726'", "13912344726", "phone='139****4726'"),
        ("联系人13912344726已通知", "13912344726", "联系人139****4726已通知"),
        ("call +14155552671", "+14155552671", "+141****2671"),
    ],
)
def test_a_secret_in_a_log_line_is_masked(line: str, gone: str, shown: str) -> None:
    redacted = redact(line)
    assert gone not in redacted
    assert shown in redacted


@pytest.mark.parametrize(
    "line",
    [
        "could not refresh hub_outbox_backlog",
        "order WO-2024-000123 at 2024-05-01T10:00:00.123456+00:00",
        "published 1717171717171 ms",  # a 13-digit millisecond time is not a mobile number
        "sha256=9f2c13912344726ab0",  # inside a hex digest
        "GET /s/short HTTP/1.1",
        "retry in 123456 ms",  # six digits with no code word nearby
    ],
)
def test_ordinary_log_text_is_left_alone(line: str) -> None:
    assert redact(line) == line


def test_masking_keeps_the_last_four_digits_and_the_prefix() -> None:
    assert mask_digits("8613912344726") == "86139****4726"
    assert mask_digits("13912344726") == "139****4726"
    assert mask_digits("12345678") == "****5678"
