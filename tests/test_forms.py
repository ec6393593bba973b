"""The form definitions: exactly the official tables, and loud failures for bad definitions."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import reference
import yaml
from typer.testing import CliRunner

from govxl.cli import app
from govxl.forms import SpecError, load_file, load_form
from govxl.forms.cellmap import cell_map
from govxl.forms.layout import layout
from govxl.forms.loader import build, definitions_dir
from govxl.forms.model import Form

FORMS = ["gb2019", "gb2021", "jilin2020"]
VERSION = {"gb2019": "2019", "gb2021": "2021", "jilin2020": "2019"}

# (inputs, computed) per table, as the issue counts them from the official tables.
COUNTS = {
    "gb2019": {"t2": (22, 0), "t3": (132, 29), "t4": (12, 3)},
    "gb2021": {"t2": (10, 0), "t3": (144, 31), "t4": (12, 3)},
    "jilin2020": {"t2": (23, 0), "t3": (132, 29), "t4": (12, 3)},
}


def _cellmap(form_id: str) -> dict:
    result = CliRunner().invoke(app, ["forms", "show", form_id, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("form_id", FORMS)
def test_cell_counts_per_table(form_id: str) -> None:
    cells = _cellmap(form_id)["cells"]
    for table, (inputs, computed) in COUNTS[form_id].items():
        mine = [c for c in cells if c["table"] == table]
        assert sum(c["input"] for c in mine) == inputs, table
        assert sum(not c["input"] for c in mine) == computed, table


@pytest.mark.parametrize("form_id", FORMS)
def test_cli_json_is_the_library_cell_map(form_id: str) -> None:
    assert _cellmap(form_id) == json.loads(json.dumps(cell_map(load_form(form_id))))


@pytest.mark.parametrize("form_id", FORMS)
def test_table2_blocks_match_the_reference(form_id: str) -> None:
    form = load_form(form_id)
    t2 = form.table("t2")
    mine = [
        (b.title, [c.label.replace("\n", "") for c in b.columns], [r.label for r in b.rows])
        for b in t2.blocks
        if b.layout == "block"
    ]
    assert mine == reference.table2(VERSION[form_id])


@pytest.mark.parametrize("form_id", FORMS)
def test_table3_rows_and_columns_match_the_reference(form_id: str) -> None:
    t3 = load_form(form_id).table("t3")

    def labels(nodes):  # depth-first, groups before their items, as the reference lists them
        for n in nodes:
            yield n.label
            yield from labels(n.children)

    assert list(labels(t3.rows)) == reference.table3_rows(VERSION[form_id])
    assert [h.label for top in t3.columns for h in top.leaves()] == reference.table3_columns()
    assert t3.corner == reference.table3_note()


@pytest.mark.parametrize("form_id", FORMS)
def test_table4_columns_match_the_reference(form_id: str) -> None:
    cells = [c for c in load_form(form_id).cells.values() if c.table == "t4"]
    groups, five = reference.table4_columns()[:3], reference.table4_columns()[3:]
    assert [c.column_path[-2] if len(c.column_path) > 2 else c.column_path[0] for c in cells] == [
        g for g in groups for _ in five
    ]
    assert [c.column_label for c in cells] == five * 3


@pytest.mark.parametrize("form_id", FORMS)
def test_part_headings_match_the_reference(form_id: str) -> None:
    assert [p.title for p in load_form(form_id).parts] == reference.headings()


def test_jilin_adds_the_published_total_line() -> None:
    form = load_form("jilin2020")
    cell = form.cells["t2.published_total.value"]
    assert (
        cell.labels(2020)[0]
        == "2020年本行政区域（或本部门）政府信息公开发布总数量（非新闻类、消息类）"
    )
    assert set(load_form("gb2019").cells) < set(form.cells)


@pytest.mark.parametrize("form_id", FORMS)
def test_every_reference_relation_is_a_rule(form_id: str) -> None:
    ids = {r.id for r in load_form(form_id).rules}
    expected = {"R1", "R2", "R3", "R4", "R5", "R6"} | (
        {"R7"} if VERSION[form_id] == "2021" else {"R8", "R9"}
    )
    assert expected <= ids


@pytest.mark.parametrize("form_id", FORMS)
def test_balance_rule_compiles_to_the_same_cells_in_excel(form_id: str) -> None:
    checks = {c["key"]: c for c in cell_map(load_form(form_id))["checks"]}
    r1 = checks["R1[natural]"]
    assert r1["sheet"] == "三 依申请"
    lay = layout(load_form(form_id), "t3")
    one, two, seven, four = (lay.a1(f"t3.{r}.natural") for r in ("r1", "r2", "r3_7", "r4"))
    assert (one, two) == ("D7", "D8")  # the first rows under the three header rows
    assert f"IF({one}+{two}={seven}+{four}," in r1["formula"]


def test_definitions_ship_as_package_data() -> None:
    assert sorted(p.name for p in definitions_dir().glob("*.yaml")) == [
        f"{f}.yaml" for f in sorted(FORMS)
    ]


# ---------------------------------------------------------------- malformed definitions


def _raw(form_id: str = "gb2021") -> dict:
    return yaml.safe_load((definitions_dir() / f"{form_id}.yaml").read_text(encoding="utf-8"))


def _build(raw: dict) -> Form:
    return build(raw, "bad.yaml")


def test_unknown_cell_in_a_rule_fails_at_load() -> None:
    raw = _raw()
    raw["rules"][0]["check"] = "t3.r1.{c} + t3.r9.{c} == t3.r3_7.{c} + t3.r4.{c}"
    with pytest.raises(SpecError) as e:
        _build(raw)
    assert str(e.value) == "bad.yaml: rules[0] (R1) R1[natural]: unknown cell id 't3.r9.natural'"


def test_duplicate_row_id_fails_at_load() -> None:
    raw = _raw()
    raw["tables"][1]["rows"][1]["id"] = "r1"
    with pytest.raises(SpecError) as e:
        _build(raw)
    assert str(e.value) == "bad.yaml: tables[1] (t3): duplicate row id 'r1'"


def test_bad_cell_type_fails_at_load() -> None:
    raw = _raw()
    raw["tables"][0]["blocks"][0]["columns"][0]["type"] = "integer"
    with pytest.raises(SpecError) as e:
        _build(raw)
    assert str(e.value) == (
        "bad.yaml: tables[0] (t2).blocks[0].columns[0].type: bad type "
        "'integer' (allowed: count, money, delta, text)"
    )


def test_unknown_key_fails_at_load() -> None:
    raw = _raw()
    raw["rules"][0]["severty"] = "error"
    with pytest.raises(SpecError, match=r"rules\[0\]: unknown key 'severty'"):
        _build(raw)


def test_unparsable_rule_fails_at_load() -> None:
    raw = _raw()
    raw["rules"][0]["check"] = "t3.r1.{c} + == t3.r4.{c}"
    with pytest.raises(SpecError, match=r"rules\[0\] \(R1\) R1\[natural\]: unexpected '=='"):
        _build(raw)


def test_cell_defined_twice_fails_at_load() -> None:
    raw = _raw()
    raw["rules"].append(copy.deepcopy(raw["rules"][1]) | {"id": "R2b"})
    with pytest.raises(SpecError, match=r"cell 't3.r1.total' is already defined by R2\[r1\]"):
        _build(raw)


def test_bad_extends_fails_with_the_file(tmp_path: Path) -> None:
    child = tmp_path / "local.yaml"
    child.write_text("id: local\nextends: nosuch\n", encoding="utf-8")
    with pytest.raises(SpecError) as e:
        load_file(child)
    assert str(e.value) == "local.yaml: extends: base form 'nosuch' not found"


def test_digest_changes_with_the_definition() -> None:
    raw = _raw()
    before = _build(copy.deepcopy(raw)).digest
    raw["tables"][0]["blocks"][0]["rows"][0]["label"] = "规章（改）"
    assert _build(raw).digest != before


# ---------------------------------------------------------------- nothing written at run time
def test_loading_every_form_writes_nothing_into_the_installed_package(tmp_path):
    """A command run from a read-only installation behaves as one from a checkout: loading a
    form parses its YAML and keeps nothing under the package (no cache beside the definitions)."""
    import os
    import subprocess
    import sys

    import govxl

    root = Path(govxl.__file__).parent

    def snapshot() -> dict[str, float]:
        # every file but Python's own bytecode (which PYTHONDONTWRITEBYTECODE turns off anyway)
        return {str(p): p.stat().st_mtime for p in root.rglob("*") if p.suffix != ".pyc"}

    before = snapshot()
    probe = (
        "from govxl.forms import form_ids, load_form; "
        "print(sorted((i, len(load_form(i).cells)) for i in form_ids()))"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert "gb2021" in out
    assert snapshot() == before
