"""Chinese or Arabic numerals as integers (两 → 2, 十一 → 11, 廿三 → 23), through cn2an."""

from __future__ import annotations

from functools import lru_cache

import cn2an

# One alternative of a numeral as it appears in spoken times and dates.
NUMERAL = r"(?:[0-9]{1,4}|[零〇一二两三四五六七八九十廿]{1,4})"


@lru_cache(maxsize=1024)
def to_int(token: str) -> int | None:
    """The value of a numeral token, or None when it is not one."""
    if token.isascii() and token.isdigit():
        return int(token)
    try:
        value = cn2an.cn2an(token, "smart")
    except Exception:  # cn2an documents no error type: anything it refuses is "not a number"
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    return None
