"""Fuzzing the reader and the value parser: whatever arrives, no uncaught exception (issue 7).

A real return is damaged at random - bytes of the zip flipped, cut, inserted, and the inflated
XML of its parts mutated and zipped up again with correct sizes and CRCs, so the damage reaches
the XML and cell layers instead of stopping at the zip checks - and read with ``read_workbook``
(only ``ReadError`` may come out) and ``inspect_file`` (nothing may come out: every problem is a
finding). ``parse_value`` gets arbitrary text and arbitrary objects and must keep its contract.

Each test counts the inputs it tried, asserts the count and records it in the pytest report
(``record_testsuite_property``, which also reaches a ``--junitxml`` report for CI; printed with
``-rA``). A bounded run is part of every test run; for a long run set ``GOVXL_FUZZ_EXAMPLES``
(docs/security.md gives the command and the numbers of one).
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hostile.make_corpus import compound_file, encrypted_workbook, good_return, unbalanced
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govxl.check.read import inspect_file
from govxl.reader import RawWorkbook, ReadError, read_workbook
from govxl.template.writer import render
from govxl.values import CODES, ERROR, Kind, Parsed, parse_value

EXAMPLES = int(os.environ.get("GOVXL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def seed_return() -> bytes:
    """A real return, with a rule failing so the checks have findings to make."""
    ret = unbalanced(good_return("001", "种子单位"))
    ret.values["t2.rules.issued"] = "１２件"  # text that parses, with a note
    ret.notes = [("R1", "说明")]
    return render(ret)


def report(name: str, tried: int, record_testsuite_property: Callable[[str, object], None]) -> None:
    """Put the number of inputs tried in the pytest report, and insist on the full budget."""
    record_testsuite_property(f"fuzz_inputs[{name}]", tried)
    print(f"{name}: {tried} inputs tried")
    assert tried >= EXAMPLES


# ---------------------------------------------------------------- mutations
TOKENS = [
    b"<!DOCTYPE x>", b'<!ENTITY a "b">', b"&a;", b"&amp;", b"&#0;", b"&#x110000;", b"<![CDATA[",
    b"]]>", b"<", b">", b"/>", b'"', b"=", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xe4\xb8",
    b'<c r="XFD1048576"><v>1</v></c>', b'<c r="A0"><v>1</v></c>', b'<c r="ZZZZ1">', b' t="s"',
    b' t="e"', b' t="b"', b' t="d"', b' t="inlineStr"', b"<v>99999999999999999999999999</v>",
    b"<v>1e999</v>", b"<v>-0</v>", b"<v>NaN</v>", b"<v>-1</v>", b'<f t="shared" si="0"/>',
    b'<f t="shared" si="0" ref="A1:Z99">A1</f>', b'<row r="0">', b'<row r="9999999">',
    b'encoding="utf-16"', b'encoding="gbk"', b"<x:c>", b"_x000D_",
    '<sheet name="二 主动公开"'.encode(),
    b'state="veryHidden"', b'Target="../../../etc/passwd"', b'TargetMode="External"',
    b'sheet="1"', b"<si><t>", b"</si>", b"<rPh><t>x</t></rPh>",
]  # fmt: skip
"""Fragments that mean something to a spreadsheet reader, spliced in as well as random bytes."""

OPS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert", "delete", "overwrite"]),
        st.integers(0, 2**31),
        st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=16)),
    ),
    min_size=1,
    max_size=6,
)


def mutate(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray(data)
    for op, pos, extra in ops:
        if not out:
            break
        i = pos % len(out)
        if op == "flip":
            out[i] ^= extra[0] or 0x20
        elif op == "cut":
            del out[i:]
        elif op == "insert":
            out[i:i] = extra
        elif op == "delete":
            del out[i : i + len(extra)]
        else:
            out[i : i + len(extra)] = extra
    return bytes(out)


def rezip(xlsx: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one member's inflated content changed, sizes and CRC made right."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == member else body)
    return out.getvalue()


def must_read_or_refuse(path: Path) -> None:
    """``read_workbook`` returns a workbook or raises ReadError with a Chinese message; and
    ``inspect_file`` never raises at all."""
    try:
        wb = read_workbook(path)
        assert isinstance(wb, RawWorkbook)
    except ReadError as err:
        assert err.code and err.message and path.name in err.message
    res = inspect_file(path)
    assert res.readable or res.errors, "a file that could not be read must say why"


# ---------------------------------------------------------------- the reader
def test_reader_survives_damaged_zips(
    seed_return: bytes, tmp_path: Path, record_testsuite_property: Callable[[str, object], None]
) -> None:
    path = tmp_path / "损坏.xlsx"

    tried = 0

    @FUZZ
    @given(ops=OPS)
    def damaged_zip(ops: list[tuple[str, int, bytes]]) -> None:
        nonlocal tried
        tried += 1
        path.write_bytes(mutate(seed_return, ops))
        must_read_or_refuse(path)

    damaged_zip()
    report("damaged zip", tried, record_testsuite_property)


MEMBERS = [
    "xl/worksheets/sheet3.xml",  # 二 主动公开
    "xl/worksheets/sheet4.xml",  # 三 依申请
    "xl/worksheets/sheet8.xml",  # the identity sheet
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "_rels/.rels",
    "[Content_Types].xml",
    "docProps/core.xml",
    "xl/styles.xml",
]


def test_reader_survives_damaged_xml_inside_a_sound_zip(
    seed_return: bytes, tmp_path: Path, record_testsuite_property: Callable[[str, object], None]
) -> None:
    path = tmp_path / "改动.xlsx"

    tried = 0

    @FUZZ
    @given(member=st.sampled_from(MEMBERS), ops=OPS)
    def damaged_xml(member: str, ops: list[tuple[str, int, bytes]]) -> None:
        nonlocal tried
        tried += 1
        path.write_bytes(rezip(seed_return, member, lambda body: mutate(body, ops)))
        must_read_or_refuse(path)

    damaged_xml()
    report("damaged xml", tried, record_testsuite_property)


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def biff8_workbook() -> bytes:
    """A small legacy .xls made by hand (BIFF8 in a compound file): one sheet with a number, two
    shared strings and an RK number, so calamine's BIFF parser has real records to read."""
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0600)
    name = "表1".encode("utf-16-le")
    strings = b"".join(struct.pack("<HB", len(t), 1) + t.encode("utf-16-le")
                       for t in ("正阳街道", "=cmd|' /C calc'!A0"))  # fmt: skip
    head = [_record(0x0809, bof), _record(0x0042, struct.pack("<H", 1200))]
    tail = [_record(0x00FC, struct.pack("<II", 2, 2) + strings), _record(0x000A, b"")]
    sheet_at = sum(map(len, head + tail)) + len(_record(0x0085, bytes(8) + name))
    sheet = [
        _record(0x0809, bof[:2] + struct.pack("<H", 0x0010) + bof[4:]),
        _record(0x0200, struct.pack("<IIHHH", 0, 3, 0, 2, 0)),
        _record(0x0203, struct.pack("<HHHd", 0, 0, 15, 42.0)),
        _record(0x00FD, struct.pack("<HHHI", 0, 1, 15, 0)),
        _record(0x00FD, struct.pack("<HHHI", 1, 1, 15, 1)),
        _record(0x027E, struct.pack("<HHHI", 2, 0, 15, (7 << 2) | 2)),
        _record(0x000A, b""),
    ]
    bound = _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 2, 1) + name)
    return compound_file({"Workbook": b"".join([*head, bound, *tail, *sheet])})


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_workbook() -> bytes:
    """A small .ods made by hand: repeated rows and columns, a number, a text, a formula."""
    cells = (
        '<table:table-row table:number-rows-repeated="2"><table:table-cell '
        'table:number-columns-repeated="3"/><table:table-cell office:value-type="float" '
        'office:value="7"><text:p>7</text:p></table:table-cell></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>正阳街道</text:p>'
        '</table:table-cell><table:table-cell table:formula="of:=[.A1]+1" '
        'office:value-type="float" office:value="8"/></table:table-row>'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}>'
        '<office:body><office:spreadsheet><table:table table:name="表" table:protected="true">'
        f"{cells}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:'
                    'names:tc:opendocument:xmlns:manifest:1.0"/>')  # fmt: skip
    return out.getvalue()


def test_the_hand_made_seeds_are_readable_workbooks(tmp_path: Path) -> None:
    """Otherwise the fuzz below would only ever exercise the refusals."""
    for name, data in (("seed.xls", biff8_workbook()), ("seed.ods", ods_workbook())):
        (tmp_path / name).write_bytes(data)
        cells = next(iter(read_workbook(tmp_path / name).sheets.values())).cells
        assert "正阳街道" in {c.value for c in cells.values()}, name


def test_reader_survives_damaged_legacy_and_open_formats(
    tmp_path: Path, record_testsuite_property: Callable[[str, object], None]
) -> None:
    """The paths through calamine (.xls, .ods) and the OLE checks (encrypted workbooks): hand-made
    seeds damaged at the byte level, and the .ods content damaged inside a sound zip."""
    seeds = {"xls": biff8_workbook(), "encrypted": encrypted_workbook(), "ods": ods_workbook()}
    tried = 0

    @FUZZ
    @given(seed=st.sampled_from(sorted(seeds)), inside=st.booleans(), ops=OPS)
    def damaged(seed: str, inside: bool, ops: list[tuple[str, int, bytes]]) -> None:
        nonlocal tried
        tried += 1
        if seed == "ods" and inside:
            data = rezip(seeds[seed], "content.xml", lambda body: mutate(body, ops))
        else:
            data = mutate(seeds[seed], ops)
        path = tmp_path / f"旧格式.{'ods' if seed == 'ods' else 'xls'}"
        path.write_bytes(data)
        must_read_or_refuse(path)

    damaged()
    report("damaged xls / ods / compound file", tried, record_testsuite_property)


# ---------------------------------------------------------------- the value parser
DIGITS = "0123456789０１２３４５６７８９+-－−.．,，eEＥ万元亿千件个减增少持平人民币RMB¥￥"
DIGITS += " \u3000\u200b\t%()（）"
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**17, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.complex_numbers(),
    st.text(),
    st.text(alphabet=DIGITS, max_size=30),
    st.sampled_from(["1e999999999", "-0", "NaN", "inf", "--5", "1,2,3", "=1+1", "#DIV/0!"]),
    st.binary(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.lists(st.integers(), max_size=3),
    st.builds(object),
)
TYPES = {Kind.COUNT: int, Kind.DELTA: int, Kind.MONEY: Decimal, Kind.TEXT: str}


def test_parse_value_keeps_its_contract_for_anything(
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    """Never raises; value is None exactly when a problem is an error; the type fits the kind;
    problem codes are the documented ones, with a message."""
    tried = 0

    @FUZZ
    @given(
        raw=ANYTHING,
        kind=st.sampled_from(list(Kind)),
        unit=st.sampled_from([None, "万元", "元", "亿元", "千元", "件"]),
        blank_as_zero=st.booleans(),
    )
    def anything(raw: object, kind: Kind, unit: str | None, blank_as_zero: bool) -> None:
        nonlocal tried
        tried += 1
        parsed = parse_value(raw, kind, unit=unit, blank_as_zero=blank_as_zero)
        assert isinstance(parsed, Parsed)
        errors = [p for p in parsed.problems if p.severity == ERROR]
        assert (parsed.value is None) == bool(errors), (raw, parsed)
        if parsed.value is not None:
            assert type(parsed.value) is TYPES[kind], (raw, parsed)
        for p in parsed.problems:
            assert CODES[p.code] == p.severity and p.message

    anything()
    report("parse_value", tried, record_testsuite_property)


@pytest.mark.parametrize(
    "raw",
    [datetime(2025, 1, 1), date(2025, 1, 1), time(1, 2), timedelta(days=1), float("nan"),
     Decimal("sNaN"), Decimal("-Infinity"), 10**400, -0.0, 1e300, b"\xff", [1], object()],
    ids=repr,
)  # fmt: skip
def test_parse_value_with_values_a_cell_library_can_hand_back(raw: object) -> None:
    """What openpyxl or calamine may produce, and a signalling NaN that raises on comparison."""
    for kind in Kind:
        parsed = parse_value(raw, kind)
        assert (parsed.value is None) == any(p.severity == ERROR for p in parsed.problems)


def test_the_fuzz_counts_reach_a_junit_report_for_ci(tmp_path: Path) -> None:
    """CI systems read ``--junitxml``: the fuzz tests run under it and leave their counts there."""
    import subprocess
    import sys

    report_xml = tmp_path / "junit.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
         "-k", "parse_value_keeps_its_contract", f"--junitxml={report_xml}"],
        capture_output=True, text=True, cwd=Path(__file__).parent.parent,
        env={**os.environ, "GOVXL_FUZZ_EXAMPLES": "5"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'name="fuzz_inputs[' in report_xml.read_text(encoding="utf-8")
