"""Tests for govxl.roster: the encodings and layouts Excel really produces, exact messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from govxl.roster import (
    MAX_FILENAME_BYTES,
    MAX_FILENAME_CHARS,
    Roster,
    RosterError,
    Unit,
    read_roster,
    safe_filename,
)

BASIC = "单位代码,单位名称,上级代码,备注\n001,区政府办公室,,x\n\n002,区发展和改革委员会,001,\n"
BASIC_UNITS = (
    Unit("001", "区政府办公室", None, 2),
    Unit("002", "区发展和改革委员会", "001", 4),
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]], name: str = "roster.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(RosterError) as info:
        read_roster(path)
    return str(info.value)


# --- reading --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, BASIC, encoding)
    roster = read_roster(path)
    assert roster == Roster(path, BASIC_UNITS)
    assert roster.by_code()["002"].name == "区发展和改革委员会"


def test_gbk_with_crlf_as_excel_saves_it(tmp_path: Path) -> None:
    path = write(tmp_path, BASIC.replace("\n", "\r\n"), "gbk")
    assert read_roster(path).units == BASIC_UNITS


@pytest.mark.parametrize("delimiter", ["\t", ";", "，"])
def test_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = write(tmp_path, BASIC.replace(",", delimiter))
    assert read_roster(path).units == BASIC_UNITS


def test_column_order_free_headers_trimmed_extra_ignored(tmp_path: Path) -> None:
    text = (
        "\ufeff 备注 ,\u3000单位名称 ,上级代码, 单位代码 ,联系人\n"
        "说明, 区教育局 , 001 , 003 ,张三\n"
        ",区政府办公室,,001,\n"
    )
    roster = read_roster(write(tmp_path, text))
    assert roster.units == (
        Unit("003", "区教育局", "001", 2, contact="张三"),
        Unit("001", "区政府办公室", None, 3),
    )


@pytest.mark.parametrize("phone", ["联系电话", "电话"])
def test_contacts_are_read_for_the_progress_list(tmp_path: Path, phone: str) -> None:
    text = f"单位代码,单位名称,联系人,{phone}\n001,甲,李四,0431-88886666\n002,乙,,\n"
    roster = read_roster(write(tmp_path, text))
    assert [(u.contact, u.phone) for u in roster.units] == [("李四", "0431-88886666"), ("", "")]


def test_parent_column_optional(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path, "单位名称,单位代码\n区民政局,010\n"))
    assert roster.units == (Unit("010", "区民政局", None, 2),)


def test_blank_rows_and_leading_blank_lines_skipped(tmp_path: Path) -> None:
    text = "\n,,\n单位代码,单位名称,备注\n\n,,\n001,甲,\n,,只有备注的行\n002,乙,\n"
    roster = read_roster(write(tmp_path, text))
    assert roster.units == (Unit("001", "甲", None, 6), Unit("002", "乙", None, 8))


def test_quoted_newline_keeps_line_numbers_right(tmp_path: Path) -> None:
    text = '单位代码,单位名称,备注\n001,甲,"两行\n的备注"\n002,乙,\n002,丙,\n'
    assert (
        error_of(write(tmp_path, text))
        == "名册 roster.csv 第 5 行：单位代码“002”重复（第 4 行已出现）。"
    )


def test_xlsx_numbers_and_text_codes(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path,
        [
            ["单位代码", "单位名称", "上级代码"],
            [1, "区政府办公室", None],
            [None, None, None],
            [2.0, "区财政局", 1],
            ["003", " 区审计局 ", "1"],
        ],
    )
    assert read_roster(path).units == (
        Unit("1", "区政府办公室", None, 2),
        Unit("2", "区财政局", "1", 4),
        Unit("003", "区审计局", "1", 5),
    )


def test_xlsx_reads_first_sheet_even_if_another_is_active(tmp_path: Path) -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(["单位名称", "单位代码"])
    first.append(["区司法局", "020"])
    other = workbook.create_sheet("说明")
    other.append(["这里是填表说明"])
    workbook.active = 1
    path = tmp_path / "名册.xlsx"
    workbook.save(path)
    assert read_roster(path).units == (Unit("020", "区司法局", None, 2),)


def test_xlsx_error_names_the_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, [[], ["单位代码", "单位名称"], ["001", "甲"], ["", "乙"]])
    assert error_of(path) == "名册 roster.xlsx 第 4 行：单位“乙”没有填写单位代码，请补上。"


# --- errors ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    assert error_of(path) == f"找不到名册文件 {path}，请检查文件名和所在文件夹是否正确。"


def test_unsupported_extension(tmp_path: Path) -> None:
    path = write(tmp_path, BASIC, name="roster.txt")
    assert error_of(path) == (
        "名册 roster.txt 的格式（.txt）不支持。"
        "请在 Excel 中用“另存为”保存为 .xlsx 或 .csv（逗号分隔）文件后再试。"
    )


def test_old_xls(tmp_path: Path) -> None:
    path = write(tmp_path, "x", name="roster.xls")
    assert error_of(path) == (
        "名册 roster.xls 是旧版 Excel/WPS 格式（.xls），无法读取。"
        "请在 Excel 或 WPS 中用“另存为”保存为 .xlsx 或 .csv 文件后再试。"
    )


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = write(tmp_path, "not a zip", name="roster.xlsx")
    assert error_of(path) == (
        "名册 roster.xlsx 无法打开，文件可能已损坏、被加密或不是 Excel 文件。"
        "请在 Excel 中打开确认后重新“另存为” .xlsx 文件再试。"
    )


def test_undecodable_csv(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x80\x80\xff\xff")
    assert error_of(path) == (
        "名册 roster.csv 的文字编码无法识别，请在 Excel 中用“另存为”选择“CSV UTF-8（逗号分隔）”"
        "或保存为 .xlsx 后再试。"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "代码,单位名称\n001,甲\n",
            "名册 roster.csv 第 1 行：缺少“单位代码”列（表头找到的列：“代码”、“单位名称”）。"
            "请在表头加上“单位代码”列。",
        ),
        (
            "\n单位代码,名称,备注\n001,甲,\n",
            "名册 roster.csv 第 2 行：缺少“单位名称”列"
            "（表头找到的列：“单位代码”、“名称”、“备注”）。请在表头加上“单位名称”列。",
        ),
        (
            "001,甲\n",
            "名册 roster.csv 第 1 行：缺少“单位代码”列（表头找到的列：“001”、“甲”）。"
            "请在表头加上“单位代码”列。",
        ),
        (
            "单位代码,单位名称,单位代码\n001,甲,001\n",
            "名册 roster.csv 第 1 行：表头“单位代码”出现了两次（第 A 列和第 C 列），"
            "请删去多余的一列。",
        ),
        (
            "单位代码,单位名称\n001,甲\n003,乙\n\n003,丙\n",
            "名册 roster.csv 第 5 行：单位代码“003”重复（第 3 行已出现）。",
        ),
        (
            "单位代码,单位名称\nA01,甲\na01,乙\n",
            "名册 roster.csv 第 3 行：单位代码“a01”与第 2 行的“A01”只差大小写，"
            "生成的文件会同名，请改为不同的代码。",
        ),
        (
            "单位代码,单位名称\n001,甲\n ,乙\n",
            "名册 roster.csv 第 3 行：单位“乙”没有填写单位代码，请补上。",
        ),
        (
            "单位代码,单位名称,上级代码\n001,甲,\n,,001\n",
            "名册 roster.csv 第 3 行：没有填写单位代码和单位名称，请补上，或删除这一行。",
        ),
        (
            '单位代码,单位名称\n"a\tb\x01",甲\n',
            "名册 roster.csv 第 2 行：单位代码“a\tb\x01”含有不能用于文件名的字符 控制字符，"
            "请改用字母、数字或短横线。",
        ),
        (
            "单位代码,单位名称\n001,甲\n002,\u3000\n",
            "名册 roster.csv 第 3 行：单位代码“002”没有填写单位名称，请补上。",
        ),
        (
            "单位代码,单位名称\n001/2,甲\n",
            "名册 roster.csv 第 2 行：单位代码“001/2”含有不能用于文件名的字符 “/”，"
            "请改用字母、数字或短横线。",
        ),
        (
            '单位代码,单位名称\n"a:b*c",甲\n',
            "名册 roster.csv 第 2 行：单位代码“a:b*c”含有不能用于文件名的字符 “*”、“:”，"
            "请改用字母、数字或短横线。",
        ),
        (
            "单位代码,单位名称,上级代码\n001,甲,001\n",
            "名册 roster.csv 第 2 行：单位“甲”的上级代码就是它自己的代码“001”，请改正。",
        ),
        (
            "单位代码,单位名称,上级代码\n001,甲,000\n002,乙,003\n003,丙,002\n",
            "名册 roster.csv 第 3 行：上级代码形成了循环：“002” → “003” → “002”，请改正上级代码。",
        ),
        (
            "单位代码,单位名称,上级代码\n\n,,\n",
            "名册 roster.csv 中没有任何单位。请在表头下面逐行填写“单位代码”和“单位名称”。",
        ),
        (
            "",
            "名册 roster.csv 是空的。请在第一行填写表头“单位代码”“单位名称”，"
            "从第二行起每行填写一个单位。",
        ),
        (
            "\n,,\n\n",
            "名册 roster.csv 是空的。请在第一行填写表头“单位代码”“单位名称”，"
            "从第二行起每行填写一个单位。",
        ),
    ],
)
def test_error_messages(tmp_path: Path, text: str, message: str) -> None:
    assert error_of(write(tmp_path, text)) == message


def test_error_carries_line(tmp_path: Path) -> None:
    path = write(tmp_path, "单位代码,单位名称\n001,甲\n001,乙\n", "gbk")
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert (info.value.path, info.value.line) == (path, 3)


def test_parent_outside_roster_allowed(tmp_path: Path) -> None:
    """The parent may be the district office itself, which is not a reporting unit."""
    roster = read_roster(write(tmp_path, "单位代码,单位名称,上级代码\n001,甲,QU\n"))
    assert roster.units[0].parent_code == "QU"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(
            st.lists(
                st.sampled_from(
                    [
                        "单位代码",
                        "单位名称",
                        "上级代码",
                        "001",
                        "002",
                        "甲",
                        "",
                        " ",
                        '"',
                        "a/b",
                        "\u3000",
                    ]
                ),
                max_size=4,
            ),
            max_size=6,
        ).map(lambda rows: "\n".join(",".join(r) for r in rows).encode("gb18030")),
    )
)
def test_any_csv_gives_roster_or_roster_error(tmp_path: Path, data: bytes) -> None:
    """Whatever a clerk saves, the tool answers with units or a readable message."""
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    try:
        roster = read_roster(path)
    except RosterError as exc:
        assert str(exc).startswith("名册 roster.csv ")
    else:
        codes = [u.code.casefold() for u in roster.units]
        assert roster.units and len(codes) == len(set(codes))
        assert all(u.code and u.name and u.line >= 2 for u in roster.units)


# --- safe_filename --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "suffix", "expected"),
    [
        ("001", "区政府办公室", ".xlsx", "001-区政府办公室.xlsx"),
        ("001", 'a<b>c:d"e/f\\g|h?i*j', ".xlsx", "001-a_b_c_d_e_f_g_h_i_j.xlsx"),
        ("001", "甲\n乙\t丙\x7f", ".xlsx", "001-甲_乙_丙_.xlsx"),
        ("001", "区教育局（本级）. . ", ".xlsx", "001-区教育局（本级）.xlsx"),
        ("001", "  区民政局  ", ".csv", "001-区民政局.csv"),
        ("001", "", ".xlsx", "001.xlsx"),
        ("CON", "", ".xlsx", "_CON.xlsx"),
        ("con", "", ".xlsx", "_con.xlsx"),
        ("NUL", "", "", "_NUL"),
        ("COM1", "", ".xlsx", "_COM1.xlsx"),
        ("lpt9", "", ".xlsx", "_lpt9.xlsx"),
        ("AUX.1", "甲", ".xlsx", "_AUX.1-甲.xlsx"),
        ("CON", "区政府", ".xlsx", "CON-区政府.xlsx"),  # "CON-区政府" is not a device name
        ("COM10", "", ".xlsx", "COM10.xlsx"),
        ("", "", ".xlsx", "_.xlsx"),
        ("...", "", ".xlsx", "_.xlsx"),
        ("001", "a\udc80b", ".xlsx", "001-a_b.xlsx"),  # undecodable byte from a file name
    ],
)
def test_safe_filename(code: str, name: str, suffix: str, expected: str) -> None:
    assert safe_filename(code, name, suffix) == expected


def test_safe_filename_long_chinese_name_keeps_code_and_suffix() -> None:
    result = safe_filename("123", "区" * 500)
    assert result.startswith("123-区") and result.endswith(".xlsx")
    assert len(result) <= MAX_FILENAME_CHARS
    assert len(result.encode("utf-8")) <= MAX_FILENAME_BYTES


def test_safe_filename_truncation_does_not_leave_trailing_dot() -> None:
    name = "a" * (MAX_FILENAME_CHARS - len("1-.xlsx") - 1) + ". b"
    result = safe_filename("1", name)
    assert not result[: -len(".xlsx")].endswith((".", " "))


@given(st.text(max_size=30), st.text(max_size=300), st.sampled_from([".xlsx", ".csv", ""]))
def test_safe_filename_always_safe(code: str, name: str, suffix: str) -> None:
    result = safe_filename(code, name, suffix)
    base = result[: len(result) - len(suffix)]
    assert result.endswith(suffix)
    assert base and not base.endswith((".", " "))
    assert not any(ch in '<>:"/\\|?*' or ord(ch) < 32 for ch in result)
    assert len(result) <= MAX_FILENAME_CHARS
    assert len(result.encode("utf-8", "surrogatepass")) <= MAX_FILENAME_BYTES
    assert base.split(".")[0].rstrip(" ").upper() not in {"CON", "PRN", "AUX", "NUL", "COM1"}
