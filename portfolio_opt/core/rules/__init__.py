"""Every kind of rule a portfolio keeps, each kind one class that owns its behaviour.

:mod:`.base` holds the contract (:class:`Rule`) and what rules write into (:class:`Program`) and
check (:class:`Chosen`); :mod:`.decisions` the planner's Must and Exclude; :mod:`.links`
dependencies and exclusive groups; :mod:`.limits` the limits (hard, soft, share, and kinds that
register themselves). :func:`plan_rules` gives every rule of a plan. Pure: no solver, no files.
"""

from __future__ import annotations

from collections.abc import Mapping

from portfolio_opt.core.rules.base import (
    Chosen,
    Columns,
    On,
    Part,
    Program,
    Rule,
    Violation,
    build_cache,
    share_build_cache,
)
from portfolio_opt.core.rules.confidence import BudgetConfidence
from portfolio_opt.core.rules.decisions import Exclude, Must
from portfolio_opt.core.rules.limits import (
    HardLimit,
    LimitRule,
    ShareLimit,
    SoftLimit,
    Tally,
    contribution,
    kind_of,
    limit_offset,
    limit_rule,
    limit_rules,
    limit_sum,
    limit_terms,
    limit_use,
    limit_uses,
    unit_of,
)
from portfolio_opt.core.rules.links import Dependency, ExclusiveGroup, dependency_pairs, exclusive_groups
from portfolio_opt.model.plan import Decision, Plan

__all__ = [
    "BudgetConfidence",
    "Chosen",
    "Columns",
    "Dependency",
    "Exclude",
    "ExclusiveGroup",
    "HardLimit",
    "LimitRule",
    "Must",
    "On",
    "Part",
    "Program",
    "Rule",
    "ShareLimit",
    "SoftLimit",
    "Tally",
    "Violation",
    "build_cache",
    "contribution",
    "dependency_pairs",
    "exclusive_groups",
    "kind_of",
    "limit_offset",
    "limit_rule",
    "limit_rules",
    "limit_sum",
    "limit_terms",
    "limit_use",
    "limit_uses",
    "plan_rules",
    "share_build_cache",
    "unit_of",
]


def plan_rules(
    plan: Plan, limit_overrides: Mapping[int, tuple[float | None, float | None]] | None = None
) -> list[Rule]:
    """Every rule of a plan: decisions first (people drop a decision more readily), then the
    limits (budget first), the budget's confidence, dependencies and exclusive groups."""
    out: list[Rule] = []
    for i, ini in enumerate(plan.initiatives):
        if ini.decision is Decision.MUST:
            out.append(Must(i))
        elif ini.decision is Decision.EXCLUDE:
            out.append(Exclude(i))
    out.extend(limit_rules(plan, limit_overrides))
    budget = plan.budget_limit
    if plan.settings.budget_confidence is not None and budget is not None:
        out.append(BudgetConfidence(budget, plan.settings.budget_confidence))
    out.extend(Dependency(i, j) for i, j in dependency_pairs(plan))
    out.extend(ExclusiveGroup(g, tuple(m)) for g, m in exclusive_groups(plan).items() if len(m) > 1)
    return out
