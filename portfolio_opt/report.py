"""Results as data for pipelines (JSON) and as a few lines for people."""

from __future__ import annotations

from typing import Any

from .model import Result, Status


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        if x != x or x in (float("inf"), float("-inf")):
            return None
        return round(x, 6)
    return x


def result_to_dict(result: Result, output: str | None = None) -> dict[str, Any]:
    """The ``--json`` object of ``optimize``: status, totals, every initiative, every limit."""
    return {
        "status": result.status.value,
        "objective": _clean(result.objective),
        "objective_kind": result.plan.settings.objective.value,
        "total_value": _clean(result.total_value),
        "total_cost": _clean(result.total_cost),
        "budget": _clean(result.budget),
        "count": len(result.selected),
        "selected": list(result.selected),
        "initiatives": [
            {
                "id": r.id,
                "name": r.name,
                "theme": r.theme,
                "score": _clean(r.score),
                "cost": _clean(r.cost),
                "value_per_cost": _clean(r.value_per_cost),
                "selected": r.selected,
                "rank": r.rank,
                "reason": r.reason,
            }
            for r in result.initiatives
        ],
        "constraints": [
            {
                "name": u.limit.name,
                "column": u.limit.column,
                "scope": u.limit.scope_text,
                "min": _clean(u.limit.min),
                "max": _clean(u.limit.max),
                "used": _clean(u.used),
                "slack": _clean(u.slack),
                "binding": u.binding,
                "source": u.limit.source,
            }
            for u in result.limits
        ],
        "solver": {
            "name": result.solver.name,
            "version": result.solver.version,
            "seconds": _clean(result.solver.seconds),
            "gap": _clean(result.solver.gap),
            "bound": _clean(result.solver.bound),
        },
        "warnings": list(result.warnings),
        "output": output,
    }


def money(x: float | None) -> str:
    return "none" if x is None else f"{x:,.0f}"


def summary_lines(result: Result, output: str | None = None) -> list[str]:
    """The short summary ``optimize`` prints."""
    gap = result.solver.gap
    gap_text = f"gap {gap:.4%}" if gap is not None else "gap unknown"
    status = result.status.value
    if result.status is Status.FEASIBLE:
        status = "stopped at the time limit, not proven optimal"
    lines = [f"Status          {status} ({gap_text}, {result.solver.name}, {result.solver.seconds:.2f} s)"]
    kind = result.plan.settings.objective.value
    lines.append(f"Expected value  {money(result.total_value)}" + (f"  (npv objective {money(result.objective)})" if kind == "npv" else ""))
    if result.budget is not None:
        share = f" ({result.total_cost / result.budget:.1%})" if result.budget else ""
        lines.append(f"Cost            {money(result.total_cost)} of budget {money(result.budget)}{share}")
    else:
        lines.append(f"Cost            {money(result.total_cost)} (no budget set)")
    lines.append(f"Selected        {len(result.selected)} of {len(result.initiatives)} initiatives")
    binding = [u.limit.name for u in result.limits if u.binding]
    if binding:
        lines.append(f"Binding limits  {', '.join(binding)}")
    if output:
        lines.append(f"Written         {output}")
    return lines
