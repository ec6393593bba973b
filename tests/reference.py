"""Reads the official layouts out of ``shared/format/README.md`` for the label tests.

The form definitions must match the reference character for character; parsing the reference
itself (instead of copying its labels into the tests) keeps the test honest.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "format" / "README.md"


def text() -> str:
    if not REFERENCE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference missing under CI: {REFERENCE}")
        pytest.skip(f"reference {REFERENCE} not present beside the checkout")
    return REFERENCE.read_text(encoding="utf-8")


def _code_block(section: str) -> list[str]:
    body = text().split(section, 1)[1]
    block = body.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def table2(version: str) -> list[tuple[str, list[str], list[str]]]:
    """[(block title, value column labels, row labels)] of §2.1 (2019) or §2.2 (2021)."""
    section = "### 2.1 2019 version" if version == "2019" else "### 2.2 2021 version"
    blocks: list[tuple[str, list[str], list[str]]] = []
    for line in _code_block(section):
        if not line.startswith(" "):
            blocks.append((line.strip(), [], []))
        elif line.strip().startswith("信息内容"):
            blocks[-1][1].extend(p.strip() for p in line.split("|")[1:])
        else:
            blocks[-1][2].append(line.strip())
    return blocks


def table3_rows(version: str) -> list[str]:
    """Row labels of table 三 (groups included), annotations such as [colspan 3] removed."""
    rows = [re.sub(r"\s*\[.*\]\s*$", "", line).strip() for line in _code_block("### 3.2 Rows")]
    if version == "2021":
        extra = [re.sub(r"\s*\[.*\]\s*$", "", line).strip() for line in _code_block("### 3.3 Rows")]
        i = rows.index("（六）其他处理")
        rows[i : i + 1] = extra[:4]
    return rows


def table3_note() -> str:
    m = re.search(r"The note's exact text, printed inside the table: `([^`]+)`", text())
    assert m
    return m.group(1)


def table3_columns() -> list[str]:
    m = re.search(r"there are \*\*7 numeric columns\*\*: ([^.]+)\.", text())
    assert m
    return [p.strip() for p in m.group(1).split(",")]


def table4_columns() -> list[str]:
    m = re.search(r"Column order: (.+)\.", text())
    assert m
    groups = re.findall(r"(\S+?)\{([^}]+)\}", m.group(1))
    five = [p.strip() for p in groups[0][1].split(",")]
    return [g for g, _ in groups] + five


def headings() -> list[str]:
    return _code_block("### 1.1 Headings")
