"""A 说明 typed on the unit's page, written into the return's own 说明 sheet.

The explanation then travels with the workbook, as if the clerk had typed it in Excel: the
new version is stored and checked like any upload, and ``govxl collect`` reads it the same way.
"""

from __future__ import annotations

import io

from govxl.forms.workbook import NOTE_FIRST_ROW, NOTE_ROWS, SHEET_NOTES


def add_note(data: bytes, ref: str, text: str) -> bytes:
    """The workbook with (ref, text) in the first empty row of its 说明 sheet."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    if SHEET_NOTES not in wb.sheetnames:
        raise ValueError("这份工作簿没有“说明”工作表，请下载本单位的模板填写后再上传。")
    ws = wb[SHEET_NOTES]
    for i in range(NOTE_ROWS):
        row = NOTE_FIRST_ROW + i + 1  # openpyxl counts from 1
        if not ws.cell(row, 2).value and not ws.cell(row, 3).value:
            for col, value in ((2, ref), (3, text)):
                cell = ws.cell(row, col)
                cell.value = value
                cell.data_type = "s"  # what a unit typed is never a formula
            break
    else:
        raise ValueError(f"“说明”工作表的 {NOTE_ROWS} 行都已填写，请在工作簿中整理后重新上传。")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
