"""Results as a few lines for people: what each command prints, and one initiative's story."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from portfolio_opt.core.reasons import reason_sentence
from portfolio_opt.model.figures import money
from portfolio_opt.model.plan import Initiative, Objective, Plan, Scoring
from portfolio_opt.model.result import InitiativeResult, Result, Status
from portfolio_opt.render import for_type

if TYPE_CHECKING:  # the analyses load numpy and the solver: not for printing --help
    from portfolio_opt.analyses.alternatives import Alternatives
    from portfolio_opt.analyses.review import QuarterReview
    from portfolio_opt.analyses.robustness import Robustness
    from portfolio_opt.core.simulation import Simulation


def _money_of(plan: Plan) -> Any:
    """Amounts as the plan's Currency setting shows them (``€1,200,000``)."""
    currency = plan.settings.currency
    return lambda x: money(x, currency)


def named(plan: Plan, ids: Any, most: int = 6) -> str:
    """Initiatives by ID and name, as a reader knows them: ``INI-031 A/B testing platform``,
    the first ``most`` and how many more."""
    names = {ini.id: ini.name for ini in plan.initiatives}
    ids = list(ids)
    shown = ", ".join(f"{i} {names[i]}" if names.get(i) else i for i in ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def summary_lines(result: Result, output: str | None = None) -> list[str]:
    """The short summary ``optimize`` prints."""
    money = _money_of(result.plan)
    gap = result.solver.gap
    gap_text = f"gap {gap:.4%}" if gap is not None else "gap unknown"
    status = result.status.value
    if result.status is Status.FEASIBLE:
        status = "stopped at the time limit, not proven optimal"
    lines = [f"Status          {status} ({gap_text}, {result.solver.name}, {result.solver.seconds:.2f} s)"]
    npv = result.plan.settings.objective is Objective.NPV
    scoring = result.plan.settings.scoring
    if scoring is Scoring.EXPECTED_VALUE:
        lines.append(
            f"Expected value  {money(result.total_value)}"
            + (f"  (npv objective {money(result.objective)})" if npv else "")
        )
    else:  # committee scoring: the sum of its scores, which is money only for blend
        shown = money(result.total_value) if scoring is Scoring.BLEND else f"{result.total_value:,.3f}"
        lines.append(f"Score ({scoring})".ljust(16) + shown)
    if result.budget is not None:
        share = f" ({result.total_cost / result.budget:.1%})" if result.budget else ""
        lines.append(f"Cost            {money(result.total_cost)} of budget {money(result.budget)}{share}")
    else:
        lines.append(f"Cost            {money(result.total_cost)} (no budget set)")
    lines.append(f"Selected        {len(result.selected)} of {len(result.initiatives)} initiatives")
    binding = [u.limit.name for u in result.limits if u.binding]
    if binding:
        lines.append(f"Binding limits  {', '.join(binding)}")
    if result.risk is not None:
        r = result.risk
        lines.append(
            f"Risk-aware      weight {r.weight:g} on CVaR {r.level:.0%} (worst {r.level:.0%} of worlds), "
            f"judged on {r.samples:,} fresh worlds:"
        )
        for name, key in (("mean", "mean"), ("P10", "p10"), ("CVaR", "cvar"), ("P(target)", "prob_target")):
            a, b = r.chosen.get(key), r.expected.get(key)
            if a is None:
                continue
            fmt = (lambda x: f"{x:.1%}") if key == "prob_target" else money
            lines.append(f"  {name:<10} {fmt(a):>14} (expected-value portfolio {fmt(b)})")
        if r.entered or r.left:
            plan = result.plan
            lines.append(f"  entered {named(plan, r.entered) or 'none'}; left {named(plan, r.left) or 'none'}")
    lines += _cost_risk_lines(result) + _funding_lines(result)
    from portfolio_opt.core.ranges import ranges_note  # numpy: not for printing --help

    ranged = ranges_note(result.plan)
    if ranged:
        lines.append(f"Note            {ranged}")
    if output:
        lines.append(f"Written         {output}")
    return lines


def _cost_risk_lines(result: Result) -> list[str]:
    """The budget's confidence on fresh worlds, and the reserve it needs (the contingency)."""
    money = _money_of(result.plan)
    risk = result.cost_risk
    if risk is None:
        return []
    asked = f" (Budget confidence {risk.target:.0%})" if risk.target is not None else ""
    reserve = ", ".join(f"{q}% {money(risk.contingency[f'p{q}'])}" for q in (50, 80, 90))
    return [
        f"Within budget   {risk.within:.1%} ± {risk.se:.1%} of {risk.samples:,} fresh worlds{asked}",
        f"Contingency     {reserve} (the cost's quantile less the budget)",
    ]


def _funding_lines(result: Result) -> list[str]:
    """The funding order: each budget's cut line, the expected value and the price of one order."""
    money = _money_of(result.plan)
    f = result.funding
    if f is None:
        return []
    lines = [f"Funding order   {' > '.join(f.order[: max(f.lines, default=0)])}"]
    for w in f.worlds:
        lines.append(
            f"  {w.world.name:<14} budget {money(w.world.budget):>12} ({w.world.probability:.0%}): "
            f"the first {len(w.funded)}, value {money(w.value)} (alone {money(w.alone)})"
        )
    lines.append(f"  expected value {money(f.expected_value)}, {money(f.price)} below each budget's own optimum")
    return lines


def frontier_lines(f, output: str | None = None) -> list[str]:
    """What ``frontier`` prints: one line per budget, the current one marked."""
    lines = [
        f"{len(f.points)} budgets from {f.points[0].budget:,.0f} to {f.points[-1].budget:,.0f} "
        f"({f.solves} solves, {f.seconds:.1f} s)",
        f"{'Budget':>14} {'Expected value':>15} {'Cost':>14} {'Count':>5}",
    ]
    for p in f.points:
        mark = "  <- current budget" if p.current else ""
        value = f"{p.objective:,.0f}" if p.objective is not None else p.status.value
        cost = f"{p.total_cost:,.0f}" if p.total_cost is not None else ""
        lines.append(f"{p.budget:>14,.0f} {value:>15} {cost:>14} {p.count:>5}{mark}")
    return lines + ([f"Written {output}"] if output else [])


def scenario_lines(run, output: str | None = None) -> list[str]:
    """What ``scenarios`` prints: each scenario's value against the baseline, and who moved why."""
    lines = []
    base = run.results[0].solved
    cur = run.plan.settings.currency
    described = {sc.name: sc.description for sc in run.plan.scenarios}
    for r in run.results:
        value = money(r.solved.objective, cur) if r.solved.ok else r.solved.status.value
        delta = ""
        if r is not run.results[0] and r.solved.ok and base.ok:
            delta = f" ({r.solved.objective - base.objective:+,.0f})"
        cost = f", cost {money(r.solved.total_cost, cur)}" if r.solved.ok else ""
        lines.append(f"{r.name}: {value}{delta}{cost}")
        lines += [f"    {d}" for d in (described.get(r.name),) if d]
        lines += [f"    entered {named(run.plan, [i])}: {cause}" for i, cause in r.entered]
        lines += [f"    left    {named(run.plan, [i])}: {cause}" for i, cause in r.left]
        if r.solved.conflict:
            lines.append(f"    conflict: {'; '.join(r.solved.conflict)}")
        if r.risk:
            lines.append("    " + risk_line(r.risk, run.plan.settings.risk_level))
    return lines + ([f"Written {output}"] if output else [])


def comparison_lines(c, output: str | None = None) -> list[str]:
    """What ``compare`` prints: each plan's value, cost, efficiency and broken rules."""
    lines = []
    for r in c.plans:
        eff = (
            f"{r.efficiency:.1%}" if r.efficiency is not None else ("n/a (breaks the rules)" if r.violations else "n/a")
        )
        cur = r.plan.settings.currency
        lines.append(
            f"{r.name}: value {money(r.objective, cur)}, cost {money(r.total_cost, cur)}, "
            f"{len(r.selected)} initiatives, efficiency {eff}"
        )
        if r.optimal.ok:
            lines.append(
                f"    optimum at this cost: {money(r.optimal.objective, cur)}"
                + (
                    f" (adds {named(r.plan, r.adds) or 'none'}; drops {named(r.plan, r.drops) or 'none'})"
                    if r.adds or r.drops
                    else ""
                )
            )
        lines += [f"    breaks: {v}" for v in r.violations]
        if r.risk:
            lines.append("    " + risk_line(r.risk, r.plan.settings.risk_level))
    lines += [f"Note: {d}" for d in c.differences]
    return lines + ([f"Written {output}"] if output else [])


def risk_line(risk: dict, level: float) -> str:
    """A portfolio's simulated figures in one line, e.g. ``simulated: mean 32,217,650, P10 ...``."""
    text = f"simulated: mean {money(risk['mean'])}, P10 {money(risk['p10'])}, CVaR {level:.0%} {money(risk['cvar'])}"
    if risk.get("prob_target") is not None:
        text += f", P(target) {risk['prob_target']:.1%}"
    return text


def _ids(ids) -> str:
    ids = list(ids)
    if len(ids) <= 6:
        return ", ".join(ids)
    return ", ".join(ids[:6]) + f" and {len(ids) - 6} more"


def story(result: Result, initiative_id: str) -> list[str]:
    """One initiative's decision in plain sentences (for ``portfolio-opt explain``)."""
    money = _money_of(result.plan)
    r = result.by_id(initiative_id)
    plan = result.plan
    ini = plan.initiatives[plan.index(initiative_id)]
    lines = [_headline(result, r, ini), _score_line(plan, r, ini)]
    lines.append(("Why in: " if r.selected else "Why out: ") + reason_sentence(r.why) if r.why else f"Why: {r.reason}.")
    if r.start is not None:
        lines.append(
            f"Scheduled from {r.start} to {r.finish}"
            + (
                f"; starting later than its earliest allowed period costs {money(r.delay_loss)}."
                if r.delay_loss
                else "."
            )
        )
    return lines + _funding_place(result, ini.id) + _what_it_would_take(result, r, ini)


def _funding_place(result: Result, initiative_id: str) -> list[str]:
    """Why it sits where it does in the funding order: the budgets that fund it and those that do not."""
    money = _money_of(result.plan)
    f = result.funding
    if f is None:
        return []
    place = f.order.index(initiative_id) + 1
    funded = [w for w in f.worlds if initiative_id in w.funded]
    if not funded:
        return [
            f"In the funding order it is {place} of {len(f.order)}: no budget funds it (even "
            f"{money(f.worlds[-1].world.budget)} fits more value without it)."
        ]
    first = funded[0]
    below = [w for w in f.worlds if w.world.budget < first.world.budget]
    reason = (
        f"; below that ({', '.join(w.world.name for w in below)}) the first {len(below[-1].funded)} of the order "
        "use the budget to more effect"
        if below
        else ""
    )
    return [
        f"In the funding order it is {place} of {len(f.order)}: funded if the budget is at least "
        f"{money(first.world.budget)} ({first.world.name}){reason}."
    ]


def _headline(result: Result, r: InitiativeResult, ini: Initiative) -> str:
    """Who it is (ID, name, theme, owner), and the decision with its rank."""
    who = ", ".join(
        x for x in (ini.theme, f"owner {ini.values.get('Owner')}" if ini.values.get("Owner") else None) if x
    )
    return (
        f"{ini.id} {ini.name}" + (f" ({who})" if who else "") + f" is {'SELECTED' if r.selected else 'NOT selected'}"
        f" (rank {r.rank} of {len(result.initiatives)})."
    )


def _score_line(plan: Plan, r: InitiativeResult, ini: Initiative) -> str:
    """Its score and how the plan's scoring makes it, its cost, and its value per unit of cost."""
    money = _money_of(plan)
    s = plan.settings
    score_text = money(r.score) if s.scoring.is_money else f"{r.score:,.3f}"
    return f"Score {score_text} = {_formula(plan, r, ini)}; cost {money(ini.cost)}" + (
        f"; {r.value_per_cost:.2f} of value per unit of cost."
        if r.value_per_cost is not None and s.scoring.is_money
        else "."
    )


def _formula(plan: Plan, r: InitiativeResult, ini: Initiative) -> str:
    """The formula of the plan's scoring, with the initiative's figures where it has them."""
    money = _money_of(plan)
    from portfolio_opt.core.scoring import discounted_years

    s = plan.settings
    ttv = ini.time_to_value
    if r.start is not None:  # multi-period: counted from the start of its start period
        from portfolio_opt.core.schedule import value_start

        ttv = value_start(ini, s, s.period_labels().index(r.start))
    d = discounted_years(ttv, s.horizon_months, s.discount_rate)
    formula = (
        f"probability {ini.probability:.0%} × (impact {money(ini.impact)} − run cost "
        f"{money(ini.run_cost)}) × {d:.3f} discounted years (value from month {ttv:g} to "
        f"{s.horizon_months:g})"
    )
    if s.scoring is Scoring.BLEND:
        formula = (
            f"expected value {money(plan_expected(plan, ini))} × (1 + {s.criteria_weight:g} × (criteria score "
            f"{ini.criteria_score:.3f} − 0.5)), the expected value being {formula}"
        )
    elif s.scoring is Scoring.WEIGHTED:
        formula = "the criteria score: " + " + ".join(f"{c} {v:.3f}" for c, v in ini.criteria_parts.items())
    elif s.scoring.is_formula:
        formula = (
            "(Business value + Time criticality + Risk reduction) / Job size"
            if s.scoring is Scoring.WSJF
            else "Reach × Impact × Confidence / Effort"
        )
    return formula


def _what_it_would_take(result: Result, r: InitiativeResult, ini: Initiative) -> list[str]:
    """What flipping the decision would lose, and for one left out the score or cost that would
    bring it in; or why that is not known."""
    money = _money_of(result.plan)
    if not r.explained:
        return ["What it would take: not computed. " + (result.explain_note or "See --explain-limit.")]
    if r.flip_note:
        return [f"It cannot be {'dropped' if r.selected else 'forced in'}: {r.flip_note}."]
    if {"regret", "break_even_score"} & set(r.unsettled):
        return ["What it would take: not settled in the time allowed (raise --explain-time)."]
    changes = []
    if r.flip_enters:
        changes.append(f"{_ids(r.flip_enters)} would come in")
    if r.flip_leaves:
        changes.append(f"{_ids(r.flip_leaves)} would go")
    change_text = (" (" + "; ".join(changes) + ")") if changes else ""
    measure = "expected value" if result.plan.settings.objective is Objective.VALUE else "NPV (expected value − cost)"
    if r.selected:
        return [f"Dropping it would lose {money(r.regret)} of {measure}{change_text}."]
    assert r.break_even_score is not None, "an explained, settled flip has its break-even score"
    return [
        f"Forcing it in would lose {money(r.regret)} of {measure}{change_text}.",
        f"It would be selected if its score rose above {money(r.break_even_score)} "
        f"(+{money(r.break_even_score - r.score)}), all else equal."
        + criteria_words(result.plan, ini, r.break_even_score),
        _break_even_cost_words(r, ini),
    ]


def _break_even_cost_words(r: InitiativeResult, ini: Initiative) -> str:
    """The cost below which an initiative left out would be selected, or why there is none."""
    if "break_even_cost" in r.unsettled:
        return "What cut of its cost would get it selected: not settled in the time allowed (raise --explain-time)."
    if r.break_even_cost is None:
        return "No cut of its cost alone would get it selected: a non-cost limit or a rule blocks it."
    return (
        f"Or if its cost fell below {money(r.break_even_cost)} "
        f"(−{money(ini.cost - r.break_even_cost)}), all else equal."
    )


def criteria_words(plan, ini, target: float) -> str:
    """What a break-even score means in the committee's criteria, e.g. `` That is: if its
    Strategic fit rose from 2 to 4.`` (the most heavily weighted criterion that could get it
    there alone, within its scale); empty when the scoring does not use criteria."""
    s = plan.settings
    crit = plan.criteria
    if crit is None or not s.scoring.uses_criteria or ini.criteria_score is None:
        return ""
    if s.scoring is Scoring.WEIGHTED:
        needed = target - ini.criteria_score
    else:  # blend: expected × (1 + w (c − 0.5)) reaches the target at c = (target / expected − 1) / w + 0.5
        expected = plan_expected(plan, ini)
        if expected <= 0 or s.criteria_weight <= 0:
            return ""
        needed = (target / expected - 1.0) / s.criteria_weight + 0.5 - ini.criteria_score
    for c in sorted(crit.criteria, key=lambda c: -c.weight):
        if c.weight <= 0:
            continue
        lo, hi = c.scale if c.scale is not None else _range(plan, c.column)
        now = ini.values.get(c.column)
        now = float(now) if isinstance(now, (int, float)) else lo
        step = needed / c.weight * (hi - lo) * (1 if c.higher else -1)
        want = now + step
        if lo <= want <= hi:
            word = "rose" if want > now else "fell"
            return f" That is: if its {c.column} {word} from {now:g} to {_ceil_to_scale(want, c.higher):g}."
    return " No single criterion could get it there within its scale."


def plan_expected(plan, ini) -> float:
    """An initiative's expected-value score (whatever the Scoring setting)."""
    from dataclasses import replace as _replace

    from portfolio_opt.core.schedule import start_score

    return start_score(ini, 0, _replace(plan.settings, scoring=Scoring.EXPECTED_VALUE))


def _range(plan, column: str) -> tuple[float, float]:
    xs = [float(v) for i in plan.initiatives if isinstance(v := i.values.get(column), (int, float))]
    return (min(xs), max(xs)) if xs else (0.0, 1.0)


def _ceil_to_scale(x: float, higher: bool) -> float:
    """A criterion value as a committee would score it: to one decimal, rounded so it is enough."""
    import math as _m

    return (_m.ceil(x * 10 - 1e-9) if higher else _m.floor(x * 10 + 1e-9)) / 10


def _attribution(r: QuarterReview) -> list[str]:
    """What moved the portfolio: each change said once, and under the changes that make the
    same moves on their own, those moves once (initiatives by ID and name)."""
    names = {ini.id: ini.name for ini in r.result.plan.initiatives}
    blocks: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for cause, moves in r.by_change():
        blocks.setdefault(tuple(moves), []).append(cause)
    lines = ["Moves           what each change moves on its own:"] if blocks else []
    for moved, causes in blocks.items():
        lines += [f"    {cause}" for cause in causes]
        kinds = dict.fromkeys(m for m, _ in moved)
        said = [
            f"{kind} " + ", ".join(f"{i} {names.get(i, '')}".rstrip() for m, i in moved if m == kind) for kind in kinds
        ]
        lines.append("        → " + "; ".join(said))
    return lines


def review_lines(r: QuarterReview, output: str | None = None) -> list[str]:
    """What ``review`` prints."""
    res = r.result
    counts: dict[str, int] = {}
    for x in res.initiatives:
        counts[x.decision] = counts.get(x.decision, 0) + 1
    lines = [
        f"{r.last_name} → {r.this_name}: value {r.last_objective:,.0f} → {res.objective:,.0f}",
        "Decisions       " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        f"Changes         {len(r.labels)}: " + "; ".join(r.labels[:4]) + (" ..." if len(r.labels) > 4 else ""),
    ]
    lines += _attribution(r)
    flagged = [x for x in res.realization if x.flag]
    if flagged:
        lines.append("Realization     " + "; ".join(f"{x.id} {x.flag}" for x in flagged))
    return lines + ([f"Written {output}"] if output else [])


def simulation_lines(sim: Simulation, output: str | None = None) -> list[str]:
    """What ``simulate`` prints."""
    f = sim.figures

    def m(key: str) -> str:
        fig = f[key]
        return f"{fig.value:,.0f} ± {fig.se:,.0f}" if fig.se is not None and fig.se == fig.se else f"{fig.value:,.0f}"

    lines = [
        f"Simulated {sim.samples:,} worlds (seed {sim.seed}) of {sim.how}",
        f"Mean            {m('mean')}   (expected value {sim.expected_value:,.0f})",
        f"Std deviation   {m('std')}",
        f"P10 / P50 / P90 {f['p10'].value:,.0f} / {f['p50'].value:,.0f} / {f['p90'].value:,.0f}",
        f"CVaR {sim.level:.0%}        {m('cvar')}   (the mean of the worst {sim.level:.0%} of worlds)",
    ]
    target = sim.plan.settings.value_target
    if f["prob_target"].value is not None:
        lines.append(f"P(value ≥ {target:,.0f})  {f['prob_target'].value:.1%}")
    if f["prob_loss"].value is not None:
        lines.append(f"P(loss)         {f['prob_loss'].value:.1%}")
    if f["prob_over_budget"].value is not None:
        lines.append(f"P(cost > budget) {f['prob_over_budget'].value:.1%}")
    if sim.cost_risk is not None:
        reserve = ", ".join(f"{q}% {sim.cost_risk.contingency[f'p{q}']:,.0f}" for q in (50, 80, 90))
        lines.append(f"Contingency     {reserve} (the cost's quantile less the budget)")
    drivers = sorted(sim.initiatives, key=lambda r: -r.downside_share)[:3]
    if drivers and drivers[0].downside_share > 0:
        lines.append("Downside drivers " + ", ".join(f"{r.id} ({r.downside_share:.0%})" for r in drivers))
    if output:
        lines.append(f"Written         {output}")
    return lines


def alternatives_lines(a: Alternatives, output: str | None = None) -> list[str]:
    """What ``alternatives`` prints."""
    lines = [
        f"{len(a.portfolios)} portfolio{'s' if len(a.portfolios) != 1 else ''} within {a.within:.2%} of the "
        f"optimum, each differing from the others in at least {a.min_difference} initiatives"
    ]
    for p in a.portfolios:
        head = "optimum" if p.rank == 1 else f"{p.gap:.3%} below"
        lines.append(
            f"#{p.rank}: value {p.objective:,.0f} ({head}), cost {p.total_cost:,.0f}, {len(p.selected)} initiatives"
        )
        if p.rank > 1:
            lines.append(f"    adds {', '.join(p.adds) or 'none'}; drops {', '.join(p.drops) or 'none'}")
    if a.note:
        lines.append(f"Note: {a.note}")
    return lines + ([f"Written {output}"] if output else [])


def robustness_lines(r: Robustness, output: str | None = None) -> list[str]:
    """What ``robustness`` prints."""
    from portfolio_opt.analyses.robustness import CORE, EXTERIOR

    by_class: dict[str, list[str]] = {"core": [], "borderline": [], "exterior": []}
    for ini in r.plan.initiatives:
        by_class[r.classes[ini.id]].append(ini.id)
    lines = [
        f"{r.samples} versions (spread {r.spread:.0%}, seed {r.seed}), {r.solves} solves in {r.seconds:.1f} s",
        f"Core        {len(by_class['core'])} (in at least {CORE:.0%} of versions)",
        f"Borderline  {len(by_class['borderline'])}: "
        + ", ".join(
            f"{i} {r.frequency[i]:.0%}" for i in sorted(by_class["borderline"], key=lambda i: -r.frequency[i])[:8]
        )
        + (" ..." if len(by_class["borderline"]) > 8 else ""),
        f"Exterior    {len(by_class['exterior'])} (in at most {EXTERIOR:.0%})",
        f"Baseline    optimal in {r.optimal_share:.0%} of versions; regret mean {r.regret_mean:,.0f}, "
        f"P90 {r.regret_p90:,.0f}, max {r.regret_max:,.0f}",
        f"Value       chosen for {r.objective:,.0f}; mean across versions {r.mean_value:,.0f}; "
        f"corrected for the optimizer's curse {r.corrected_value:,.0f}",
    ]
    if r.failed:
        lines.append(
            f"Note: {r.failed} version{'s' if r.failed != 1 else ''} had no portfolio (left out of the figures)"
        )
    return lines + ([f"Written {output}"] if output else [])


#: What :func:`to_lines` says of each result
def diff_lines(d, output: str | None = None) -> list[str]:
    """What ``diff`` prints: the two values, what stayed, and each move with its cause and, in
    brackets, the kind of change that made it."""

    def value(x):
        return "unknown" if x is None else f"{x:,.0f}"

    entered = sum(1 for m in d.moves if m.move == "entered")
    lines = [
        f"{d.a_name} → {d.b_name}: value {value(d.a_value)} → {value(d.b_value)}",
        f"Portfolio       {len(d.kept)} kept, {entered} entered, {len(d.moves) - entered} left or finished",
        f"Changes         {len(d.changes)}: "
        + "; ".join(c.label for c in d.changes[:4])
        + (" ..." if len(d.changes) > 4 else ""),
    ]
    for m in d.moves:
        kinds = f" [{', '.join(m.kinds)}]" if m.kinds else ""
        own = f" (its own inputs changed: {'; '.join(m.own)})" if m.own and "its own inputs" not in m.kinds else ""
        lines.append(f"    {m.move:<7} {m.id}: {m.cause}{kinds}{own}")
    return lines + ([f"Written {output}"] if output else [])


_TO_LINES: dict[str, Callable[..., list[str]]] = {
    "portfolio_opt.analyses.diff.PortfolioDiff": diff_lines,
    "portfolio_opt.model.result.Result": summary_lines,
    "portfolio_opt.analyses.frontier.Frontier": frontier_lines,
    "portfolio_opt.analyses.scenarios.ScenarioRun": scenario_lines,
    "portfolio_opt.analyses.compare.Comparison": comparison_lines,
    "portfolio_opt.core.simulation.Simulation": simulation_lines,
    "portfolio_opt.analyses.alternatives.Alternatives": alternatives_lines,
    "portfolio_opt.analyses.robustness.Robustness": robustness_lines,
    "portfolio_opt.analyses.review.QuarterReview": review_lines,
}


def to_lines(result: Any, output: str | None = None) -> list[str]:
    """Any result of the library (as :func:`portfolio_opt.render.json.to_dict` takes) as the
    few lines a person reads first: what the command line prints. ``output``, the workbook it
    was saved to, is named last when given. Raises TypeError for anything else."""
    return for_type(result, _TO_LINES)(result, output)
