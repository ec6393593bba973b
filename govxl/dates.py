"""Dates as clerks and programs write them: the 落款日期 of a return, printed 2026年1月15日.

A 落款日期 cell is a date cell, but what arrives may be an Excel date serial (46037), the text a
clerk typed (2026-01-15, 2026/1/15, 2026.1.15, 2026年1月15日, 二〇二六年一月十五日) or full-width
digits from a Chinese input method: all read alike, and printed one way.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from decimal import Decimal

_WIDE = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "／": "/", "－": "-"}
)
"""Full-width digits and separators, as a Chinese input method types them."""


def _clean(text: str) -> str:
    return text.strip().strip("\u200b\ufeff\u3000").strip()


_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_SERIALS = (43466, 73415)
"""Date serials govxl reads as dates: 2019-01-01 to 2100-12-31 (a signature date, never a count)."""
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?")


def _cn_number(text: str) -> str:
    """二〇二六 → 2026, 十五 → 15, 二十 → 20, 三十一 → 31: the numerals of a formal date."""
    if "十" not in text:
        return "".join(str(_CN_DIGITS[ch]) if ch in _CN_DIGITS else ch for ch in text)
    tens, _, ones = text.partition("十")
    return str(10 * (_CN_DIGITS.get(tens, 1) if tens else 1) + (_CN_DIGITS.get(ones, 0)))


def parse_date(raw: object) -> _dt.date | None:
    """A date as a clerk or a program wrote it, or None: a date or datetime, an Excel date serial
    (a number, or its text, as a date cell is read), or text such as 2026-01-15, 2026/1/15,
    2026.1.15, 2026年1月15日 or 二〇二六年一月十五日, in full-width digits too."""
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float | Decimal):
        serial = float(raw)
        if math.isfinite(serial) and _SERIALS[0] <= serial <= _SERIALS[1]:
            return _EXCEL_EPOCH + _dt.timedelta(days=int(serial))
        return None
    text = _clean(str(raw)).translate(_WIDE)
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        return parse_date(float(text))
    m = re.fullmatch(
        r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
        r"([一二三四五六七八九十]{1,3})日",
        text,
    )
    if m:
        text = f"{_cn_number(m[1])}年{_cn_number(m[2])}月{_cn_number(m[3])}日"
    m = _DATE_TEXT.fullmatch(text)
    if m is None:
        return None
    try:
        return _dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def show_date(day: _dt.date) -> str:
    """How a date is printed in a report and on a form: 2026年1月15日."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_text(raw: object) -> str:
    """A signature date as printed: 2026年1月15日 when it reads as a date, else as written."""
    day = parse_date(raw)
    if day is not None:
        return show_date(day)
    return "" if raw is None else _clean(str(raw))
