"""Scenario changes are data, one class per kind: every kind the template lists is read from a
Scenarios column, and applied as its class says."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import SAMPLE

from portfolio_opt import read_plan, write_template
from portfolio_opt.core.changes import BY_KIND, CHANGES, apply_changes, headers_help, only_tightens
from portfolio_opt.model.plan import ChangeKind

#: a Scenarios header and a cell for each kind, on the shipped sample (limits: budget, Data eng FTE, ...)
EXAMPLES = {
    ChangeKind.BUDGET: ("Budget", 9_000_000),
    ChangeKind.BUDGET_CHANGE: ("Budget change", -0.1),
    ChangeKind.FORCE_IN: ("Force in", "INI-003"),
    ChangeKind.FORCE_OUT: ("Force out", "INI-001, INI-002"),
    ChangeKind.CLEAR: ("Clear", "INI-016"),
    ChangeKind.SETTING: ("Discount rate", 0.12),
    ChangeKind.LIMIT_MAX: ("Max: Data eng FTE", 12),
    ChangeKind.LIMIT_MIN: ("Min: Data eng FTE", 1),
    ChangeKind.LIMIT_CHANGE: ("Change: Data eng FTE", -0.5),
    ChangeKind.LIMIT_TOLERANCE: ("Tolerance: Data eng FTE", 2),
}


def test_every_kind_has_an_example_and_one_class():
    assert set(EXAMPLES) == set(ChangeKind) == set(BY_KIND)
    assert len(CHANGES) == len(ChangeKind)


def _with_scenarios(tmp_path, headers, rows):
    wb = openpyxl.load_workbook(SAMPLE)
    if "Scenarios" in wb.sheetnames:
        del wb["Scenarios"]
    ws = wb.create_sheet("Scenarios")
    ws.append(["Scenario", *headers])
    for row in rows:
        ws.append(list(row))
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_each_kind_is_read_from_its_column_and_applied(tmp_path, kind):
    header, value = EXAMPLES[kind]
    plan = read_plan(_with_scenarios(tmp_path, [header], [("S", value)]))
    (scenario,) = plan.scenarios
    assert {c.kind for c in scenario.changes} == {kind}
    changed = apply_changes(plan, scenario.changes)
    assert changed != plan
    if kind is ChangeKind.FORCE_OUT:
        assert {ini.id for ini in changed.initiatives if ini.decision.value == "Exclude"} >= {"INI-001", "INI-002"}
    if kind is ChangeKind.BUDGET_CHANGE:
        assert changed.settings.budget == pytest.approx(plan.settings.budget * 0.9)


def test_the_template_lists_exactly_the_kinds_the_reader_accepts(tmp_path):
    write_template(tmp_path / "blank.xlsx")
    text = "\n".join(
        str(c.value)
        for row in openpyxl.load_workbook(tmp_path / "blank.xlsx")["Instructions"].iter_rows()
        for c in row
        if c.value is not None
    )
    assert headers_help() in text
    for rule in CHANGES:
        assert rule.header in headers_help()


def test_a_refused_value_is_named_at_its_cell(tmp_path):
    plan_path = _with_scenarios(tmp_path, ["Budget change", "Tolerance: Data eng FTE"], [("S", -1.5, -2)])
    from portfolio_opt import InvalidWorkbook

    with pytest.raises(InvalidWorkbook) as err:
        read_plan(plan_path)
    where = {p.where: p.message for p in err.value.problems}
    assert "above -100%" in where["Scenarios!B2"] and "must not be negative" in where["Scenarios!C2"]


def test_tightening_is_each_kinds_own_judgement(tmp_path):
    plan = read_plan(_with_scenarios(tmp_path, ["Budget change"], [("down", -0.1), ("up", 0.1)]))
    down, up = plan.scenarios
    assert only_tightens(plan, down.changes) and not only_tightens(plan, up.changes)


def test_the_docs_list_every_kind_the_reader_accepts():
    from conftest import ROOT

    text = (ROOT / "docs" / "workbook.md").read_text()
    table = text[text.index("## Scenarios") : text.index("## Criteria")]
    for rule in CHANGES:
        shown = "a Settings name" if rule.header == "a Settings name" else f"`{rule.header}`"
        assert shown in table, rule.header
