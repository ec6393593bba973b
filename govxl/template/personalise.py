"""Personalised copies without regenerating: render once with placeholders, patch per unit.

A roster of a thousand units would otherwise re-run the whole workbook writer a thousand times.
The unit's code and name only appear as strings (shared strings, page headers, document title),
so the copy for a unit is the base workbook with two placeholders replaced — the same bytes as a
full render for that unit (a test checks this), at a fraction of the cost.
"""

from __future__ import annotations

import io
import zipfile

from govxl.xmltext import escape

CODE_TOKEN = "GOVXLUNITCODE7F3A9"
NAME_TOKEN = "GOVXLUNITNAME7F3A9"


def personalise(base: bytes, code: str, name: str) -> bytes:
    """The base workbook (rendered with the tokens as unit) made out for one unit."""
    plain = {CODE_TOKEN: escape(code), NAME_TOKEN: escape(name)}
    # In page headers "&" starts a code (&P, &N…): a literal one is written "&&".
    header = {
        CODE_TOKEN: escape(code.replace("&", "&&")),
        NAME_TOKEN: escape(name.replace("&", "&&")),
    }
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith(".xml") and (
                CODE_TOKEN.encode() in body or NAME_TOKEN.encode() in body
            ):
                text = body.decode("utf-8")
                if info.filename.startswith("xl/worksheets/"):
                    # page headers escape "&"; cached formula results (the 填报单位 line) do not
                    head, sep, rest = text.partition("<headerFooter")
                    body_part, sep2, tail = rest.partition("</headerFooter>")
                    text = _swap(head, plain) + sep + _swap(body_part, header) + sep2
                    text += _swap(tail, plain)
                else:
                    text = _swap(text, plain)
                body = text.encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def _swap(text: str, table: dict[str, str]) -> str:
    for token, value in table.items():
        text = text.replace(token, value)
    return text
