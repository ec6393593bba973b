"""Read one cell of a returned form the way clerks actually fill it in.

Sub-units return the yearly 政府信息公开 tables typed by hand: numbers stored as text,
full-width digits from Chinese input methods, "减59" for a decrease, "251000元" in a
column meant for 万元, "无" instead of 0.  This module turns one raw cell value into a
number (or text) plus a list of :class:`Problem` s, so that the checking modules can
report *every* oddity without ever guessing silently.

Contract kept by :func:`parse_value` (other modules rely on it):

* it never raises for any ``raw`` value;
* ``Parsed.value is None`` exactly when one of the problems has severity ``"error"``;
* COUNT and DELTA give ``int``, MONEY gives ``Decimal``, TEXT gives ``str``;
* problem codes are the fixed slugs in :data:`CODES`; messages are Chinese, written for
  the clerk who filled the cell, and name no file or cell (the caller adds those).
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum


class Kind(StrEnum):
    """What a cell is supposed to hold; decides which notations are accepted."""

    COUNT = "count"  # integer >= 0 (件, 个)
    MONEY = "money"  # decimal >= 0; the form may fix a unit ("万元") or not (None)
    DELTA = "delta"  # signed integer (2019 form 本年增/减)
    TEXT = "text"


ERROR = "error"
WARNING = "warning"
INFO = "info"

#: Every problem code this module emits, with its (fixed) severity.
CODES: dict[str, str] = {
    "blank": ERROR,
    "blank-as-zero": WARNING,
    "number-as-text": INFO,
    "not-a-number": ERROR,
    "fraction": ERROR,
    "negative": ERROR,
    "too-large": ERROR,
    "unit-converted": WARNING,
    "unit-unclear": WARNING,
    "date-in-number-cell": ERROR,
}

#: Counts and deltas above this are certainly typos (extra digits, an ID pasted in).
MAX_COUNT = 100_000_000
#: Money above this (in the form's unit) is certainly a typo.
MAX_MONEY = Decimal(10) ** 12


@dataclass(frozen=True)
class Problem:
    """One thing the clerk should know about a cell; ``code`` is stable, ``message`` is prose."""

    code: str  # stable slug, one of CODES
    severity: str  # "error" | "warning" | "info"
    message: str  # Chinese; does NOT include file/cell (the caller adds those)


@dataclass(frozen=True)
class Parsed:
    """Result of reading a cell: the value (None when unreadable) and what was noticed."""

    value: int | Decimal | str | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when the value can be used (no error-severity problem)."""
        return all(p.severity != ERROR for p in self.problems)


def _problem(code: str, message: str) -> Problem:
    return Problem(code, CODES[code], message)


def _fail(code: str, message: str) -> Parsed:
    return Parsed(None, (_problem(code, message),))


# Characters typed by Chinese IMEs or pasted from Word/web pages that mean ASCII ones.
# An explicit table rather than NFKC: NFKC would also turn "①" or "5²" into digits.
_TRANSLATE = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
        "＋": "+",
        "－": "-",
        "\u2212": "-",  # MINUS SIGN
        "\u2010": "-",  # HYPHEN
        "\u2011": "-",  # NON-BREAKING HYPHEN
        "\u2013": "-",  # EN DASH
        "\ufe63": "-",  # SMALL HYPHEN-MINUS
        "．": ".",
        "，": ",",
        "￥": "¥",
        "Ｅ": "E",
        "ｅ": "e",
    }
)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_EDGE_BLANKS = re.compile(rf"^[\s{_INVISIBLE}]+|[\s{_INVISIBLE}]+$")
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!")
_COUNT_WORDS = "件个项条次份"
_DELTA_WORDS: tuple[tuple[str, int], ...] = (
    ("增加", 1), ("增长", 1), ("上升", 1), ("增", 1), ("多", 1),
    ("减少", -1), ("下降", -1), ("减", -1), ("少", -1),
)  # fmt: skip
# Longest first so that "万元" wins over "元".
_MONEY_UNITS: tuple[tuple[str, Decimal], ...] = (
    ("亿元", Decimal(100_000_000)),
    ("万元", Decimal(10_000)),
    ("千元", Decimal(1_000)),
    ("元", Decimal(1)),
    ("万", Decimal(10_000)),
)
_UNIT_FACTORS = {name: factor for name, factor in _MONEY_UNITS if name.endswith("元")}
_CURRENCY_PREFIXES = ("人民币", "RMB", "¥")
_NUMBER = re.compile(
    r"(?P<sign>--|[+-])?"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?"
    r"(?:\.(?P<frac>[0-9]*))?"
    r"(?:[eE](?P<exp>[+-]?[0-9]+))?"
)


def _clean(text: str) -> str:
    """Strip the blanks (incl. U+3000, NBSP, zero-width) that Excel, Word and IMEs leave."""
    return _EDGE_BLANKS.sub("", text)


def _quote(text: str) -> str:
    """Show the clerk what they typed, on one line and not too long."""
    shown = "".join(" " if ch.isspace() or ord(ch) < 32 else ch for ch in _clean(text))
    return shown if len(shown) <= 30 else shown[:29] + "…"


def _show(value: object) -> str:
    """Display a number the way it would look in the cell, never as 1E+2 or with binary noise."""
    if isinstance(value, float) and math.isfinite(value):
        return format(value, ".15g")
    if isinstance(value, Decimal) and value.is_finite():
        if abs(value.adjusted()) < 40:
            return format(value, "f")
        mantissa, _, exponent = format(value, ".6E").partition("E")
        return mantissa.rstrip("0").rstrip(".") + "E" + exponent
    return _quote(str(value))


def _float_to_decimal(x: float) -> Decimal:
    """Drop binary noise: 274.65999999999997 -> 274.66, while 5949.088667 stays exact.

    Any decimal with at most 15 significant digits survives a trip through a double, and
    Excel itself shows only 15, so formatting with 15 significant digits recovers what the
    clerk typed (or what the formula meant) without inventing or losing real digits.
    """
    return Decimal(format(x, ".15g"))


def _not_a_number(text: str) -> Parsed:
    """The one message for text that is not a number: quote it and say what to do."""
    stripped = _clean(text)
    if stripped.upper() in _EXCEL_ERRORS:
        return _fail(
            "not-a-number",
            f"单元格显示错误值“{stripped}”，请检查公式，或直接填入数字，没有请填 0",
        )
    if stripped.startswith("="):
        return _fail(
            "not-a-number",
            f"“{_quote(stripped)}”是以等号开头的文字，不是数字（审核时不执行公式），"
            "请直接填入数字，没有请填 0",
        )
    return _fail("not-a-number", f"“{_quote(text)}”不是数字，没有请填 0")


def parse_value(
    raw: object, kind: Kind, *, unit: str | None = None, blank_as_zero: bool = False
) -> Parsed:
    """Read one cell value of the given kind; never raises (see the module docstring).

    ``unit`` is the money unit printed on the form (e.g. "万元"), or None when the form
    prints none: only with a known unit may "251000元" be converted.  ``blank_as_zero``
    is for forms where an empty cell conventionally means nothing happened.
    """
    kind = Kind(kind)
    try:
        return _parse(raw, kind, unit, blank_as_zero)
    except Exception:  # the contract is "never raise": report instead
        try:
            shown = _quote(repr(raw))
        except Exception:
            shown = type(raw).__name__
        return _fail("not-a-number", f"无法识别的内容“{shown}”，请填入数字，没有请填 0")


def _parse(raw: object, kind: Kind, unit: str | None, blank_as_zero: bool) -> Parsed:
    if raw is None or (isinstance(raw, str) and not _clean(raw)):
        if kind is Kind.TEXT:
            return Parsed("", ())
        if blank_as_zero:
            zero: int | Decimal = Decimal(0) if kind is Kind.MONEY else 0
            return Parsed(zero, (_problem("blank-as-zero", "未填写，已按 0 读取，请核实"),))
        return _fail("blank", "未填写，请填入数字，没有请填 0")

    if kind is Kind.TEXT:
        if isinstance(raw, bool):
            return Parsed("TRUE" if raw else "FALSE", ())
        if isinstance(raw, numbers.Integral):
            return Parsed(_show(Decimal(int(raw))), ())
        if isinstance(raw, float | Decimal):
            return Parsed(_show(raw), ())
        return Parsed(_clean(str(raw)), ())

    if isinstance(raw, bool):
        return _fail(
            "not-a-number", f"“{'TRUE' if raw else 'FALSE'}”是逻辑值，不是数字，请填入数字"
        )
    if isinstance(raw, _dt.date | _dt.time | _dt.timedelta):
        return _date_typed(raw, kind)
    if isinstance(raw, numbers.Integral):
        number = Decimal(int(raw))
        return _check(number, kind, _show(number), ())
    if isinstance(raw, numbers.Real) and not isinstance(raw, Decimal):
        x = float(raw)
        if not math.isfinite(x):
            return _fail("not-a-number", "单元格内容不是有效数字（NaN 或无穷大），请填入数字")
        return _check(_float_to_decimal(x), kind, _show(x), ())
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            return _fail("not-a-number", "单元格内容不是有效数字（NaN 或无穷大），请填入数字")
        return _check(raw, kind, _show(raw), ())
    if isinstance(raw, str):
        return _parse_text(raw, kind, unit)
    return _not_a_number(str(raw))


def _date_typed(raw: _dt.date | _dt.time | _dt.timedelta, kind: Kind) -> Parsed:
    """A date where a number belongs: Excel turns ``1-2`` typed into a cell into 2 January
    (and stores 46024). Say what Excel did and how to type the number so that it stays one."""
    what = {Kind.COUNT: "件数", Kind.MONEY: "金额"}.get(kind, "增减数")
    if isinstance(raw, _dt.date):
        shown, noun = f"{raw.year}年{raw.month}月{raw.day}日", "日期"
        if isinstance(raw, _dt.datetime) and raw.time() != _dt.time():
            shown += f" {raw.hour}:{raw.minute:02d}"
    elif isinstance(raw, _dt.time):
        shown, noun = f"{raw.hour}:{raw.minute:02d}", "时间"
    else:
        shown, noun = str(raw), "时间"
    return _fail(
        "date-in-number-cell",
        f"填写的内容被 Excel 当成了{noun}（{shown}）。这里应填写{what}，"
        "请把单元格格式改为“常规”后重新填写数字。",
    )


def _parse_text(raw: str, kind: Kind, unit: str | None) -> Parsed:
    """Numbers typed as text: normalise, peel off words/units/signs, then read the digits."""
    shown = _quote(raw)
    s = _clean(raw).translate(_TRANSLATE)
    # Whitespace between two digits is a (European-style) group separator, validated
    # below like a comma; anywhere else (around signs, units) it is just noise.
    s = re.sub(r"(?<=[0-9])\s+(?=[0-9])", ",", s)
    s = "".join(ch for ch in s if not ch.isspace() and ch not in _INVISIBLE)

    word_sign = 0
    notes: list[str] = []
    if kind is Kind.DELTA:
        if s == "持平":
            return _text_ok(Decimal(0), kind, f"“{shown}”按 0 读取")
        for word, sign in _DELTA_WORDS:
            if s.startswith(word) and len(s) > len(word):
                word_sign, s = sign, s[len(word) :]
                break

    money_unit: str | None = None
    if kind is Kind.MONEY:
        for prefix in _CURRENCY_PREFIXES:
            if s.upper().startswith(prefix):
                s, money_unit = s[len(prefix) :], "元"
                break
        for name, _factor in _MONEY_UNITS:
            if s.endswith(name) and len(s) > len(name):
                s, money_unit = s[: -len(name)], ("万元" if name == "万" else name)
                break
    elif s and s[-1] in _COUNT_WORDS and len(s) > 1:
        s = s[:-1]

    m = _NUMBER.fullmatch(s)
    if m is None or not (m["int"] or m["frac"]):
        if m is None and re.fullmatch(r"[+-]{0,2}[0-9,]+(?:\.[0-9]*)?", s):
            return _fail(
                "not-a-number",
                f"“{shown}”中的逗号或空格位置不对，无法确定数值，"
                "请直接填写数字，中间不要加逗号或空格",
            )
        return _not_a_number(raw)
    sign_text = m["sign"] or ""
    if word_sign and sign_text:
        return _fail(
            "not-a-number",
            f"“{shown}”同时用了文字和正负号，无法确定增减，请只填带符号的数字，如 -59 或 5",
        )
    if sign_text == "--":
        notes.append("连续两个减号按一个负号处理")

    exp_text = (m["exp"] or "0").lstrip("+")
    if len(exp_text.lstrip("-")) > 6:  # absurd exponent: don't feed int() a huge digit string
        if exp_text.startswith("-"):
            return _not_a_number(raw)
        exp_text = "1000000"
    exp = int(exp_text)
    digits = (m["int"] or "0").replace(",", "") + ("." + m["frac"] if m["frac"] else "")
    if exp > 100_000 and Decimal(digits):
        return _too_large(kind, shown)
    number = Decimal(f"{digits}E{exp}")  # built from text: exact, whatever the length
    if sign_text in ("-", "--") or word_sign < 0:
        number = number.copy_negate()  # unary minus would round to 28 digits

    if kind is Kind.MONEY and money_unit is not None:
        return _money_with_unit(number, money_unit, unit, shown)

    if kind is Kind.DELTA or sign_text == "--":
        msg = f"“{shown}”按 {_show(_normal(number, kind))} 读取"
    else:
        msg = f"以文本形式填写的数字“{shown}”已按数值 {_show(_normal(number, kind))} 读取"
    if notes:
        msg += "（" + "；".join(notes) + "），请核实"
    return _text_ok(number, kind, msg, shown)


def _money_with_unit(number: Decimal, written: str, target: str | None, shown: str) -> Parsed:
    """Apply the unit the clerk wrote, converting only when the form's unit is known."""
    if target is None:
        msg = f"金额带有单位“{written}”，表格未规定单位，已按原数读取，请核实单位是否与其他单位一致"
        return _check(number, Kind.MONEY, shown, (_problem("unit-unclear", msg),))
    if written == target:
        msg = f"“{shown}”按 {_show(_normal(number, Kind.MONEY))} {target}读取"
        return _check(number, Kind.MONEY, shown, (_problem("number-as-text", msg),))
    if target not in _UNIT_FACTORS:
        msg = (
            f"金额带有单位“{written}”，与表格规定的单位“{target}”不同且无法换算，"
            "已按原数读取，请核实"
        )
        return _check(number, Kind.MONEY, shown, (_problem("unit-unclear", msg),))
    with localcontext() as ctx:
        ctx.prec = len(number.as_tuple().digits) + 20  # powers of ten: exact, never rounded
        converted = (number * _UNIT_FACTORS[written] / _UNIT_FACTORS[target]).normalize()
    msg = f"“{shown}”已换算为 {_show(_normal(converted, Kind.MONEY))} {target}，请核实"
    return _check(converted, Kind.MONEY, shown, (_problem("unit-converted", msg),))


def _text_ok(number: Decimal, kind: Kind, message: str, shown: str | None = None) -> Parsed:
    return _check(number, kind, shown or "", (_problem("number-as-text", message),))


def _normal(number: Decimal, kind: Kind) -> Decimal:
    """Canonical form for display and return: no "-0", no "1E+2" exponents, no "5.0" counts."""
    if number.is_zero():
        return Decimal(0) if kind is not Kind.MONEY else number.copy_abs()
    if number.copy_abs() > MAX_MONEY:  # out of range anyway: leave it for the error message
        return number
    if kind is not Kind.MONEY:
        return number.to_integral_value() if number == number.to_integral_value() else number
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        with localcontext() as ctx:
            ctx.prec = 40  # <= 1e12 after the range check, so this is always enough
            return number.quantize(Decimal(1))
    return number


def _too_large(kind: Kind, shown: str) -> Parsed:
    if kind is Kind.MONEY:
        return _fail(
            "too-large", f"金额“{shown}”超过 1 万亿，明显过大，请核实是否多填了数字或单位有误"
        )
    return _fail("too-large", f"“{shown}”超过 1 亿，明显过大，请核实是否多填了数字")


def _check(number: Decimal, kind: Kind, shown: str, problems: tuple[Problem, ...]) -> Parsed:
    """Range and integrality checks shared by cell numbers and text numbers."""
    if kind is Kind.MONEY:
        if number.copy_abs() > MAX_MONEY:
            return _too_large(kind, shown)
        if number < 0:
            return _fail("negative", f"金额不能为负数，“{shown}”请改为 0 或正数")
        return Parsed(_normal(number, kind), problems)

    if number.copy_abs() > MAX_COUNT:
        return _too_large(kind, shown)
    if number != number.to_integral_value():
        what = "件数" if kind is Kind.COUNT else "增减数"
        percent = number * 100
        if 0 < abs(number) < 1 and percent == percent.to_integral_value():
            # Excel stores 5% as 0.05: the clerk typed a percentage, and sees "5%", not 0.05
            return _fail(
                "fraction",
                f"{what}应为整数，“{shown}”不是整数（输入 {int(percent)}% 时，Excel 存的就是 "
                f"{shown}）。请填写{what}（整数），不要填百分比",
            )
        return _fail("fraction", f"{what}应为整数，“{shown}”不是整数，请改为整数")
    value = int(number)
    if kind is Kind.COUNT and value < 0:
        return _fail("negative", f"件数不能为负数，“{shown}”请改为 0 或正数")
    return Parsed(value, problems)
