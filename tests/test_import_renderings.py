"""A published report however it reaches us: every rendering seen in real publications, made
from govxl's own rendered reports (render → transform → import → the same values).

On every fixture: each value placed is the one the report shows, nothing is placed wrong, and
each figure that could not be placed is listed in a finding, never guessed.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from renderings import RENDERINGS, Fixture

from govxl.check.evaluate import evaluate
from govxl.collect.imported import inspect_report
from govxl.collect.scan import scan
from govxl.forms import load_form
from govxl.forms.returns import Return
from govxl.importer.run import ImportResult, import_bytes, import_report
from govxl.office import convert
from govxl.report.render import render_report
from govxl.samples import random_return

YEAR = {"gb2019": 2019, "gb2021": 2023, "jilin2020": 2020}
LISTING = {"unplaced", "ambiguous", "missing", "missing-table"}


def assert_imported(fx: Fixture, res: ImportResult) -> None:
    got = res.ret.values
    wrong = {c: (got[c], v) for c, v in fx.expected.items() if got[c] is not None and got[c] != v}
    assert not wrong, f"placed wrong: {wrong}"
    missed = [c for c, v in fx.expected.items() if v is not None and got[c] is None]
    if fx.complete:
        assert not missed, [f.message for f in res.findings if f.code in LISTING][:5]
    listed = {f.cell for f in res.findings if f.code == "missing"}
    for f in res.findings:
        if f.code == "missing-table":
            listed |= {c.id for c in res.ret.form.inputs() if c.table in f.message}
    assert set(missed) <= listed
    if missed:
        assert any(f.code in ("ambiguous", "unplaced") for f in res.findings)
    codes = {f.code for f in res.findings}
    assert fx.findings <= codes
    unexpected = codes - fx.findings - LISTING - {"label-variant", "row-by-order"}
    assert not unexpected, [f.message for f in res.findings if f.code in unexpected]


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("form_id", sorted(YEAR))
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32))
def test_a_report_in_any_rendering_imports_the_figures_it_shows(rendering, form_id, seed):
    rng = random.Random(seed)
    ret = random_return(load_form(form_id), rng, year=YEAR[form_id], name="某县某局")
    fx = RENDERINGS[rendering](ret, rng)
    res = import_bytes(fx.data, fx.name)
    assert res.ret.form.id == form_id
    assert (res.ret.year, res.ret.unit_name) == (YEAR[form_id], "某县某局")
    assert_imported(fx, res)


# ---------------------------------------------------------------- PDF


PDF_FORMS = [("gb2021", 1), ("gb2021", 2), ("gb2019", 3), ("jilin2020", 4)]


@pytest.fixture(scope="module")
def pdfs(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Return, Path]]:
    """Reports rendered as .docx by govxl and printed to PDF by LibreOffice, one batch."""
    root = tmp_path_factory.mktemp("pdf")
    made = []
    for form_id, seed in PDF_FORMS:
        ret = random_return(
            load_form(form_id), random.Random(seed), year=YEAR[form_id], name="某县某局"
        )
        path = root / f"{form_id}-{seed}.docx"
        path.write_bytes(render_report(ret, "docx"))
        made.append((ret, path))
    out = convert([p for _, p in made], root, "pdf")
    return [(ret, out[p]) for ret, p in made]


def _pdftotext(pdf: Path, mode: str) -> bytes:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) 未安装")
    return subprocess.run(
        ["pdftotext", f"-{mode}", str(pdf), "-"], check=True, capture_output=True
    ).stdout


def _page_heads(text: bytes, rng: random.Random) -> bytes:
    """Flipbook pages: a running head and a page number between the lines of a table."""
    lines = text.decode().split("\n")
    for k in sorted(rng.sample(range(10, len(lines) - 5), 3), reverse=True):
        lines[k:k] = [
            "",
            f"Page {k // 10} - 某县某局政府信息公开工作年度报告",
            f"— {k // 10} —",
            "",
        ]
    return "\n".join(lines).encode()


@pytest.mark.soffice
@pytest.mark.parametrize("how", ["pdf", "layout", "raw"])
def test_a_pdf_report_imports_from_the_file_and_from_pdftotext(pdfs, how):
    for k, (ret, pdf) in enumerate(pdfs):
        if how == "pdf":
            res = import_report(pdf)
        else:
            text = _page_heads(_pdftotext(pdf, how), random.Random(k))
            res = import_bytes(text, f"{pdf.stem}.txt")
        assert (res.ret.form.id, res.ret.year, res.ret.unit_name) == (
            ret.form.id,
            ret.year,
            "某县某局",
        )
        assert res.ret.values == ret.values, [f.message for f in res.findings][:5]
        assert res.ret.info["signed"].replace(" ", "") == ret.info["signed"]
        flat = {p: "".join(t.split()) for p, t in res.ret.texts.items()}
        assert flat == {p: "".join(t.split()) for p, t in ret.texts.items()}
        assert {f.code for f in res.findings} <= {"label-variant"}


@pytest.mark.parametrize("rendering", ["bars", "markdown-from-pdf", "html-wrapped"])
def test_a_2023_report_in_the_2019_layout_imports_and_says_the_template_is_outdated(rendering):
    rng = random.Random(9)
    ret = random_return(load_form("gb2019"), rng, year=2023, name="某县某局")
    fx = RENDERINGS[rendering](ret, rng)
    res = import_bytes(fx.data, fx.name)
    assert (res.ret.form.id, res.ret.year) == ("gb2019", 2023)
    assert res.ret.values == fx.expected
    assert [f.code for f in res.findings if f.code == "form-year"] == ["form-year"]
    assert "outdated-layout" in {f.code for f in evaluate(res.ret, published=True)}


def test_the_seed_report_imports_every_figure_whatever_the_rendering():
    """The real 正阳街道 report, its Word 纯文本 copy, pasted into one line with bars."""
    seed = Path(__file__).resolve().parents[2] / "shared/seed/zhengyang-2020-report.txt"
    if not seed.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true 但缺少正阳街道 2020 年度报告：{seed}")
        pytest.skip(f"缺少正阳街道 2020 年度报告：{seed}")
    first = import_report(seed)
    text = seed.read_text(encoding="utf-8")
    rows = [
        " | ".join(part.strip() for part in block.split("\n\t")) for block in text.split("\n\n")
    ]
    res = import_bytes("\n".join(rows).encode(), "r.txt")
    assert res.ret.values == first.ret.values
    assert res.ret.values["t2.other_services.change"] == -59


@pytest.mark.soffice
def test_collect_imports_a_pdf_report_in_an_inbox(pdfs, tmp_path):
    ret, pdf = pdfs[0]
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "某县某局2023年报告.pdf").write_bytes(pdf.read_bytes())
    entries, ignored = scan(inbox, reports=True)
    assert [(e.relative, e.kind) for e in entries] == [("某县某局2023年报告.pdf", "report")]
    res = inspect_report(entries[0].path, label=entries[0].relative)
    assert res.ret is not None and res.ret.values == ret.values
    assert [f.code for f in res.findings] == ["imported"]


@pytest.mark.parametrize("fmt", ["html", "docx", "md"])
def test_an_empty_first_cell_of_table_four_keeps_every_figure_in_its_column(fmt):
    ret = random_return(load_form("gb2021"), random.Random(4), year=2023, name="某县某局")
    ret.values["t4.cases.review_upheld"] = None  # 0 left blank, as reports do
    res = import_bytes(render_report(ret, fmt), f"r.{fmt}")
    assert res.ret.values == ret.values
    assert [(f.code, f.cell) for f in res.findings] == [("blank", "t4.cases.review_upheld")]
