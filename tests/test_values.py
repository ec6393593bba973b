"""Tests for govxl.values: real notations from returned forms, plus properties.

The tables below are the shapes clerks really type; the properties guard the contract
other modules depend on (never raises; value is None exactly when there is an error).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govxl.values import CODES, MAX_COUNT, Kind, Parsed, Problem, parse_value

FULL_WIDTH = str.maketrans("0123456789-+.,", "０１２３４５６７８９－＋．，")


def codes(parsed: Parsed) -> list[str]:
    return [p.code for p in parsed.problems]


def assert_contract(parsed: Parsed) -> None:
    """Invariants every result must satisfy, whatever the input."""
    assert isinstance(parsed, Parsed)
    for problem in parsed.problems:
        assert isinstance(problem, Problem)
        assert CODES[problem.code] == problem.severity
        assert problem.message
    has_error = any(p.severity == "error" for p in parsed.problems)
    assert (parsed.value is None) == has_error
    assert parsed.ok == (not has_error)


# --- blanks ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\u3000 \u00a0", "\t\n", "\u200b"])
@pytest.mark.parametrize("kind", [Kind.COUNT, Kind.MONEY, Kind.DELTA])
def test_blank_is_an_error(raw: object, kind: Kind) -> None:
    parsed = parse_value(raw, kind)
    assert parsed == Parsed(None, (Problem("blank", "error", "未填写，请填入数字，没有请填 0"),))


@pytest.mark.parametrize(("kind", "zero"), [(Kind.COUNT, 0), (Kind.DELTA, 0), (Kind.MONEY, 0)])
def test_blank_as_zero(kind: Kind, zero: int) -> None:
    parsed = parse_value("\u3000", kind, blank_as_zero=True)
    assert parsed.value == zero
    assert type(parsed.value) is (Decimal if kind is Kind.MONEY else int)
    assert parsed.problems == (Problem("blank-as-zero", "warning", "未填写，已按 0 读取，请核实"),)


@pytest.mark.parametrize("raw", [None, "", "\u3000"])
def test_blank_text_is_fine(raw: object) -> None:
    assert parse_value(raw, Kind.TEXT) == Parsed("", ())


# --- counts ---------------------------------------------------------------------------

COUNT_OK = [
    (5, 5, []),
    (0, 0, []),
    (5.0, 5, []),
    (1e2, 100, []),
    (-0.0, 0, []),
    (Decimal("7.00"), 7, []),
    (4.999999999999999, 5, []),  # formula noise, Excel shows 5
    ("5", 5, ["number-as-text"]),
    (" 12 ", 12, ["number-as-text"]),
    ("１２", 12, ["number-as-text"]),
    ("\u3000３\u3000", 3, ["number-as-text"]),
    ("1,234", 1234, ["number-as-text"]),
    ("1，234", 1234, ["number-as-text"]),
    ("１，２３４", 1234, ["number-as-text"]),
    ("1 234 567", 1234567, ["number-as-text"]),
    ("12件", 12, ["number-as-text"]),
    ("3个", 3, ["number-as-text"]),
    ("4项", 4, ["number-as-text"]),
    ("2条", 2, ["number-as-text"]),
    ("8 件", 8, ["number-as-text"]),
    ("+5", 5, ["number-as-text"]),
    ("5.0", 5, ["number-as-text"]),
    ("1e2", 100, ["number-as-text"]),
    ("-0", 0, ["number-as-text"]),
    (100_000_000, 100_000_000, []),
]


@pytest.mark.parametrize(("raw", "value", "expected"), COUNT_OK)
def test_count_accepted(raw: object, value: int, expected: list[str]) -> None:
    parsed = parse_value(raw, Kind.COUNT)
    assert parsed.value == value
    assert type(parsed.value) is int
    assert codes(parsed) == expected
    assert_contract(parsed)


def test_count_text_message_says_how_it_was_read() -> None:
    parsed = parse_value("１，２３４件", Kind.COUNT)
    assert parsed.problems == (
        Problem("number-as-text", "info", "以文本形式填写的数字“１，２３４件”已按数值 1234 读取"),
    )


COUNT_BAD = [
    ("无", "not-a-number", "“无”不是数字，没有请填 0"),
    ("—", "not-a-number", "“—”不是数字，没有请填 0"),
    ("/", "not-a-number", "“/”不是数字，没有请填 0"),
    ("暂无", "not-a-number", "“暂无”不是数字，没有请填 0"),
    ("-", "not-a-number", "“-”不是数字，没有请填 0"),
    ("NaN", "not-a-number", "“NaN”不是数字，没有请填 0"),
    ("约100", "not-a-number", "“约100”不是数字，没有请填 0"),
    ("1.2.3", "not-a-number", "“1.2.3”不是数字，没有请填 0"),
    ("增5", "not-a-number", "“增5”不是数字，没有请填 0"),
    ("5元", "not-a-number", "“5元”不是数字，没有请填 0"),
    (float("nan"), "not-a-number", "单元格内容不是有效数字（NaN 或无穷大），请填入数字"),
    (float("inf"), "not-a-number", "单元格内容不是有效数字（NaN 或无穷大），请填入数字"),
    (Decimal("NaN"), "not-a-number", "单元格内容不是有效数字（NaN 或无穷大），请填入数字"),
    (True, "not-a-number", "“TRUE”是逻辑值，不是数字，请填入数字"),
    (False, "not-a-number", "“FALSE”是逻辑值，不是数字，请填入数字"),
    (5.5, "fraction", "件数应为整数，“5.5”不是整数，请改为整数"),
    ("2.5件", "fraction", "件数应为整数，“2.5件”不是整数，请改为整数"),
    (-3, "negative", "件数不能为负数，“-3”请改为 0 或正数"),
    ("-3", "negative", "件数不能为负数，“-3”请改为 0 或正数"),
    (99999999999, "too-large", "“99999999999”超过 1 亿，明显过大，请核实是否多填了数字"),
    (1e300, "too-large", "“1e+300”超过 1 亿，明显过大，请核实是否多填了数字"),
    ("1e300", "too-large", "“1e300”超过 1 亿，明显过大，请核实是否多填了数字"),
    (100_000_001, "too-large", "“100000001”超过 1 亿，明显过大，请核实是否多填了数字"),
    (
        "1,23",
        "not-a-number",
        "“1,23”中的逗号或空格位置不对，无法确定数值，请直接填写数字，中间不要加逗号或空格",
    ),
    (
        "#DIV/0!",
        "not-a-number",
        "单元格显示错误值“#DIV/0!”，请检查公式，或直接填入数字，没有请填 0",
    ),
    (
        "=SUM(B2:B5)",
        "not-a-number",
        "“=SUM(B2:B5)”是以等号开头的文字，不是数字（审核时不执行公式），请直接填入数字，没有请填 0",
    ),
]


@pytest.mark.parametrize(("raw", "code", "message"), COUNT_BAD)
def test_count_rejected(raw: object, code: str, message: str) -> None:
    parsed = parse_value(raw, Kind.COUNT)
    assert parsed == Parsed(None, (Problem(code, "error", message),))


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        (
            dt.datetime(2026, 1, 2),
            Kind.COUNT,
            "填写的内容被 Excel 当成了日期（2026年1月2日）。这里应填写件数，"
            "请把单元格格式改为“常规”后重新填写数字。",
        ),
        (
            dt.date(2025, 12, 3),
            Kind.MONEY,
            "填写的内容被 Excel 当成了日期（2025年12月3日）。这里应填写金额，"
            "请把单元格格式改为“常规”后重新填写数字。",
        ),
        (
            dt.datetime(2026, 1, 2, 18, 5),
            Kind.DELTA,
            "填写的内容被 Excel 当成了日期（2026年1月2日 18:05）。这里应填写增减数，"
            "请把单元格格式改为“常规”后重新填写数字。",
        ),
        (
            dt.time(12, 0),
            Kind.COUNT,
            "填写的内容被 Excel 当成了时间（12:00）。这里应填写件数，"
            "请把单元格格式改为“常规”后重新填写数字。",
        ),
    ],
)
def test_a_number_excel_turned_into_a_date_says_what_happened_and_what_to_do(
    raw: object, kind: Kind, message: str
) -> None:
    assert parse_value(raw, kind) == Parsed(
        None, (Problem("date-in-number-cell", "error", message),)
    )


def test_long_text_is_quoted_shortened() -> None:
    parsed = parse_value(
        "本单位今年没有收到任何申请，所以这里不填写数字，特此说明，谢谢", Kind.COUNT
    )
    assert codes(parsed) == ["not-a-number"]
    assert "…”不是数字" in parsed.problems[0].message


# --- deltas (2019 form 本年增/减) ----------------------------------------------------------

DELTA_TEXT = [
    ("减59", -59, "“减59”按 -59 读取"),
    ("增5", 5, "“增5”按 5 读取"),
    ("+5", 5, "“+5”按 5 读取"),
    ("-59", -59, "“-59”按 -59 读取"),
    ("--253", -253, "“--253”按 -253 读取（连续两个减号按一个负号处理），请核实"),
    ("－3", -3, "“－3”按 -3 读取"),
    ("\u22123", -3, "“\u22123”按 -3 读取"),
    ("+0", 0, "“+0”按 0 读取"),
    ("-0", 0, "“-0”按 0 读取"),
    ("0", 0, "“0”按 0 读取"),
    ("增加5", 5, "“增加5”按 5 读取"),
    ("减少3", -3, "“减少3”按 -3 读取"),
    ("下降3", -3, "“下降3”按 -3 读取"),
    ("上升3", 3, "“上升3”按 3 读取"),
    ("减 59 件", -59, "“减 59 件”按 -59 读取"),
    ("减０", 0, "“减０”按 0 读取"),
    ("持平", 0, "“持平”按 0 读取"),
    ("1,234", 1234, "“1,234”按 1234 读取"),
]


@pytest.mark.parametrize(("raw", "value", "message"), DELTA_TEXT)
def test_delta_notations(raw: str, value: int, message: str) -> None:
    parsed = parse_value(raw, Kind.DELTA)
    assert parsed == Parsed(value, (Problem("number-as-text", "info", message),))
    assert type(parsed.value) is int


@pytest.mark.parametrize(("raw", "value"), [(-59, -59), (-59.0, -59), (0, 0), (-0.0, 0), (7, 7)])
def test_delta_numbers(raw: object, value: int) -> None:
    assert parse_value(raw, Kind.DELTA) == Parsed(value, ())


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("减-5", "not-a-number"),
        ("增+5", "not-a-number"),
        ("---5", "not-a-number"),
        ("+-5", "not-a-number"),
        ("减", "not-a-number"),
        ("无变化", "not-a-number"),
        (-2.5, "fraction"),
        ("减2.5", "fraction"),
        (-100_000_001, "too-large"),
        ("减100000001", "too-large"),
    ],
)
def test_delta_rejected(raw: object, code: str) -> None:
    parsed = parse_value(raw, Kind.DELTA)
    assert parsed.value is None
    assert codes(parsed) == [code]


def test_delta_ambiguous_sign_message() -> None:
    assert parse_value("减-59", Kind.DELTA).problems[0].message == (
        "“减-59”同时用了文字和正负号，无法确定增减，请只填带符号的数字，如 -59 或 5"
    )


def test_delta_fraction_message() -> None:
    assert parse_value(-2.5, Kind.DELTA).problems[0].message == (
        "增减数应为整数，“-2.5”不是整数，请改为整数"
    )


# --- money ----------------------------------------------------------------------------

MONEY_FLOATS = [
    (274.65999999999997, "274.66"),
    (5949.088667, "5949.088667"),
    (0.1 + 0.2, "0.3"),
    (0.1 + 0.7, "0.8"),
    (103.3879, "103.3879"),
    (12.0, "12"),
    (1e12, "1000000000000"),
    (-0.0, "0"),
    (0.000123, "0.000123"),
]


@pytest.mark.parametrize(("raw", "text"), MONEY_FLOATS)
def test_money_floats_lose_binary_noise_only(raw: float, text: str) -> None:
    parsed = parse_value(raw, Kind.MONEY, unit="万元")
    assert parsed == Parsed(Decimal(text), ())
    assert str(parsed.value) == text


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (5, "5"),
        (Decimal("5949.088667"), "5949.088667"),
        ("5949.088667", "5949.088667"),
        ("103.3800", "103.3800"),  # digits as written are kept
        ("1,234.5", "1234.5"),
        ("１２．５", "12.5"),
        ("1E+2", "100"),
        (".5", "0.5"),
        ("0.123456789012345678901234567890123", "0.123456789012345678901234567890123"),
    ],
)
def test_money_exact(raw: object, text: str) -> None:
    parsed = parse_value(raw, Kind.MONEY, unit="万元")
    assert isinstance(parsed.value, Decimal)
    assert str(parsed.value) == text
    assert_contract(parsed)


MONEY_UNITS = [
    # (raw, unit, value, code, message)
    ("103.3879万元", "万元", "103.3879", "number-as-text", "“103.3879万元”按 103.3879 万元读取"),
    ("103万", "万元", "103", "number-as-text", "“103万”按 103 万元读取"),
    ("251000元", "万元", "25.1", "unit-converted", "“251000元”已换算为 25.1 万元，请核实"),
    ("1234.5元", "万元", "0.12345", "unit-converted", "“1234.5元”已换算为 0.12345 万元，请核实"),
    ("¥1,234.5", "万元", "0.12345", "unit-converted", "“¥1,234.5”已换算为 0.12345 万元，请核实"),
    ("￥1,234.5", "万元", "0.12345", "unit-converted", "“￥1,234.5”已换算为 0.12345 万元，请核实"),
    ("100000元", "万元", "10", "unit-converted", "“100000元”已换算为 10 万元，请核实"),
    ("1.5亿元", "万元", "15000", "unit-converted", "“1.5亿元”已换算为 15000 万元，请核实"),
    ("5万元", "元", "50000", "unit-converted", "“5万元”已换算为 50000 元，请核实"),
    (
        "103.3879万元",
        None,
        "103.3879",
        "unit-unclear",
        "金额带有单位“万元”，表格未规定单位，已按原数读取，请核实单位是否与其他单位一致",
    ),
    (
        "251000元",
        None,
        "251000",
        "unit-unclear",
        "金额带有单位“元”，表格未规定单位，已按原数读取，请核实单位是否与其他单位一致",
    ),
    (
        "5元",
        "美元",
        "5",
        "unit-unclear",
        "金额带有单位“元”，与表格规定的单位“美元”不同且无法换算，已按原数读取，请核实",
    ),
]


@pytest.mark.parametrize(("raw", "unit", "value", "code", "message"), MONEY_UNITS)
def test_money_units(raw: str, unit: str | None, value: str, code: str, message: str) -> None:
    parsed = parse_value(raw, Kind.MONEY, unit=unit)
    assert parsed == Parsed(Decimal(value), (Problem(code, CODES[code], message),))
    assert str(parsed.value) == value


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (-5, "negative", "金额不能为负数，“-5”请改为 0 或正数"),
        ("-3万元", "negative", "金额不能为负数，“-3万元”请改为 0 或正数"),
        (
            1e13,
            "too-large",
            "金额“10000000000000”超过 1 万亿，明显过大，请核实是否多填了数字或单位有误",
        ),
        ("1e300", "too-large", "金额“1e300”超过 1 万亿，明显过大，请核实是否多填了数字或单位有误"),
        ("无", "not-a-number", "“无”不是数字，没有请填 0"),
        ("5件", "not-a-number", "“5件”不是数字，没有请填 0"),
    ],
)
def test_money_rejected(raw: object, code: str, message: str) -> None:
    assert parse_value(raw, Kind.MONEY, unit="万元") == Parsed(
        None, (Problem(code, "error", message),)
    )


# --- text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [(" 区政府办公室\u3000", "区政府办公室"), (5, "5"), (5.5, "5.5"), (True, "TRUE"), ("无", "无")],
)
def test_text(raw: object, value: str) -> None:
    assert parse_value(raw, Kind.TEXT) == Parsed(value, ())


def test_kind_may_be_given_as_string() -> None:
    assert parse_value("5", "count").value == 5  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=MAX_COUNT)


@given(counts)
def test_count_round_trips_through_every_written_form(n: int) -> None:
    forms: list[object] = [
        n,
        float(n),
        str(n),
        f"{n:,}",
        f"{n:,}".replace(",", "，"),
        str(n).translate(FULL_WIDTH),
        f"{n:,}".translate(FULL_WIDTH),
        f"\u3000{n}件 ",
        Decimal(n),
    ]
    for form in forms:
        parsed = parse_value(form, Kind.COUNT)
        assert parsed.value == n, form
        assert type(parsed.value) is int
        assert codes(parsed) in ([], ["number-as-text"])


@given(st.integers(min_value=-MAX_COUNT, max_value=MAX_COUNT))
def test_delta_sign_handling(n: int) -> None:
    magnitude = str(abs(n))
    word = ("减" if n < 0 else "增") + magnitude
    signed = ("-" if n < 0 else "+") + magnitude
    for form in (n, float(n), str(n), word, signed, signed.translate(FULL_WIDTH)):
        assert parse_value(form, Kind.DELTA).value == n, form
    assert parse_value("--" + magnitude, Kind.DELTA).value == -abs(n)
    assert parse_value("减少" + magnitude, Kind.DELTA).value == -abs(n)


@given(st.decimals(min_value=0, max_value=10**11, places=6, allow_nan=False, allow_infinity=False))
def test_money_decimal_exact(d: Decimal) -> None:
    """Up to 15 significant digits survive a float cell; text keeps every digit."""
    assert parse_value(str(d), Kind.MONEY).value == d
    assert parse_value(d, Kind.MONEY).value == d
    if len(d.normalize().as_tuple().digits) <= 15:
        assert parse_value(float(d), Kind.MONEY).value == d


@given(st.decimals(min_value=0, max_value=10**8, places=2))
def test_money_yuan_to_wan_is_exact(d: Decimal) -> None:
    parsed = parse_value(f"{d}元", Kind.MONEY, unit="万元")
    assert parsed.value == d / 10000
    assert codes(parsed) == ["unit-converted"]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_never_raise(x: float) -> None:
    for kind in Kind:
        parsed = parse_value(x, kind)
        assert_contract(parsed)
        if kind is Kind.MONEY and parsed.value is not None:
            assert math.isclose(float(parsed.value), x, rel_tol=1e-14)


anything = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９,，.．+-－ \u3000eE件元万减增¥"),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(),
    st.dates(),
    st.binary(),
    st.lists(st.integers(), max_size=2),
)


@given(anything, st.sampled_from(list(Kind)), st.sampled_from([None, "万元", "元", "美元"]))
def test_parse_value_never_raises(raw: object, kind: Kind, unit: str | None) -> None:
    for blank_as_zero in (False, True):
        parsed = parse_value(raw, kind, unit=unit, blank_as_zero=blank_as_zero)
        assert_contract(parsed)
        if parsed.value is not None:
            expected = {Kind.COUNT: int, Kind.DELTA: int, Kind.MONEY: Decimal, Kind.TEXT: str}
            assert type(parsed.value) is expected[kind]
            if kind is Kind.COUNT:
                assert 0 <= parsed.value <= MAX_COUNT  # type: ignore[operator]
            if kind is Kind.MONEY:
                assert parsed.value >= 0  # type: ignore[operator]
        if kind is Kind.TEXT:
            assert parsed.ok


class Weird:
    def __repr__(self) -> str:
        raise RuntimeError("boom")

    __str__ = __repr__


def test_hostile_objects_do_not_raise() -> None:
    for raw in (Weird(), 10**5000, -(10**5000), Decimal("1e999999999"), "9" * 6000, "1e99999999"):
        for kind in Kind:
            assert_contract(parse_value(raw, kind))
