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
from govxl.spec import SpecError, load_file, load_form
from govxl.spec.cellmap import cell_map
from govxl.spec.loader import build, templates_dir
from govxl.spec.model import Form

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
    assert "IF(D6+D7=D" in r1["formula"]


def test_definitions_ship_as_package_data() -> None:
    assert sorted(p.name for p in templates_dir().glob("*.yaml")) == [
        f"{f}.yaml" for f in sorted(FORMS)
    ]


# ---------------------------------------------------------------- malformed definitions


def _raw(form_id: str = "gb2021") -> dict:
    return yaml.safe_load((templates_dir() / f"{form_id}.yaml").read_text(encoding="utf-8"))


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


# ---------------------------------------------------------------- the kept parse of a definition
def test_a_shipped_form_is_built_from_its_kept_parse_without_yaml(tmp_path):
    """The second command finds the parse of the YAML kept beside it and never imports PyYAML;
    the form it builds is the same (same digest, same cells)."""
    import subprocess
    import sys

    probe = ("import sys; from govxl.spec import load_form; f = load_form('jilin2020'); "
             "print(f.digest, len(f.cells), 'yaml' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    assert runs[0][:2] == runs[1][:2]
    assert runs[1][2] == "False"


def _counting(calls: list[bytes]):  # type: ignore[no-untyped-def]
    def parse(raw: bytes) -> object:
        calls.append(raw)
        import json
        return json.loads(raw)
    return parse


def test_an_edited_definition_is_parsed_again_and_the_old_parse_dropped(tmp_path):
    from govxl.spec import parsed

    path, calls = tmp_path / "表.yaml", []
    for text, parses in ((b'{"id": "a"}', 1), (b'{"id": "a"}', 1), (b'{"id": "b"}', 2)):
        path.write_bytes(text)
        assert parsed.load(path, text, _counting(calls)) == {"id": text[8:9].decode()}
        assert len(calls) == parses
    assert len(list((tmp_path / "__pycache__").glob("表.*.json"))) == 1


@pytest.mark.parametrize("trouble", ["unwritable", "corrupt", "not-json"])
def test_the_kept_parse_never_stands_in_the_way(tmp_path, trouble):
    """A folder that cannot be written, a damaged kept file, a parse JSON cannot hold exactly
    (a number as key): the definition is parsed, and loads all the same."""
    from govxl.spec import parsed

    path, calls = tmp_path / "表.yaml", []
    text = b'{"id": "a"}'
    path.write_bytes(text)
    value: object = {"id": "a"}
    parse = _counting(calls)
    if trouble == "unwritable":
        (tmp_path / "__pycache__").write_text("a file where the folder would be")
    elif trouble == "corrupt":
        parsed.load(path, text, parse)
        kept = next((tmp_path / "__pycache__").glob("*.json"))
        kept.write_text('{"id": "a"', encoding="utf-8")  # cut short
        calls.clear()
    else:
        value = {1: "a"}  # JSON would give back {"1": "a"}

        def parse(raw: bytes) -> object:  # type: ignore[no-redef]
            calls.append(raw)
            return {1: "a"}
    for _ in range(2):
        assert parsed.load(path, text, parse) == value
    assert len(calls) == (1 if trouble == "corrupt" else 2)
