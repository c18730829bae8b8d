"""The public API (``portfolio_opt.__all__``) does what a face (the command line, a web app, a
notebook) needs, so no face does it itself: reading several workbooks at once, finding an
initiative by what a user typed, the partial flag of a change, results as data and lines."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SAMPLE, write_plan

import portfolio_opt


def test_exit_8_is_the_code_of_every_unavailable_part():
    from portfolio_opt.model import errors

    assert errors.EXIT_UNAVAILABLE == 8 and not hasattr(errors, "EXIT_CLUSTER")
    assert portfolio_opt.Unavailable("x").exit_code == 8 == errors.ClusterError("x").exit_code
    assert "optional part" in portfolio_opt.EXIT_CODES[8]


IDS = [f"INI-{k:03d}" for k in range(1, 41)]


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("ini-7", ("INI-007",)),  # zero padding: one edit from INI-017, INI-027 and INI-037, meant INI-007
        ("INI-0O7", ("INI-007",)),  # the letter O for the digit 0
        ("INI007", ("INI-007",)),
        ("IN-017", ("INI-017", "INI-007")),  # both one letter and a digit away: the one typed closer first
        ("INI-41", ()),  # as close to INI-040, INI-031, INI-001...: no ID stands out, none offered
        ("budget", ()),
    ],
)
def test_an_unknown_id_suggests_the_ids_meant(typed, meant):
    from portfolio_opt.model.ids import closest

    assert closest(typed, IDS) == meant


def test_suggestions_read_l_as_1_and_rank_the_closest_first():
    from portfolio_opt.model.ids import closest

    ids = ["ML-001", "ML-01", "ML-10", "Cl-1", "churn-model", "churn-models", "churn-a", "churn-b"]
    assert closest("ml-1", ids) == ("ML-01", "ML-001")  # both ML-1 padded; the less padded first
    assert closest("ml-1", list(reversed(ids))) == ("ML-01", "ML-001"), "never by the order given"
    assert closest("Cl-l", ids) == ("Cl-1",)
    assert closest("chrun-model", ids) == ("churn-model",)  # a swap of neighbours is one edit
    assert closest("churn-c", ids) == (), "churn-a and churn-b tie: neither is offered"


def test_a_plan_finds_an_initiative_or_raises_with_suggestions():
    plan = portfolio_opt.read_plan(SAMPLE)
    assert plan.find(" ini-017 ") == "INI-017"
    with pytest.raises(portfolio_opt.UnknownInitiative) as caught:
        plan.find("ini-7")
    exc = caught.value
    assert (exc.typed, exc.suggestions, exc.source, exc.exit_code) == ("ini-7", ("INI-007",), "sample_plan.xlsx", 2)
    assert str(exc) == "'ini-7' is not an ID in sample_plan.xlsx (did you mean INI-007?)"
    with pytest.raises(portfolio_opt.UnknownInitiative, match=r"^'nothing' is not an ID in sample_plan.xlsx$"):
        plan.find("nothing")


def test_reading_several_workbooks_lists_every_problem_of_every_one(tmp_path):
    a = write_plan(tmp_path / "a.xlsx", [("A", "x", "T", 100, 1.7, 0, 10, None, None, None, None)])
    b = write_plan(tmp_path / "b.xlsx", [("B", "y", "T", 100, 0.5, 0, -10, None, None, None, None)])
    good = ROOT / "data" / "plan_cto.xlsx"
    with pytest.raises(portfolio_opt.InvalidWorkbook) as caught:
        portfolio_opt.read_plans([a, good, b, SAMPLE], marked=True)
    exc = caught.value
    places = [p.where.split(": ")[0] for p in exc.problems]
    assert places[0] == "a.xlsx" and "b.xlsx" in places and "sample_plan.xlsx" in places
    assert {p.code for p in exc.problems if p.where.startswith("sample_plan.xlsx")} == {"no-selection"}
    assert exc.source == "a.xlsx, b.xlsx, sample_plan.xlsx"
    named = portfolio_opt.read_plans([good, SAMPLE], gap=0.02)
    assert [name for name, _ in named] == ["plan_cto", "sample_plan"]
    assert all(plan.settings.gap == 0.02 for _, plan in named)


def test_a_change_that_leaves_other_conflicts_is_flagged_not_worded():
    from portfolio_opt import Decision, Initiative, Plan, Settings

    inis = tuple(
        Initiative(i, i.lower(), 1, 1.0, 0, 1, decision=Decision.MUST, exclusive_group=g)
        for i, g in (("A", "X"), ("B", "X"), ("C", "Y"), ("D", "Y"))
    )
    with pytest.raises(portfolio_opt.Infeasible) as caught:
        portfolio_opt.optimize(Plan(inis, (), Settings(horizon_months=12, discount_rate=0)))
    exc = caught.value
    assert exc.changes and all(not c.whole_plan for c in exc.changes)
    assert [c.text for c in exc.changes][:2] == ["drop Must on A", "drop Must on B"], "the change, and only it"
    assert not any("others too" in c.text for c in exc.changes)
    assert [c.sentence for c in exc.changes] == list(exc.relaxations[: len(exc.changes)])
    assert all(s.endswith("the plan has others too)") for s in exc.relaxations)


def test_results_become_data_and_lines_by_one_function_each(tmp_path):
    plan = portfolio_opt.read_plan(SAMPLE)
    result = portfolio_opt.optimize(plan)
    f = portfolio_opt.frontier(plan, steps=3)
    data = portfolio_opt.to_dict(result, "r.xlsx")
    assert data["output"] == "r.xlsx" and data["selected"] == list(result.selected)
    assert portfolio_opt.to_dict(f, "f.xlsx")["output"] == "f.xlsx"
    assert "output" not in portfolio_opt.to_dict(f)
    assert [p["budget"] for p in portfolio_opt.to_dict(f)["points"]] == [p.budget for p in f.points]
    assert portfolio_opt.to_lines(result, "r.xlsx")[-1] == "Written         r.xlsx"
    assert portfolio_opt.to_lines(f)[0].startswith("3 budgets from ")
    json.loads(portfolio_opt.to_json(data))
    with pytest.raises(TypeError, match="not a result of portfolio_opt: Plan"):
        portfolio_opt.to_dict(plan)


def test_the_public_additions_say_what_they_do():
    for name in portfolio_opt.__all__:
        obj = getattr(portfolio_opt, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name


def test_settings_take_the_objective_as_its_text_as_they_take_the_scoring(tmp_path):
    """``Settings(objective="npv")`` is the npv objective, not a string every ``is
    Objective.NPV`` check reads as value (and every writer of ``.value`` fails on)."""
    import dataclasses

    from portfolio_opt import Objective, Settings, optimize, read_plan, save_results, to_dict

    assert Settings(objective="npv").objective is Objective.NPV
    with pytest.raises(ValueError, match="nvp"):
        Settings(objective="nvp")
    plan = read_plan(SAMPLE)
    by_text = optimize(dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, objective="npv")))
    by_kind = optimize(plan.with_settings(objective=Objective.NPV))
    assert to_dict(by_text)["objective_kind"] == "npv" and by_text.objective == by_kind.objective
    save_results(by_text, tmp_path / "npv.xlsx")
