"""Soft limits, share limits with comparison scopes, and column profiles: the optimizer
equals brute-force enumeration, for both solvers, in single- and multi-period plans.

The oracle is written from the docs' definitions alone (docs/workbook.md, docs/multi-period.md;
it shares no code with the formulation): a soft limit may be passed by its tolerance at
``Penalty`` per unit; a share limit keeps ``Σ_scope a·x`` within ``s · Σ_all a·x``; a
``<column> profile`` multiplies the column's use in each build period.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from conftest import examples, reduced
from hypothesis import HealthCheck, assume, given, settings
from random_plans import Recipe, each_earlier, limit, one_of, plans, profile, steps

from portfolio_opt import Decision, Infeasible, Initiative, Limit, Plan, Settings, optimize

OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
}


def recipe(timed: bool) -> Recipe:
    """Small plans with a soft cap on FTE (over the whole plan or in each of two periods), maybe a
    soft minimum count, a share cap by a Probability comparison and a share floor by theme;
    timed ones add build durations and FTE profiles."""
    return Recipe(
        size=(1, 5),
        periods=2 if timed else None,
        cost=steps(1, 10, 10_000),
        depends_on=each_earlier(1 / 6),
        impact=steps(0, 100, 10_000),
        probability=one_of(0.3, 0.5, 0.8, 1.0),
        time_to_value=one_of(0.0, 3.0, 6.0, 12.0),
        decision=one_of(*[Decision.FREE] * 7, Decision.MUST),
        theme=one_of("A", "B"),
        columns={"FTE": steps(0, 3)},
        mirror=("Probability", "Theme"),
        duration=one_of(3.0, 6.0) if timed else None,
        profiles=profile("fte", one_of(0.5, 1.0, 1.5), (1, 2), chance=0.5) if timed else None,
        limits=(
            limit(
                "FTE",
                max=steps(0, 5),
                tolerance=one_of(1.0, 2.0, "25%"),
                penalty=one_of(0.0, 1_000.0, 50_000.0, 500_000.0),
                period=one_of(None, "each") if timed else None,
            ),
            limit("Count", min=steps(1, 3), tolerance=1.0, penalty=one_of(0.0, 100_000.0, 10_000_000.0), chance=0.5),
            limit(
                "Cost",
                max=one_of(0.2, 0.4, 0.7),
                share=True,
                scope=one_of(
                    ("Probability", "<", 0.5),
                    ("Probability", "<=", 0.5),
                    ("Probability", ">", 0.8),
                    ("Probability", ">=", 0.8),
                    ("Probability", "=", 1.0),
                ),
                chance=0.5,
            ),
            limit(one_of("Count", "Cost", "FTE"), min=one_of(0.2, 0.5), share=True, scope=("Theme", "A"), chance=0.5),
        ),
        settings={
            "budget": steps(2, 30, 10_000),
            "horizon_months": 36,
            "discount_rate": 0.1,
            "gap": 0,
            "period_length": 3,
            "first_period": "P1",
            "timed_dependencies": False,
        },
    )


def score(ini: Initiative, s: Settings, t: int) -> float:
    lead = ini.time_to_value if not s.periods else max(ini.time_to_value, ini.duration or 0) + 3 * t
    if lead >= s.horizon_months:
        return 0.0
    k = math.log(1 + s.discount_rate)
    return ini.probability * ini.impact * (math.exp(-k * lead / 12) - math.exp(-k * s.horizon_months / 12)) / k


def in_scope(lim: Limit, ini: Initiative) -> bool:
    return lim.scope is None or OPS[lim.scope_op](ini.values[lim.scope[0]], lim.scope[1])


def use(lim: Limit, ini: Initiative, t: int, s: Settings) -> float:
    value = {"Count": 1.0, "Cost": ini.cost}.get(lim.column, ini.values.get(lim.column))
    if lim.period is None:
        return value
    d = max(1, math.ceil(ini.duration / 3))
    off = lim.period - t
    if not 0 <= off < d:
        return 0.0
    if lim.column == "Cost":
        return ini.cost / d
    profile = ini.profiles.get("fte") if lim.column == "FTE" else None
    return value * (profile[off] if profile and off < len(profile) else 1.0)


def evaluate(plan: Plan, choice) -> float | None:
    """The value of a choice (a start or None per initiative), or None when a rule breaks."""
    s, inis = plan.settings, plan.initiatives
    picked = [(ini, t) for ini, t in zip(inis, choice) if t is not None]
    ids = {ini.id for ini, _ in picked}
    for ini, t in zip(inis, choice):
        if ini.decision is Decision.MUST and t is None:
            return None
        if t is not None and any(d not in ids for d in ini.depends_on):
            return None
    if sum(ini.cost for ini, _ in picked) > s.budget + 1e-6:
        return None
    penalty = 0.0
    for lim in plan.limits:
        scoped = sum(use(lim, ini, t, s) for ini, t in picked if in_scope(lim, ini))
        if lim.share:
            total = sum(use(lim, ini, t, s) for ini, t in picked)
            if lim.max is not None and scoped - lim.max * total > 1e-7:
                return None
            if lim.min is not None and scoped - lim.min * total < -1e-7:
                return None
            continue
        allow = lim.tolerance * (abs(lim.max if lim.max is not None else lim.min) if lim.tolerance_percent else 1.0)
        over = 0.0
        if lim.max is not None:
            over = max(over, scoped - lim.max)
        if lim.min is not None:
            over = max(over, lim.min - scoped)
        if over > allow + 1e-7:
            return None
        penalty += lim.penalty * over
    return sum(score(ini, s, t) for ini, t in picked) - penalty


def brute(plan: Plan):
    options = [[None] + list(range(plan.settings.periods or 1)) for _ in plan.initiatives]
    values = [v for choice in itertools.product(*options) if (v := evaluate(plan, choice)) is not None]
    return max(values) if values else None


def check(plan: Plan, solver: str, reduce: bool) -> None:
    best = brute(plan)
    if best is None:
        with pytest.raises(Infeasible) as info, reduced(reduce):
            optimize(plan, solver_name=solver)
        assert info.value.conflict, "an infeasible plan names its conflict"
        return
    with reduced(reduce):
        result = optimize(plan, solver_name=solver)
    assert result.status.value == "optimal"
    starts = {plan.index(i): t for i, t in result.starts.items()}
    choice = [(starts.get(k, 0) if ini.id in result.selected else None) for k, ini in enumerate(plan.initiatives)]
    achieved = evaluate(plan, choice)
    assert achieved is not None, "the portfolio keeps every rule"
    assert achieved == pytest.approx(result.objective, rel=1e-7, abs=1e-3), "the objective counts the penalties"
    assert achieved == pytest.approx(best, rel=1e-6, abs=1e-3)
    for u in result.limits:
        if u.limit.soft:
            assert u.penalty_cost == pytest.approx(u.overshoot * u.limit.penalty)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("reduce", [False, True], ids=["whole", "reduced"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(recipe(timed=False)))
def test_single_period_limit_kinds_equal_brute_force(solver, reduce, plan):
    check(plan, solver, reduce)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["highs", "cbc"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(recipe(timed=True)))
def test_multi_period_limit_kinds_equal_brute_force(solver, plan):
    assume(any(ini.profiles for ini in plan.initiatives) or plan.limits[0].period is None)
    check(plan, solver, False)


def test_a_soft_limit_runs_hot_when_the_value_beats_the_penalty():
    inis = (
        Initiative("A", "a", 1e6, 1.0, 0, 1e5, values={"FTE": 3.0}),
        Initiative("B", "b", 1e6, 1.0, 0, 1e5, values={"FTE": 3.0}),
    )
    hard = Plan(inis, (Limit("FTE", max=5.0),))
    assert len(optimize(hard).selected) == 1
    cheap = Plan(inis, (Limit("FTE", max=5.0, tolerance=0.2, tolerance_percent=True, penalty=1_000.0),))
    result = optimize(cheap)
    assert set(result.selected) == {"A", "B"}
    use = result.limits[0]
    assert (use.overshoot, use.penalty_cost) == (1.0, 1_000.0)
    assert "runs FTE hot" in result.by_id("A").reason
    dear = Plan(inis, (Limit("FTE", max=5.0, tolerance=1.0, penalty=1e9),))
    result = optimize(dear)
    assert len(result.selected) == 1
    out = next(r for r in result.initiatives if not r.selected)
    assert "FTE (the penalty outweighs it)" in out.reason


def test_a_share_limit_caps_long_shots():
    inis = tuple(Initiative(f"L{k}", "long shot", 5e6, 0.3, 0, 1e5, values={"Probability": 0.3}) for k in range(3)) + (
        Initiative("S", "safe", 1e6, 0.9, 0, 1e5, values={"Probability": 0.9}),
    )
    free = optimize(Plan(inis, ()))
    assert len(free.selected) == 4
    capped = optimize(Plan(inis, (Limit("Cost", max=0.5, share=True, scope=("Probability", 0.5), scope_op="<"),)))
    assert sorted(capped.selected) == ["L0", "S"]
    assert capped.limits[0].used == pytest.approx(0.5)
    assert capped.limits[0].limit.name == "Cost (Probability<0.5) share"


# --------------------------------------------------------------------------- from the workbook


def _plan_with(tmp_path, constraints, profile=None, name="plan.xlsx", scenarios=None):
    """The shipped sample (or the quarterly one, with a profile column) with Constraints rows added."""
    import openpyxl

    data = Path(__file__).resolve().parents[1] / "data"
    wb = openpyxl.load_workbook(data / ("sample_quarterly.xlsx" if profile else "sample_plan.xlsx"))
    ws = wb["Constraints"]
    header = [c.value for c in ws[1]]
    for extra in ("Min share", "Max share", "Tolerance", "Penalty"):
        if extra not in header:
            header.append(extra)
            ws.cell(1, len(header), extra)
    for row in constraints:
        r = ws.max_row + 1
        for key, value in row.items():
            cell = ws.cell(r, header.index(key) + 1, value)
            if isinstance(value, float) and key in ("Min share", "Max share"):
                cell.number_format = "0%"
    if profile:
        wi = wb["Initiatives"]
        c = wi.max_column + 1
        wi.cell(1, c, "Data eng FTE profile")
        for r, value in profile.items():
            wi.cell(r, c, value)
    if scenarios:
        wsc = wb["Scenarios"]
        c = wsc.max_column + 1
        for k, (head, value) in enumerate(scenarios.items()):
            wsc.cell(1, c + k, head)
            wsc.cell(2, c + k, value)
    path = tmp_path / name
    wb.save(path)
    return path


def test_workbook_soft_and_share_limits_reach_summary_json_and_ranking(tmp_path):
    import json

    import openpyxl
    from click.testing import CliRunner

    from portfolio_opt.cli import main

    path = _plan_with(
        tmp_path,
        [
            {"Column": "ML eng FTE", "Scope": "All", "Max": 14, "Tolerance": "25%", "Penalty": 50_000},
            {"Column": "Cost", "Scope": "Probability<0.5", "Max share": 0.1},
            {"Column": "Cost", "Scope": "Theme=Platform", "Min share": "20%"},
        ],
    )
    out = tmp_path / "out.xlsx"
    run = CliRunner().invoke(main, ["optimize", str(path), "-o", str(out), "--json", "--explain-limit", "0"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output[run.output.index("{") :])
    by_name = {c["name"]: c for c in data["constraints"]}
    soft = by_name["ML eng FTE [Max 14]"]
    assert soft["tolerance"] == 3.5 and soft["penalty"] == 50_000
    assert soft["overshoot"] > 0 and soft["penalty_cost"] == pytest.approx(soft["overshoot"] * 50_000)
    assert by_name["Cost (Probability<0.5) share"]["used"] <= 0.1 + 1e-9
    assert by_name["Cost (Theme=Platform) share"]["used"] >= 0.2 - 1e-9
    hot = [r for r in data["initiatives"] if "runs ML eng FTE [Max 14] hot" in r["reason"]]
    assert hot and all(r["selected"] for r in hot)
    summary = openpyxl.load_workbook(out)["Summary"]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    head = next(r for r in rows if r[0] == "Limit")
    assert len([h for h in head if h]) == 9, "the limit table stays nine columns (one page wide)"
    measures = {r[0]: r for r in rows}
    assert measures["Overshoot: ML eng FTE [Max 14]"][1] == pytest.approx(soft["overshoot"])
    assert "costs" in measures["Overshoot: ML eng FTE [Max 14]"][2]
    assert measures["Penalty cost"][1] == pytest.approx(soft["penalty_cost"])
    limit_row = next(r for r in rows if r[0] == "ML eng FTE [Max 14]")
    assert limit_row[4] == pytest.approx(-soft["overshoot"]), "Slack is negative by the overshoot"
    share_row = next(r for r in rows if r[0] == "Cost (Theme=Platform) share")
    k = [row[0].value for row in summary.iter_rows()].index("Cost (Theme=Platform) share") + 1
    assert summary.cell(k, 2).number_format.startswith("0.0%") and share_row[1] == pytest.approx(0.2)


@pytest.mark.slow
def test_profiles_scale_per_period_use(tmp_path):
    import json

    from click.testing import CliRunner

    from portfolio_opt.cli import main
    from portfolio_opt.workbook.files import read_plan

    path = _plan_with(tmp_path, [], profile={2: "100%, 50%"}, name="shaped.xlsx")
    plan = read_plan(path)
    assert plan.initiatives[0].profiles == {"dataengfte": (1.0, 0.5)}
    run = CliRunner().invoke(main, ["optimize", str(path), "-o", str(tmp_path / "out.xlsx"), "--json"])
    assert run.exit_code == 0, run.output
    data, _ = json.JSONDecoder().raw_decode(run.output[run.output.index("{") :])
    labels = plan.settings.period_labels()
    expected = dict.fromkeys(labels, 0.0)
    for r in data["initiatives"]:  # each selected one's Data eng FTE, by build period, times its profile
        if not r["selected"]:
            continue
        ini = plan.initiatives[plan.index(r["id"])]
        d = max(1, math.ceil((ini.duration or 3) / 3))
        factors = ini.profiles.get("dataengfte", ())
        for off in range(d):
            t = labels.index(r["start"]) + off
            if t < len(labels):
                expected[labels[t]] += ini.values["Data eng FTE"] * (factors[off] if off < len(factors) else 1.0)
    used = {c["period"]: c["used"] for c in data["constraints"] if c["name"].startswith("Data eng FTE")}
    assert used == pytest.approx(expected)
    assert any(r["selected"] and r["id"] == "INI-001" for r in data["initiatives"]), (
        "a profiled initiative is in the portfolio, so the profile is what is measured"
    )


@pytest.mark.parametrize(
    "rows, code, where",
    [
        ([{"Column": "Cost", "Scope": "All", "Max share": 30}], "out-of-range", "Constraints!F"),
        (
            [{"Column": "Cost", "Scope": "Theme=Platform", "Min share": 0.2, "Tolerance": 5}],
            "tolerance-on-share",
            "Constraints!G",
        ),
        ([{"Column": "Cost", "Scope": "Theme<3", "Max": 5}], "bad-scope", "Constraints!B"),
        ([{"Column": "Cost", "Scope": "Probability<high", "Max": 5}], "bad-scope", "Constraints!B"),
        ([{"Column": "Cost", "Scope": "All", "Max": 5, "Tolerance": -1}], "out-of-range", "Constraints!G"),
        ([{"Column": "Cost", "Scope": "All", "Min share": 0.5, "Max share": 0.2}], "min-above-max", "Constraints!E"),
    ],
)
def test_bad_new_limit_cells_are_named(tmp_path, rows, code, where):
    from portfolio_opt import InvalidWorkbook
    from portfolio_opt.workbook.files import read_plan

    with pytest.raises(InvalidWorkbook) as info:
        read_plan(_plan_with(tmp_path, rows))
    assert any(p.code == code and p.where.startswith(where) for p in info.value.problems), info.value.problems


def test_a_profile_of_an_unknown_column_is_refused(tmp_path):
    import openpyxl

    from portfolio_opt import InvalidWorkbook
    from portfolio_opt.workbook.files import read_plan

    path = _plan_with(tmp_path, [], profile={2: "100%, 50%"})
    wb = openpyxl.load_workbook(path)
    wi = wb["Initiatives"]
    wi.cell(1, wi.max_column, "Design FTE profile")
    wb.save(path)
    with pytest.raises(InvalidWorkbook) as info:
        read_plan(path)
    assert [p.code for p in info.value.problems] == ["unknown-profile-column"]


def test_scenarios_move_shares_and_tolerances(tmp_path):
    from portfolio_opt.analyses.scenarios import apply_scenario
    from portfolio_opt.workbook.files import read_plan

    path = _plan_with(
        tmp_path,
        [
            {"Column": "ML eng FTE", "Scope": "All", "Max": 12, "Tolerance": 1, "Penalty": 10_000},
            {"Column": "Cost", "Scope": "Probability<0.5", "Max share": 0.3},
        ],
        scenarios={"Max share: Cost (Probability<0.5)": 0.1, "Tolerance: ML eng FTE [Max 12]": "50%"},
    )
    plan = read_plan(path)
    scenario = plan.scenarios[0]
    labels = [c.label for c in scenario.changes]
    assert "Max share Cost (Probability<0.5) 10%" in labels and "Tolerance ML eng FTE [Max 12] 50%" in labels
    changed = apply_scenario(plan, scenario)
    share = next(lim for lim in changed.limits if lim.share)
    soft = next(lim for lim in changed.limits if lim.soft)
    assert share.max == 0.1 and soft.allowance("max") == 6.0


def test_explanations_and_diagnosis_respect_the_tolerance():
    from portfolio_opt import explain

    inis = (
        Initiative("A", "a", 1e6, 1.0, 0, 1e5, values={"FTE": 3.0}, decision=Decision.MUST),
        Initiative("B", "b", 1e6, 1.0, 0, 1e5, values={"FTE": 3.0}, decision=Decision.MUST),
        Initiative("C", "c", 5e5, 1.0, 0, 1e5, values={"FTE": 2.0}),
    )
    soft = Limit("FTE", max=5.0, tolerance=1.0, penalty=1_000.0)
    result = explain(optimize(Plan(inis, (soft,))))
    use = result.limits[0]
    assert use.overshoot == 1.0
    # one more unit of room saves one unit of penalty
    assert use.value_one_more == pytest.approx(1_000.0)
    # beyond its tolerance, the soft limit is the conflict, and the move is what lies beyond it
    tight = Plan(inis, (Limit("FTE", max=4.0, tolerance=1.0, penalty=1_000.0),))
    with pytest.raises(Infeasible) as info:
        optimize(tight)
    change = next(c for c in info.value.changes if c.rule == ("limit", 0, "max"))
    assert change.text.startswith("raise the FTE Max by 1 to 5"), change.text
    assert change.bound == 5.0
    assert "with a tolerance of 1" in next(c.detail for c in info.value.conflict if c.kind == "limit")
