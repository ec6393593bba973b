"""``returns.jsonl``: the figures of every accepted return, so ``merge`` need not re-read them.

``govxl collect OUT`` then ``govxl merge OUT`` is the usual sequence; the merge trusts a cached
return only if the file in the inbox still has the recorded sha256, so an edit after checking is
caught rather than merged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from govxl.check.findings import Finding
from govxl.fileio import atomic_open
from govxl.forms import Severity, load_form
from govxl.forms.compute import Value
from govxl.forms.returns import Return, pack_values, unpack_values

CACHE = "returns.jsonl"


def _enc(v: object) -> Any:
    if isinstance(v, Decimal):
        return {"decimal": str(v)}  # money, exactly
    raise TypeError(f"{type(v).__name__} in a return's values")


def _dec(v: Any) -> Value:
    return Decimal(v["decimal"]) if isinstance(v, dict) else v


def write_cache(rows: Iterator[tuple[str, str, Return]], out: Path) -> Path:
    path = out / CACHE
    with atomic_open(path) as fh:
        for file, sha, ret in rows:
            line = json.dumps(
                {
                    "file": file,
                    "sha256": sha,
                    "form": ret.form.id,
                    "digest": ret.form.digest,
                    "year": ret.year,
                    "unit_code": ret.unit_code,
                    "unit_name": ret.unit_name,
                    "kind": ret.kind,
                    "values": pack_values(ret.form, ret.values),
                    "texts": ret.texts,
                    "notes": ret.notes,
                    "info": ret.info,
                },
                ensure_ascii=False,
                default=_enc,
            )  # the C encoder calls _enc for Decimals only
            fh.write(line.encode("utf-8") + b"\n")
    return path


def read_cache(path: Path) -> dict[str, tuple[str, Return]]:
    """File → (sha256, Return)."""
    with open(path, encoding="utf-8") as lines:
        return _read_lines(lines)


def _read_lines(lines: Iterable[str]) -> dict[str, tuple[str, Return]]:
    out = {}
    for line in lines:
        if not line.strip():
            continue
        d = json.loads(line)
        form = load_form(d["form"])
        if d.get("digest") != form.digest:
            continue  # written under another form definition: re-read the file instead
        values = d["values"]
        if '{"decimal"' in line:  # money: lines without any skip the walk
            values = [v if v.__class__ is not dict else _dec(v) for v in values]
        ret = Return(
            form,
            year=d["year"],
            unit_code=d["unit_code"],
            unit_name=d["unit_name"],
            kind=d["kind"],
            values=unpack_values(form, values),
            texts=d["texts"],
            notes=[tuple(n) for n in d["notes"]],
            info=d["info"],
        )
        out[d["file"]] = (d["sha256"], ret)
    return out


def finding_from_dict(d: dict[str, Any]) -> Finding:
    keys = Finding.__dataclass_fields__
    kw = {k: v for k, v in d.items() if k in keys}
    kw["severity"] = Severity(kw["severity"])
    return Finding(**kw)
