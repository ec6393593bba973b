"""Documentation generated from code stays in step with the code, and every command explains itself.

Like a ``cog --check`` step: ``docs/findings.md`` is committed, and this test fails when the
catalogue or a form's rules changed without ``python -m govxl.docs`` being run again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from govxl import docs
from govxl.check.findings import CATALOGUE
from govxl.cli import app
from govxl.forms import form_ids, load_form


def test_committed_findings_page_is_what_the_code_generates() -> None:
    committed = docs.DOC_PATH.read_text(encoding="utf-8") if docs.DOC_PATH.is_file() else ""
    assert committed == docs.markdown(), "docs/findings.md 已过期：请运行 python -m govxl.docs"
    assert docs.main(["--check"]) == 0


def test_the_page_lists_every_code_and_every_rule_of_every_form() -> None:
    page = docs.markdown()
    for code in CATALOGUE:
        assert f"| `{code}` |" in page
    for form_id in form_ids():
        form = load_form(form_id)
        assert f"## 表单 {form.id}：{form.title}" in page
        for rule in form.rules:
            assert f"| {rule.id} | {rule.severity.zh} | {rule.title} |" in page


def test_messages_lose_their_figure_placeholders() -> None:
    assert docs.plain_message("总数量（{lhs}）小于新公开数量（{rhs}），请核实。") == (
        "总数量小于新公开数量，请核实。"
    )
    for form_id in form_ids():
        for r in docs.rules(load_form(form_id)):
            assert "{" not in r.message, (form_id, r.id)


def test_rule_kinds_say_where_the_check_happens() -> None:
    where = {r.id: (r.where, r.instances) for r in docs.rules(load_form("gb2019"))}
    assert where["R1"] == ("live", 7)  # one check cell per column of table 三
    assert where["R2"][0] == "total"
    assert where["R5"] == ("cell", len(load_form("gb2019").inputs()))
    assert where["R6"] == ("cross-year", 7)
    assert where["R9"] == ("live", 2)


# ---------------------------------------------------------------- govxl rules


def test_rules_command_prints_the_catalogue() -> None:
    """The clerk reads each kind of problem by its Chinese name; a script finds the codes in
    the JSON."""
    result = CliRunner().invoke(app, ["rules"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = CliRunner().invoke(app, ["rules", "--json"]).stdout
    for kind in CATALOGUE.values():
        assert kind.title in result.stdout
        assert kind.code not in result.stdout and f'"{kind.code}"' in data


def test_rules_command_with_a_form_prints_its_rules() -> None:
    result = CliRunner().invoke(app, ["rules", "--form", "gb2019"])
    assert result.exit_code == 0, result.output
    for rule in load_form("gb2019").rules:  # the table wraps long text: look for the ids
        assert f"│ {rule.id} " in result.stdout
    assert "{lhs}" not in result.stdout and "跨年度" in result.stdout


def test_rules_json_is_the_library_description() -> None:
    result = CliRunner().invoke(app, ["rules", "--form", "gb2021", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(docs.describe("gb2021"), ensure_ascii=False))
    assert [k["code"] for k in data["catalogue"]] == list(CATALOGUE)
    assert [r["id"] for r in data["form"]["rules"]] == [r.id for r in load_form("gb2021").rules]


def test_rules_with_an_unknown_form_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["rules", "--form", "gb1999"])
    assert result.exit_code == 2
    assert "gb2021" in result.stderr


# ---------------------------------------------------------------- help texts


def _commands() -> Iterator[tuple[str, Any]]:
    """Every command and sub-command of ``govxl``, with its full name."""

    def walk(cmd: Any, name: str) -> Iterator[tuple[str, Any]]:
        yield name, cmd
        if hasattr(cmd, "list_commands"):
            ctx = cmd.context_class(cmd)
            for sub in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, sub), f"{name} {sub}")

    yield from walk(typer.main.get_command(app), "govxl")


COMMANDS = dict(_commands())


def test_the_expected_commands_exist() -> None:
    assert {"govxl validate", "govxl collect", "govxl rules", "govxl template"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_has_help_text(name: str) -> None:
    cmd = COMMANDS[name]
    assert (cmd.help or "").strip(), f"{name} has no help text"
    for param in cmd.params:
        if param.name != "help":
            assert (getattr(param, "help", None) or "").strip(), f"{name}: {param.name}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_answers_help(name: str) -> None:
    result = CliRunner().invoke(app, [*name.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert COMMANDS[name].help.strip().splitlines()[0][:10] in result.stdout
