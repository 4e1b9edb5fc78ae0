"""SMS texts of signing (Simplified Chinese, as the customer's phone shows them).

No phone numbers or names in a text; the link and the code are the only secrets, each in its
own message.
"""

from __future__ import annotations


def link_sms(order_id: str, url: str, *, valid_hours: int) -> str:
    return (
        f"【政企交付】工单 {order_id} 的交付报告待您签署，请打开 {url} "
        f"获取验证码后查看并签名。链接 {valid_hours} 小时内有效。"
    )


def reminder_sms(order_id: str, url: str) -> str:
    return f"【政企交付】提醒：工单 {order_id} 的交付报告尚未签署，请打开 {url} 查看并签名。"


def code_sms(code: str) -> str:
    return f"【政企交付】签署验证码 {code}，10 分钟内有效。请勿转告他人。"
