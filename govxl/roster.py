"""The list of reporting units (名册) that templates are sent to and returns collected from.

The roster is maintained by an office clerk, usually in Excel on Chinese Windows, and
saved either as .xlsx or as a CSV in whatever encoding Excel chose (GBK, UTF-8 with or
without BOM, UTF-16 "Unicode text").  Unit codes become file names, so every code must
be unique (also ignoring case: Windows file names are case-insensitive) and usable in a
Windows file name.  Every error names the file and the line so the clerk can fix it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

COL_CODE = "单位代码"
COL_NAME = "单位名称"
COL_PARENT = "上级代码"
COL_CONTACT = "联系人"
COL_PHONES = ("联系电话", "电话")
"""Optional columns: whom to call when a unit's return is late or wrong (报送进度 lists them)."""

#: Characters Windows refuses in file names (plus control characters, checked separately).
WINDOWS_ILLEGAL = '<>:"/\\|?*'
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
)
_BLANKS = "\ufeff\u200b\u200c\u200d\u2060"
_EDGE = re.compile(rf"^[\s{_BLANKS}]+|[\s{_BLANKS}]+$")
MAX_FILENAME_CHARS = 120
#: ext4 and most Linux file systems allow 255 bytes; stay well below for CJK names.
MAX_FILENAME_BYTES = 240


@dataclass(frozen=True)
class Unit:
    """One reporting unit; ``line`` is the 1-based line/row in the roster, for messages."""

    code: str
    name: str
    parent_code: str | None = None
    line: int = 0
    contact: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Roster:
    """All units of one roster file, in file order."""

    path: Path
    units: tuple[Unit, ...]

    def by_code(self) -> Mapping[str, Unit]:
        """Look units up by code (codes are unique, see :func:`read_roster`); built once, as
        the desk looks a unit up for every upload."""
        return self._by_code

    @cached_property
    def _by_code(self) -> Mapping[str, Unit]:
        return {unit.code: unit for unit in self.units}


class RosterError(Exception):
    """Message in Chinese naming the file and the line, e.g.
    名册 roster.csv 第 5 行：单位代码“003”重复（第 3 行已出现）。
    """

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line


def name_key(name: str) -> str:
    """A unit name as names are compared, not shown: ``测试区　第27单位`` (a full-width space
    typed by a Chinese IME), ``测试区 第２７单位`` and ``测试区第27单位`` are one unit.

    NFKC turns full-width letters, digits, spaces and punctuation (``（）``, ``，``, ``－``)
    into their half-width forms; then every whitespace and invisible character goes, and
    Latin letters are case-folded.
    """
    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _BLANKS).casefold()


PLACE_ENDS = "省市州盟区县旗"
"""Where the name of a district (or city, county …) ends inside a unit's name."""


def shared_place(names: Sequence[str]) -> str:
    """The district (or city) every unit's name starts with — 测试区 of 测试区财政局 and
    测试区城关镇人民政府 — or "" if they share none (or there is only one name)."""
    if len(names) < 2:
        return ""
    common = names[0]
    for n in names[1:]:
        while not n.startswith(common):
            common = common[:-1]
    end = max(common.rfind(ch) for ch in PLACE_ENDS)
    return common[: end + 1] if end >= 0 else ""


def _clean(value: object) -> str:
    """Cell text as the clerk sees it: trimmed, numbers without a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel stores a typed code 1 as 1.0; keep it "1" so it matches file names.
        value = int(value) if value.is_integer() else format(value, ".15g")
    return _EDGE.sub("", str(value))


def read_roster(path: Path) -> Roster:
    """Read a roster from .csv or .xlsx; raise :class:`RosterError` with a fix-it message."""
    path = Path(path)
    label = f"名册 {path.name}"
    if not path.is_file():
        raise RosterError(f"找不到名册文件 {path}，请检查文件名和所在文件夹是否正确。", path=path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, label)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, label)
    elif suffix in (".xls", ".et", ".wps"):
        raise RosterError(
            f"{label} 是旧版 Excel/WPS 格式（{suffix}），无法读取。"
            "请在 Excel 或 WPS 中用“另存为”保存为 .xlsx 或 .csv 文件后再试。",
            path=path,
        )
    else:
        raise RosterError(
            f"{label} 的格式（{suffix or '无扩展名'}）不支持。"
            "请在 Excel 中用“另存为”保存为 .xlsx 或 .csv（逗号分隔）文件后再试。",
            path=path,
        )
    return Roster(path=path, units=_units(rows, path, label))


def _csv_rows(path: Path, label: str) -> Iterator[tuple[int, list[str]]]:
    """Decode the way Excel saves CSV on Chinese Windows and yield (line, cells)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(
            f"{label} 无法打开，可能正被 Excel 等程序占用或没有读取权限，请关闭该文件后再试。",
            path=path,
        ) from exc
    text = _decode(data, path, label)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip(_BLANKS + " \t,;，")), "")
    delimiter = _pick_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, [_clean(c) for c in cells]
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RosterError(
            f"{label} 第 {start} 行：格式有误，多半是引号没有成对，请在 Excel 中检查该行。",
            path=path,
            line=start,
        ) from exc


def _decode(data: bytes, path: Path, label: str) -> str:
    """utf-8 (with or without BOM) first, then UTF-16 by BOM, then GB18030 (superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(
        f"{label} 的文字编码无法识别，请在 Excel 中用“另存为”选择“CSV UTF-8（逗号分隔）”"
        "或保存为 .xlsx 后再试。",
        path=path,
    )


def _pick_delimiter(header: str) -> str:
    """Choose the delimiter that makes the header contain the required column titles.

    csv.Sniffer guesses wrongly on short Chinese files; the header is a far better clue.
    Comma is preferred; the Chinese comma is tried last, since unit names may contain it.
    """
    for delimiter in (",", "\t", ";", "，"):
        cells = {_header_key(c) for c in next(csv.reader([header], delimiter=delimiter), [])}
        if {COL_CODE, COL_NAME} <= cells:
            return delimiter
    return ","


def _xlsx_rows(path: Path, label: str) -> Iterator[tuple[int, list[str]]]:
    """First worksheet, 1-based row numbers as Excel shows them."""
    from openpyxl import load_workbook  # deferred: only .xlsx rosters pay for the import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=False, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise RosterError(
            f"{label} 无法打开，文件可能已损坏、被加密或不是 Excel 文件。"
            "请在 Excel 中打开确认后重新“另存为” .xlsx 文件再试。",
            path=path,
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for row_number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            yield row_number, [_clean(value) for value in row]
    finally:
        workbook.close()


def _header_key(cell: str) -> str:
    """Header titles compare without BOM and blanks, so "单位 代码" still matches."""
    return re.sub(rf"[\s{_BLANKS}]+", "", cell)


def _column_letter(index: int) -> str:
    """0-based column index to the letter Excel shows (A, B, ..., AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _units(rows: Iterable[tuple[int, list[str]]], path: Path, label: str) -> tuple[Unit, ...]:
    """Validate rows into units; the first row with any content is the header."""
    rows = iter(rows)

    def fail(line: int, message: str) -> RosterError:
        return RosterError(f"{label} 第 {line} 行：{message}", path=path, line=line)

    first = next(((line, cells) for line, cells in rows if any(cells)), None)
    if first is None:
        raise RosterError(
            f"{label} 是空的。请在第一行填写表头“{COL_CODE}”“{COL_NAME}”，"
            "从第二行起每行填写一个单位。",
            path=path,
        )
    header_line, header = first
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _header_key(title)
        if key in columns and key in (COL_CODE, COL_NAME, COL_PARENT):
            col_a, col_b = _column_letter(columns[key]), _column_letter(index)
            raise fail(
                header_line,
                f"表头“{key}”出现了两次（第 {col_a} 列和第 {col_b} 列），请删去多余的一列。",
            )
        columns.setdefault(key, index)
    for required in (COL_CODE, COL_NAME):
        if required not in columns:
            found = "、".join(f"“{c}”" for c in header if c) or "（无）"
            raise fail(
                header_line,
                f"缺少“{required}”列（表头找到的列：{found}）。请在表头加上“{required}”列。",
            )

    def cell(cells: list[str], title: str) -> str:
        index = columns.get(title)
        return cells[index] if index is not None and index < len(cells) else ""

    units: list[Unit] = []
    seen: dict[str, tuple[str, int]] = {}  # casefolded code -> (code as written, line)
    for line, cells in rows:
        code, name = cell(cells, COL_CODE), cell(cells, COL_NAME)
        parent = cell(cells, COL_PARENT)
        if not (code or name or parent):
            continue  # blank row (or only remarks in extra columns)
        if not code:
            if not name:
                raise fail(line, "没有填写单位代码和单位名称，请补上，或删除这一行。")
            raise fail(line, f"单位“{name}”没有填写单位代码，请补上。")
        bad = {
            f"“{ch}”" if ord(ch) >= 32 else "控制字符"
            for ch in code
            if ch in WINDOWS_ILLEGAL or ord(ch) < 32
        }
        if bad:
            shown = "、".join(sorted(bad))
            raise fail(
                line,
                f"单位代码“{code}”含有不能用于文件名的字符 {shown}，请改用字母、数字或短横线。",
            )
        if not name:
            raise fail(line, f"单位代码“{code}”没有填写单位名称，请补上。")
        key = code.casefold()
        if key in seen:
            earlier, earlier_line = seen[key]
            if earlier == code:
                raise fail(line, f"单位代码“{code}”重复（第 {earlier_line} 行已出现）。")
            raise fail(
                line,
                f"单位代码“{code}”与第 {earlier_line} 行的“{earlier}”只差大小写，"
                "生成的文件会同名，请改为不同的代码。",
            )
        if parent == code:
            raise fail(line, f"单位“{name}”的上级代码就是它自己的代码“{code}”，请改正。")
        seen[key] = (code, line)
        phone = next((cell(cells, t) for t in COL_PHONES if cell(cells, t)), "")
        units.append(
            Unit(code, name, parent or None, line, contact=cell(cells, COL_CONTACT), phone=phone)
        )
    if not units:
        raise RosterError(
            f"{label} 中没有任何单位。请在表头下面逐行填写“{COL_CODE}”和“{COL_NAME}”。",
            path=path,
        )
    _check_cycles(units, fail)
    return tuple(units)


def _check_cycles(units: list[Unit], fail: Callable[[int, str], RosterError]) -> None:
    """A → B → A would make any roll-up by parent loop forever; catch it here.

    Parent codes not in the roster are allowed: the parent may be the district office
    itself, which does not report.
    """
    parent_of = {u.code: u.parent_code for u in units}
    line_of = {u.code: u.line for u in units}
    for unit in units:
        chain = [unit.code]
        current = unit.parent_code
        while current is not None and current in parent_of:
            if current == unit.code:
                path = " → ".join(f"“{c}”" for c in [*chain, current])
                raise fail(line_of[unit.code], f"上级代码形成了循环：{path}，请改正上级代码。")
            if current in chain:
                break  # a loop not through this unit; reported when we reach its members
            chain.append(current)
            current = parent_of[current]


def safe_filename(code: str, name: str, suffix: str = ".xlsx") -> str:
    """``<单位代码>-<单位名称><suffix>`` that Windows, macOS, Linux and zip files all accept.

    Units e-mail these files around and unzip them on Windows, so characters Windows
    rejects become "_", trailing dots/spaces (silently dropped by Windows) are removed,
    device names such as CON are guarded, and the length is bounded (keeping the code,
    which is what makes file names unique).
    """

    def scrub(text: str) -> str:
        text = "".join(
            "_"
            if ch in WINDOWS_ILLEGAL
            or ord(ch) < 32
            or ord(ch) == 127
            or 0xD800 <= ord(ch) <= 0xDFFF
            else ch
            for ch in text
        )
        return _EDGE.sub("", text)

    def reserved(text: str) -> bool:
        # Windows reserves "CON", "con.txt", "CON .tar.gz", ...: the part before the first dot.
        return text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED_NAMES

    code, name = scrub(code), scrub(name)
    base = f"{code}-{name}" if name else code
    if not base or reserved(base):
        base = "_" + base
    budget_bytes = MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
    base = base[: max(MAX_FILENAME_CHARS - len(suffix), 1)]
    while len(base) > 1 and len(base.encode("utf-8")) > budget_bytes:
        base = base[:-1]
    base = base.rstrip(". " + _BLANKS) or "_"  # Windows drops trailing dots and spaces
    return ("_" + base if reserved(base) else base) + suffix
