"""The worksheet fast path must read exactly what the hardened expat path reads."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from govxl.forms import load_form
from govxl.forms.layout import layout
from govxl.office import convert
from govxl.reader import Limits
from govxl.reader import xlsx as reader
from govxl.reader.core import Archive, load_file
from govxl.samples import random_return
from govxl.template.writer import render


def _both(path: Path) -> list[tuple[str, object, object]]:
    """(part, fast result, expat result) for every worksheet part of the file."""
    limits = Limits()
    out = []
    for i in range(1, 12):
        part = f"xl/worksheets/sheet{i}.xml"
        arc = Archive(load_file(path, limits), limits)
        if not arc.has(part):
            break
        sst = (
            reader._shared_strings(arc, "xl/sharedStrings.xml")
            if arc.has("xl/sharedStrings.xml")
            else []
        )
        fast = reader._parse_sheet(arc, part, part, sst, 10**6)
        slow = reader._stream_sheet(
            Archive(load_file(path, limits), limits), part, part, sst, 10**6
        )
        out.append((part, fast, slow))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory, soffice):
    tmp = tmp_path_factory.mktemp("fast")
    made = []
    for form_id, year in (("gb2019", 2020), ("gb2021", 2025)):
        ret = random_return(
            load_form(form_id), random.Random(5), year=year, code="1", name="单位 & <测试>"
        )
        ret.texts["p1"] = "第一行\n第二行 “引号” & <尖括号>"
        p = tmp / f"{form_id}.xlsx"
        p.write_bytes(render(ret, generated=datetime(2026, 1, 1)))
        made.append(p)
        wb = openpyxl.load_workbook(p)
        wb["三 依申请"][layout(load_form(form_id), "t3", year).a1("t3.r1.natural")] = "减59"
        q = tmp / f"{form_id}-openpyxl.xlsx"
        wb.save(q)
        made.append(q)
    converted = convert(made[:], tmp / "lo", "xlsx")
    return made + list(converted.values())


def test_fast_path_equals_expat_path(files):
    compared = 0
    for path in files:
        for part, fast, slow in _both(path):
            assert fast.cells == slow.cells, (path.name, part)
            assert fast.protected == slow.protected, (path.name, part)
            assert (fast.max_row, fast.max_col) == (slow.max_row, slow.max_col)
            compared += len(fast.cells)
    assert compared > 1000


def test_fast_path_declines_what_it_does_not_know():
    from govxl.reader import fastsheet

    assert fastsheet.scan(b"<!DOCTYPE x><worksheet></worksheet>") is None
    assert fastsheet.scan(b'<x:worksheet><x:c r="A1"/></x:worksheet>') is None
    assert fastsheet.scan(b'<worksheet><c t="s"><v>0</v></c></worksheet>') is None  # no r=
    shared = b'<worksheet><c r="B1"><f t="shared" si="0"/></c></worksheet>'
    assert fastsheet.scan(shared) is None
    assert fastsheet.scan(b'<worksheet><c r="A1"><v>1</v></c>') is None  # cut short


def test_fast_shared_strings_equal_expat(files):
    limits = Limits()
    for path in files:
        arc = Archive(load_file(path, limits), limits)
        if not arc.has("xl/sharedStrings.xml"):
            continue  # a writer that keeps its strings inline
        fast = reader._shared_strings(arc, "xl/sharedStrings.xml")
        slow = reader._stream_shared_strings(
            Archive(load_file(path, limits), limits), "xl/sharedStrings.xml"
        )
        assert fast == slow and len(fast) > 50, path.name


def _zipfile_view(data: bytes) -> list[tuple[object, ...]]:
    import io
    import zipfile

    return [
        (
            i.filename,
            i.flag_bits,
            i.compress_type,
            i.CRC,
            i.compress_size,
            i.file_size,
            i.header_offset,
        )
        for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
    ]


def test_plain_zip_directory_equals_zipfiles(files):
    from govxl.reader.core import _plain_directory

    for path in files:
        data = path.read_bytes()
        ours = _plain_directory(data)
        assert ours is not None, path.name  # what the usual writers make takes the fast path
        assert [tuple(e) for e in ours] == _zipfile_view(data), path.name


def test_plain_zip_directory_declines_the_unusual(files):
    """A comment, bytes before the zip, or a cut directory: zipfile reads those (or refuses)."""
    import io
    import zipfile

    from govxl.reader.core import _plain_directory

    data = files[0].read_bytes()
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = b"note"
    assert _plain_directory(buf.getvalue()) is None
    assert _plain_directory(b"junk" + data) is None
    assert _plain_directory(data[:-30] + data[-22:]) is None
    assert _plain_directory(b"") is None
