"""compare on hand-made plans that break the rules: the violation named, no flattering efficiency,
the user's selections never called "Must"; the matrix and differences a reader can act on."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SAMPLE, run_cli
from openpyxl import load_workbook

QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


def hand_made(tmp_path, source, name, chosen, settings=None):
    """The workbook with a Selected column marking ``chosen`` (and Settings values changed)."""
    wb = load_workbook(source)
    ws = wb["Initiatives"]
    col = ws.max_column + 1
    ws.cell(1, col).value = "Selected"
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = "Yes" if ws.cell(r, 1).value in chosen else None
    for key, value in (settings or {}).items():
        wsx = wb["Settings"]
        row = next(r for r in range(2, wsx.max_row + 1) if wsx.cell(r, 1).value == key)
        wsx.cell(row, 2).value = value
    path = tmp_path / f"{name}.xlsx"
    wb.save(path)
    return path


VALID = ["INI-004", "INI-001", "INI-011", "INI-003"]


def a_valid_plan(source):
    """A portfolio that keeps every rule: the optimum at a smaller budget, with INI-004 in it."""
    from dataclasses import replace

    from portfolio_opt import Decision, optimize, read_plan

    plan = read_plan(source)
    plan = plan.with_initiatives(
        tuple(replace(i, decision=Decision.MUST) if i.id == "INI-004" else i for i in plan.initiatives)
    )
    return list(optimize(plan, budget=6_000_000).selected)


@pytest.mark.parametrize(
    "source", [SAMPLE, pytest.param(QUARTERLY, marks=pytest.mark.slow)], ids=["single-period", "multi-period"]
)
def test_rule_breaking_plans_are_named_and_never_flattered(tmp_path, source):
    chosen = a_valid_plan(source)
    valid = hand_made(tmp_path, source, "valid", chosen)
    both = hand_made(tmp_path, source, "both_pricing", chosen + ["INI-007", "INI-008"])
    orphan = hand_made(tmp_path, source, "orphan", [i for i in chosen if i != "INI-004"] + ["INI-012"])
    proc = run_cli("compare", valid, both, orphan, "-o", tmp_path / "cmp.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    plans = {p["name"]: p for p in json.loads(proc.stdout)["plans"]}
    assert plans["valid"]["violations"] == []
    assert 0 < plans["valid"]["efficiency"] <= 1 + 1e-9
    assert any("exclusive group Pricing engine" in v and "INI-007" in v for v in plans["both_pricing"]["violations"])
    assert any("INI-001 needs INI-004" in v or "INI-012 needs INI-004" in v for v in plans["orphan"]["violations"])
    for name in ("both_pricing", "orphan"):
        assert plans[name]["efficiency"] is None
        assert not any(v.startswith("Must ") or " Must INI" in v for v in plans[name]["violations"])
    ws = load_workbook(tmp_path / "cmp.xlsx")["Comparison"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, max_row=4, values_only=True)}
    assert rows["both_pricing"][header.index("Efficiency")] == "n/a: breaks the rules"
    assert rows["both_pricing"][header.index("Value left on the table")] is None


def test_a_schedule_conflict_speaks_of_the_plan_not_of_musts(tmp_path):
    """Two builds that must both start in the first quarter, one team of 2 FTE: no schedule fits."""
    from conftest import write_plan

    headers = (
        "ID",
        "Name",
        "Impact",
        "Probability",
        "Time to value",
        "Cost",
        "Latest start",
        "Data eng FTE",
        "Selected",
    )
    rows = [
        ("A", "a", 1000, 1, 0, 10, "P1", 2, "Yes"),
        ("B", "b", 900, 1, 0, 10, "P1", 2, "Yes"),
        ("C", "c", 800, 1, 0, 10, None, 2, None),
    ]
    path = write_plan(
        tmp_path / "plan.xlsx",
        rows,
        headers=headers,
        constraints=[("Data eng FTE", "All", None, 2, "each")],
        constraint_headers=("Column", "Scope", "Min", "Max", "Period"),
        settings=[("Periods", 2), ("Budget", 100)],
    )
    proc = run_cli("compare", path, "-o", tmp_path / "cmp.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["plans"][0]
    assert report["efficiency"] is None
    text = " ".join(report["violations"])
    assert "no schedule of this selection" in text
    assert "Data eng FTE [P1]" in text
    assert "A is in the plan" in text and "B is in the plan" in text
    assert "Must" not in text


def test_matrix_names_and_costs_and_settings_named_with_both_values(tmp_path):
    a = hand_made(tmp_path, SAMPLE, "a", VALID)
    b = hand_made(tmp_path, SAMPLE, "b", VALID[:2], settings={"Discount rate": 0.15})
    proc = run_cli("compare", a, b, "-o", tmp_path / "cmp.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert "b has a different Discount rate: 10% in a, 15% in b" in data["differences"]
    first = data["initiatives"][0]
    assert first["name"] and first["cost"] > 0
    wm = load_workbook(tmp_path / "cmp.xlsx")["Plan matrix"]
    assert [c.value for c in wm[1]][:4] == ["ID", "Name", "Cost", "Value (first plan's scoring)"]


def test_a_selected_column_without_an_id_column_is_reported_not_a_crash(tmp_path):
    """A hand-made plan whose ID header was deleted: the missing column is named, no traceback."""
    wb = load_workbook(SAMPLE)
    ws = wb["Initiatives"]
    ws.cell(row=1, column=ws.max_column + 1, value="Selected")
    ws.cell(row=2, column=ws.max_column, value="Yes")
    for cell in ws[1]:
        if cell.value == "ID":
            cell.value = None
    wb.save(tmp_path / "plan.xlsx")
    proc = run_cli("compare", tmp_path / "plan.xlsx")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "'ID'" in proc.stderr or "ID" in proc.stderr
