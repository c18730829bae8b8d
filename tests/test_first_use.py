"""What a new user met building a plan for the first time (issue 33): each rough edge as a test
that fails if it comes back."""

from __future__ import annotations

import pytest
from conftest import ini, write_plan

from portfolio_opt import InvalidWorkbook, read_plan

ML_IDS = [f"ML-{k:02d}" for k in range(1, 26)]


def problems_of(path) -> list:
    """The problems a workbook is refused with (it must be refused)."""
    with pytest.raises(InvalidWorkbook) as info:
        read_plan(path)
    return list(info.value.problems)


@pytest.mark.parametrize(("typed", "meant"), [("ML-O3", "ML-03"), ("ML-3", "ML-03"), ("ml-o1", "ML-01")])
def test_depends_on_suggests_the_id_a_person_meant(tmp_path, typed, meant):
    rows = [ini(i, 1) for i in ML_IDS] + [ini("ML-26", 1, depends=typed)]
    (problem,) = problems_of(write_plan(tmp_path / "plan.xlsx", rows))
    assert problem.code == "unknown-dependency"
    assert f"(did you mean {meant}?)" in problem.message, problem.message


def test_depends_on_offers_nothing_when_the_closest_tie(tmp_path):
    rows = [ini("churn-a", 1), ini("churn-b", 1), ini("X", 1, depends="churn-c")]
    (problem,) = problems_of(write_plan(tmp_path / "plan.xlsx", rows))
    assert "did you mean" not in problem.message, problem.message


def test_a_scenario_id_gets_the_same_suggestion(tmp_path):
    from conftest import SAMPLE
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    wb = load_workbook(path)
    wb["Scenarios"]["F2"] = "INI-O07"
    wb.save(path)
    (problem,) = problems_of(path)
    assert problem.code == "unknown-id" and "(did you mean INI-007?)" in problem.message, problem.message
