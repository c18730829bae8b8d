"""Results as data for pipelines: one plain dict per result (the ``--json`` objects), and the one
way a dict becomes JSON text (:func:`to_json`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from portfolio_opt.model.plan import Scoring
from portfolio_opt.model.result import CostRisk, InitiativeResult, LimitUse, Result, SolverInfo
from portfolio_opt.render import for_type

if TYPE_CHECKING:  # the analyses load numpy and the solver: not for printing --help
    from portfolio_opt.analyses.alternatives import Alternatives
    from portfolio_opt.analyses.compare import Comparison
    from portfolio_opt.analyses.frontier import Frontier
    from portfolio_opt.analyses.review import QuarterReview
    from portfolio_opt.analyses.robustness import Robustness
    from portfolio_opt.analyses.scenarios import ScenarioRun
    from portfolio_opt.core.lifecycle import Realization
    from portfolio_opt.core.simulation import Simulation


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        if x != x or x in (float("inf"), float("-inf")):
            return None
        return round(x, 6)
    return x


def result_to_dict(result: Result, output: str | None = None) -> dict[str, Any]:
    """The ``--json`` object of ``optimize``: status, totals, every initiative, every limit."""
    return (
        {
            "status": result.status.value,
            "objective": _clean(result.objective),
            "objective_kind": result.plan.settings.objective.value,
            "total_value": _clean(result.total_value),
            "total_cost": _clean(result.total_cost),
            "budget": _clean(result.budget),
            "count": len(result.selected),
            "selected": list(result.selected),
            "initiatives": [_initiative_dict(r) for r in result.initiatives],
            "constraints": [_limit_dict(u) for u in result.limits],
            "solver": _solver_dict(result.solver),
            "warnings": list(result.warnings),
            "explain_note": result.explain_note,
            "output": output,
        }
        | ({"risk": risk_to_dict(result.risk)} if result.risk is not None else {})
        | _cost_risk_dict(result)
        | _funding_dict(result)
        | _review_dict(result)
    )


def _cost_risk_dict(result: Result) -> dict[str, Any]:
    """``budget_confidence`` and ``contingency`` of a result, when the budget holds at a
    confidence or costs have ranges."""
    return {} if result.cost_risk is None else _cost_risk(result.cost_risk)


def _cost_risk(risk: CostRisk) -> dict[str, Any]:
    """``budget_confidence`` (asked for, and met on the worlds) and ``contingency`` (the reserve
    the budget needs at 50, 80 and 90% confidence)."""
    return {
        "budget_confidence": {
            "target": _clean(risk.target),
            "met": _clean(risk.within),
            "se": _clean(risk.se),
            "samples": risk.samples,
        },
        "contingency": {key: _clean(value) for key, value in risk.contingency.items()},
    }


def _funding_dict(result: Result) -> dict[str, Any]:
    """``funding_order`` (IDs), ``worlds`` (each budget's probability, budget, what it funds and
    its value, beside its own optimum) and ``expected_value`` over the worlds, with a Budgets sheet."""
    f = result.funding
    if f is None:
        return {}
    worlds = [
        {
            "name": w.world.name,
            "probability": _clean(w.world.probability),
            "budget": _clean(w.world.budget),
            "funded": list(w.funded),
            "line": len(w.funded),
            "value": _clean(w.value),
            "cost": _clean(w.cost),
            "own_optimum": _clean(w.alone),
        }
        for w in f.worlds
    ]
    return {
        "funding_order": list(f.order),
        "worlds": worlds,
        "expected_value": _clean(f.expected_value),
        "funding_objective": _clean(f.objective),
        "price_of_one_order": _clean(f.price),
    }


def _initiative_dict(r: InitiativeResult) -> dict[str, Any]:
    """One initiative of the ``--json`` object: its figures, decision, reason and explanation."""
    return {
        "id": r.id,
        "name": r.name,
        "theme": r.theme,
        "score": _clean(r.score),
        "cost": _clean(r.cost),
        "decision": r.decision,
        "criteria_score": _clean(r.criteria_score),
        "value_per_cost": _clean(r.value_per_cost),
        "selected": r.selected,
        "rank": r.rank,
        "reason": r.reason,
        "regret": _clean(r.regret),
        "break_even_score": _clean(r.break_even_score),
        "break_even_cost": _clean(r.break_even_cost),
        "explained": r.explained,
        "unsettled": list(r.unsettled),
        "start": r.start,
        "finish": r.finish,
        "delay_loss": _clean(r.delay_loss),
        "if_flipped": {
            "enters": list(r.flip_enters),
            "leaves": list(r.flip_leaves),
            "impossible": r.flip_note or None,
        },
    }


def _limit_dict(u: LimitUse) -> dict[str, Any]:
    """One limit of the ``--json`` object: its bounds, use, what more room is worth, and for a soft
    limit its tolerance, penalty and overshoot."""
    from portfolio_opt.core.rules import kind_of  # the program builder: not for printing --help

    return {
        "name": u.limit.name,
        "period": u.limit.period_label or None,
        "column": u.limit.column,
        "scope": u.limit.scope_text,
        "min": _clean(u.limit.min),
        "max": _clean(u.limit.max),
        "used": _clean(u.used),
        "slack": _clean(u.slack),
        "binding": u.binding,
        "value_one_more": _clean(u.value_one_more),
        "one_more_step": u.step,
        "value_ten_percent": _clean(u.value_ten_percent),
        "unsettled": list(u.unsettled),
        "source": u.limit.source,
        "kind": kind_of(u.limit).name,
        "share": u.limit.share,
        "tolerance": _clean(u.limit.allowance("max") if u.limit.max is not None else u.limit.allowance("min"))
        if u.limit.soft
        else None,
        "penalty": _clean(u.limit.penalty) if u.limit.soft else None,
        "overshoot": _clean(u.overshoot),
        "penalty_cost": _clean(u.penalty_cost),
    }


def _solver_dict(solver: SolverInfo) -> dict[str, Any]:
    """How the solve went, for the ``--json`` object."""
    return {
        "name": solver.name,
        "version": solver.version,
        "seconds": _clean(solver.seconds),
        "gap": _clean(solver.gap),
        "bound": _clean(solver.bound),
        "fixed_by_lp_bound": solver.fixed,
        "columns": solver.columns,
    }


def _review_dict(result: Result) -> dict[str, Any]:
    """A quarterly review's additions (value realized, the run budget's use), and committee
    scoring's (criteria weights, their source and consistency, what changed)."""
    from portfolio_opt.render.json import realization_to_dicts

    out: dict[str, Any] = {}
    crit = result.plan.criteria
    if crit is not None or result.plan.settings.scoring is not Scoring.EXPECTED_VALUE:
        out["criteria"] = {
            "scoring": result.plan.settings.scoring,
            "weights": crit.weights if crit is not None else {},
            "source": crit.source if crit is not None else None,
            "consistency_ratio": _clean(crit.consistency_ratio) if crit is not None else None,
        } | (
            {"entered": list(result.scoring_change["entered"]), "left": list(result.scoring_change["left"])}
            if result.scoring_change
            else {}
        )
    if result.realization:
        out["realization"] = realization_to_dicts(result.realization)
    run = next((u for u in result.limits if u.limit.label == "run budget"), None)
    if run is not None:
        out["run_cost"] = {"used": _clean(run.used), "max": _clean(run.limit.max)}
    elif any(ini.status is not None for ini in result.plan.initiatives):  # a review without a Run budget
        chosen = set(result.selected)
        used = math.fsum(ini.run_cost for ini in result.plan.initiatives if ini.id in chosen)
        out["run_cost"] = {"used": _clean(used), "max": None}
    return out


def risk_to_dict(r) -> dict[str, Any]:
    """A :class:`~portfolio_opt.model.RiskChoice` as JSON."""
    return {
        "objective": r.objective,
        "weight": r.weight,
        "level": r.level,
        "samples": r.samples,
        "chosen": {k: _clean(v) for k, v in r.chosen.items()},
        "expected_value_portfolio": {k: _clean(v) for k, v in r.expected.items()}
        | {"selected": list(r.expected_selected)},
        "entered": list(r.entered),
        "left": list(r.left),
    }


def to_json(data: Any) -> str:
    """The one way results become JSON: NaN and infinity become null (JSON has neither), enums
    their values, tuples lists; indented, UTF-8 as is."""
    import enum
    import json

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, enum.Enum):
            return clean(x.value)
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(data), indent=2, ensure_ascii=False, allow_nan=False)


def frontier_to_dict(f: Frontier) -> dict:
    """The JSON of ``frontier --json``: every point from the lowest budget up, with the solves
    and time taken."""
    return {
        "points": [
            {
                "budget": p.budget,
                "status": p.status.value,
                "objective": p.objective,
                "total_cost": p.total_cost,
                "count": p.count,
                "selected": list(p.selected),
                "entered": list(p.entered),
                "left": list(p.left),
                "marginal_value": p.marginal_value,
                "lp_bound": p.lp_bound,
                "current": p.current,
                "order_value": p.order_value,
            }
            for p in f.points
        ],
        "solves": f.solves,
        "seconds": round(f.seconds, 3),
        "warnings": list(f.warnings),
    }


def scenarios_to_dict(run: ScenarioRun) -> dict:
    """The run as JSON; multi-period plans add each scenario's ``starts`` (ID -> period label)."""
    plan = run.plan
    labels = plan.settings.period_labels() if plan.settings.periods else []
    return {
        "scenarios": [
            {
                "name": r.name,
                "status": r.solved.status.value,
                "objective": r.solved.objective,
                "total_cost": r.solved.total_cost,
                "budget": r.budget,
                "count": len(r.solved.selected),
                "selected": list(r.solved.selected),
                "starts": {i: labels[t] for i, t in r.solved.starts} if labels else None,
                "changes": list(r.changes),
                "entered": [{"id": i, "cause": c} for i, c in r.entered],
                "left": [{"id": i, "cause": c} for i, c in r.left],
                "conflict": list(r.solved.conflict),
                "limit_use": list(r.solved.limit_use),
                "risk": r.risk,
            }
            for r in run.results
        ],
        "solves": run.solves,
        "seconds": round(run.seconds, 3),
    }


def comparison_to_dict(c: Comparison) -> dict:
    """The JSON of ``compare --json``: each plan against the optimum at its cost, and how the
    plans differ."""
    from portfolio_opt.analyses.compare import matrix

    return {
        "plans": [
            {
                "name": r.name,
                "objective": r.objective,
                "total_value": r.total_value,
                "total_cost": r.total_cost,
                "count": len(r.selected),
                "selected": list(r.selected),
                "violations": list(r.violations),
                "efficiency": r.efficiency,
                "optimal_objective": r.optimal.objective,
                "optimal_selected": list(r.optimal.selected),
                "optimal_adds": list(r.adds),
                "optimal_drops": list(r.drops),
                "risk": r.risk,
            }
            for r in c.plans
        ],
        "differences": list(c.differences),
        "initiatives": matrix(c),
    }


def review_to_dict(r: QuarterReview) -> dict:
    """The JSON of ``review --json``."""
    from portfolio_opt.render.json import realization_to_dicts

    res = r.result
    return {
        "last": {"name": r.last_name, "selected": list(r.last_selected), "objective": r.last_objective},
        "this": {
            "name": r.this_name,
            "selected": list(res.selected),
            "objective": res.objective,
            "total_cost": res.total_cost,
            "decisions": {x.id: x.decision for x in res.initiatives},
        },
        "changes": [
            {"id": c.id or None, "name": c.name or None, "field": c.field, "before": c.before, "after": c.after}
            for c in r.changes
        ],
        "moves": [{"id": i, "move": m, "cause": c} for i, m, c in r.moves],
        "realization": realization_to_dicts(res.realization),
        "solves": r.solves,
        "seconds": r.seconds,
    }


def simulation_to_dict(sim: Simulation) -> dict:
    """The JSON of ``simulate --json``."""
    f = sim.figures
    out: dict[str, Any] = {"samples": sim.samples, "seed": sim.seed}
    for key in ("mean", "std", "p5", "p10", "p50", "p90", "p95", "cvar"):
        out[key] = f[key].value
    out["risk_level"] = sim.level
    for key in ("prob_target", "prob_loss", "prob_over_budget"):
        out[key] = f[key].value
    out["mean_se"] = f["mean"].se
    out["se"] = {k: v.se for k, v in f.items()}
    out["value_target"] = sim.plan.settings.value_target
    out["expected_value"] = sim.expected_value
    out["portfolio"] = sim.how
    out["selected"] = list(sim.selected)
    if sim.cost_risk is not None:
        out |= _cost_risk(sim.cost_risk)
    out["initiatives"] = [
        {
            "id": r.id,
            "name": r.name,
            "theme": r.theme,
            "success_rate": r.success_rate,
            "mean_contribution": r.mean_contribution,
            "downside_share": r.downside_share,
        }
        for r in sim.initiatives
    ]
    out["themes"] = [
        {
            "theme": t.theme,
            "count": t.count,
            "mean": t.mean,
            "std": t.std,
            "p10": t.p10,
            "p90": t.p90,
            "downside_share": t.downside_share,
        }
        for t in sim.themes
    ]
    out["seconds"] = sim.seconds
    return out


def alternatives_to_dict(a: Alternatives) -> dict:
    """The JSON of ``alternatives --json``."""
    labels = a.plan.settings.period_labels() if a.plan.settings.periods else []
    return {
        "portfolios": [
            {
                "rank": p.rank,
                "objective": p.objective,
                "total_value": p.total_value,
                "total_cost": p.total_cost,
                "count": len(p.selected),
                "selected": list(p.selected),
                "gap": p.gap,
                "adds": list(p.adds),
                "drops": list(p.drops),
                "limit_use": {u.limit.name: u.used for u in p.limits},
                "starts": {i: labels[t] for i, t in p.starts} if labels else None,
            }
            for p in a.portfolios
        ],
        "asked": a.asked,
        "found": len(a.portfolios),
        "within": a.within,
        "min_difference": a.min_difference,
        "note": a.note,
        "seconds": a.seconds,
    }


def robustness_to_dict(r: Robustness) -> dict:
    """The JSON of ``robustness --json``."""
    return {
        "samples": r.samples,
        "seed": r.seed,
        "spread": r.spread,
        "initiatives": [
            {"id": i, "frequency": r.frequency[i], "class": r.classes[i], "baseline": i in set(r.baseline)}
            for i in (ini.id for ini in r.plan.initiatives)
        ],
        "baseline": {
            "selected": list(r.baseline),
            "objective": r.objective,
            "regret_mean": r.regret_mean,
            "regret_p90": r.regret_p90,
            "regret_max": r.regret_max,
            "optimal_share": r.optimal_share,
            "mean_value": r.mean_value,
            "bias": r.bias,
            "corrected_value": r.corrected_value,
        },
        "failed": r.failed,
        "solves": r.solves,
        "seconds": r.seconds,
    }


def realization_to_dicts(rows: Sequence[Realization]) -> list[dict]:
    """Each initiative's value realized against its forecast to the review date, as JSON."""
    return [
        {
            "id": r.id,
            "forecast_to_date": r.forecast_to_date,
            "actual_to_date": r.actual_to_date,
            "rate": r.rate,
            "flag": r.flag or None,
        }
        for r in rows
    ]


#: What :func:`to_dict` turns each result into
def diff_to_dict(d) -> dict:
    """The JSON of ``diff --json``: the two portfolios, every change between their plans (with
    its kind) and each move with its cause."""
    return {
        "a": {"name": d.a_name, "selected": list(d.a_selected), "objective": d.a_value},
        "b": {"name": d.b_name, "selected": list(d.b_selected), "objective": d.b_value},
        "kept": list(d.kept),
        "changes": [{"kind": c.kind, "id": c.id or None, "change": c.label} for c in d.changes],
        "moves": [
            {"id": m.id, "name": m.name, "move": m.move, "cause": m.cause, "kinds": list(m.kinds), "own": list(m.own)}
            for m in d.moves
        ],
        "solves": d.solves,
        "seconds": d.seconds,
    }


_TO_DICT: dict[str, Callable[..., dict[str, Any]]] = {
    "portfolio_opt.analyses.diff.PortfolioDiff": diff_to_dict,
    "portfolio_opt.model.result.Result": result_to_dict,
    "portfolio_opt.analyses.frontier.Frontier": frontier_to_dict,
    "portfolio_opt.analyses.scenarios.ScenarioRun": scenarios_to_dict,
    "portfolio_opt.analyses.compare.Comparison": comparison_to_dict,
    "portfolio_opt.core.simulation.Simulation": simulation_to_dict,
    "portfolio_opt.analyses.alternatives.Alternatives": alternatives_to_dict,
    "portfolio_opt.analyses.robustness.Robustness": robustness_to_dict,
    "portfolio_opt.analyses.review.QuarterReview": review_to_dict,
}


def to_dict(result: Any, output: str | None = None) -> dict[str, Any]:
    """Any result of the library (a :class:`Result`, :class:`Frontier`, :class:`ScenarioRun`,
    :class:`Comparison`, :class:`Simulation`, :class:`Alternatives`, :class:`Robustness` or
    :class:`QuarterReview`) as plain data: the object ``--json`` prints (:func:`to_json` makes
    it text). ``output``, the workbook it was saved to, is one of its entries when given.
    Raises TypeError for anything else."""
    convert = for_type(result, _TO_DICT)
    if convert is result_to_dict:
        return result_to_dict(result, output)
    return convert(result) | ({"output": output} if output is not None else {})
