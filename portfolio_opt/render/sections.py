"""What the leadership page says about a workbook: its sections, each a list of items (headline
tiles, charts, tables, notes), built from the tables :mod:`portfolio_opt.workbook.outputs` reads
back, in the order the page shows them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.model.figures import short_amount
from portfolio_opt.model.layout import (
    CAPACITY,
    COMPARISON,
    COST_RISK,
    ESTIMATE_CHANGES,
    FRONTIER,
    FUNDING,
    ID,
    INITIATIVES,
    LIMITS,
    MEASURES,
    OUTCOME_METRIC,
    OUTPUT,
    OWNER,
    RANKING,
    REALIZATION,
    REALIZATION_BY_GROUP,
    REVIEW_MOVES,
    RISK_BY_INITIATIVE,
    RISK_BY_THEME,
    RISK_CHOICE,
    RISK_CURVE,
    RISK_FIGURES,
    RISK_HISTOGRAM,
    ROBUSTNESS,
    RUN_INFO,
    RUN_INFO_ITEMS,
    SCENARIO_CHANGES,
    SCHEDULE,
    SCORINGS,
    SIDE_BY_SIDE,
    SUMMARY,
    THEME,
    total_label,
    whatif_column,
)
from portfolio_opt.model.plan import Limit, group_by_key
from portfolio_opt.render import charts
from portfolio_opt.workbook.outputs import OutputBook, Table

#: the closest candidates left out that the page shows with what it would take
CLOSEST = 10
#: bars per chart at most (the rest are in the table)
MOST_BARS = 30
#: a chart by group shows at most this many bars, the smallest groups summed in "other"
MOST_GROUPS = 12


@dataclass
class Item:
    """One thing in a section: ``tiles`` (headline figures), ``chart`` (an SVG), ``table``,
    ``details`` (a collapsed table) or ``note``."""

    kind: str
    title: str = ""
    svg: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    tiles: list[dict] = field(default_factory=list)
    text: str = ""


@dataclass
class Section:
    """One section of the page: its anchor ``id``, its title, and the items it shows in order."""

    id: str
    title: str
    items: list[Item] = field(default_factory=list)


def _table(
    t: Table, columns: Sequence[str] | None = None, rows: Sequence | None = None, title: str = "", kind: str = "table"
) -> Item:
    found = [(c, t.column(c)) for c in (columns or t.header)]
    cols = [c for c, k in found if k is not None]
    idx = [k for _, k in found if k is not None]
    chosen = t.rows if rows is None else rows
    out_rows = [[(r[k].text if k < len(r) else "") for k in idx] for r in chosen]
    numeric = [
        all(isinstance(r[k].value, (int, float)) or r[k].value is None for r in chosen if k < len(r))
        and any(k < len(r) and isinstance(r[k].value, (int, float)) for r in chosen)
        for k in idx
    ]
    return Item(kind, title=title, header=cols, rows=out_rows, numeric=numeric)


def _num(cell_value: Any) -> float:
    return float(cell_value) if isinstance(cell_value, (int, float)) and not isinstance(cell_value, bool) else 0.0


def _measures(book: OutputBook) -> dict[str, Any]:
    t = book.table(OUTPUT.summary, MEASURES.measure)
    if t is None:
        return {}
    return {r[0].value: r[1] for r in t.rows if len(r) > 1}


def _run_info(book: OutputBook) -> dict[str, Any]:
    t = book.table(OUTPUT.run_info, RUN_INFO.item)
    return {} if t is None else {r[0].value: r[1] for r in t.rows if len(r) > 1}


def _headline(book: OutputBook, kind: str) -> Section:
    m = _measures(book)
    info = _run_info(book)
    tiles = []
    total = next((label for label in map(total_label, SCORINGS) if label in m), SUMMARY.total_value)
    for key, label in (
        (total, "Expected value" if total == SUMMARY.total_value else total[len("Total ") :]),
        (SUMMARY.total_cost, "Cost"),
        (SUMMARY.budget, "Budget"),
        (SUMMARY.budget_used, "Budget used"),
        (SUMMARY.selected, "Initiatives funded"),
        (SUMMARY.status, "Status"),
        (SUMMARY.gap, "Gap to the best possible"),
    ):
        cell = m.get(key)
        if cell is not None and cell.value is not None:
            text = cell.text + (f" of {_of(book)}" if key == SUMMARY.selected and _of(book) else "")
            tiles.append({"key": key, "label": label, "text": text, "value": cell.value})
    items = [Item("tiles", tiles=tiles)] if tiles else []
    facts = []
    if book.modified:
        facts.append(f"Run on {book.modified.isoformat()}")
    source, digest = info.get(RUN_INFO_ITEMS.input_file), info.get(RUN_INFO_ITEMS.input_sha256)
    if source and source.value:
        facts.append(f"input {source.text}")
    if digest and digest.value:
        digest = str(digest.value)
        facts.append(f'SHA-256 <span class="mono" title="{html.escape(digest)}">{html.escape(digest[:16])}…</span>')
    if facts:
        items.append(Item("note", text=" · ".join(f if "<span" in f else html.escape(f) for f in facts)))
    return Section("headline", "At a glance" if kind == "results" else KIND_TITLES.get(kind, "Report"), items)


def _of(book: OutputBook) -> str:
    t = book.table(OUTPUT.ranking, RANKING.rank)
    return str(len(t.rows)) if t is not None else ""


def _joined(book: OutputBook) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each Ranking row (its cells by header), with the values of the Initiatives row of the
    same ID (where Outcome metric, Owner and Theme live)."""
    ranking = book.table(OUTPUT.ranking, RANKING.rank)
    inis = book.table(INITIATIVES)
    by_id: dict[str, dict[str, Any]] = {}
    if inis is not None and inis.column(ID) is not None:
        for d in inis.as_dicts():
            by_id[str(d[ID].value)] = {h: c.value for h, c in d.items()}
    rows = ranking.as_dicts() if ranking is not None else []
    return [(d, by_id.get(str(d[RANKING.id].value), {})) for d in rows]


def _group_name(ranked: dict[str, Any], initiative: dict[str, Any], key: str) -> Any:
    """An initiative's outcome metric, theme or owner: from the Ranking, which holds it as the
    optimizer read it, else from the copied Initiatives row."""
    if key in ranked and ranked[key].value is not None:
        return ranked[key].value
    return initiative.get(key)


def _buys(book: OutputBook) -> Section | None:
    rows = [(r, ini) for r, ini in _joined(book) if RANKING.selected in r and r[RANKING.selected].value == "Yes"]
    if not rows:
        return None
    s = Section("buys", "What the portfolio buys")
    for key in (OUTCOME_METRIC, THEME, OWNER):
        members = group_by_key(_group_name(r, ini, key) for r, ini in rows)
        if len(members) <= 1 and "(none)" in members:
            continue
        if len(members) > 1 and all(len(m) == 1 for m in members.values()):
            # a chart of one initiative per bar is the ranking again: the pairs, as a table
            s.items.append(_one_each(key, members, rows))
            continue
        s.items.append(_group_chart(key, members, rows))
    return s if s.items else None


def _sums(members: list[int], rows: list) -> list[float]:
    """Expected value and cost of the selected rows at ``members``."""
    return [sum(_num(rows[k][0][column].value) for k in members) for column in (RANKING.score, RANKING.cost)]


def _group_chart(key: str, members: dict[str, list[int]], rows: list) -> Item:
    """Expected value and cost by group, the largest first: at most MOST_GROUPS bars, the rest
    summed in one "other" bar (more bars than that a reader does not scan)."""
    order = sorted(members, key=lambda n: -_sums(members[n], rows)[0])
    if len(order) > MOST_GROUPS:
        rest = order[MOST_GROUPS - 1 :]
        other = f"other ({len(rest)} {key.lower()}s)"
        members = {n: members[n] for n in order[: MOST_GROUPS - 1]} | {other: [k for n in rest for k in members[n]]}
        order = order[: MOST_GROUPS - 1] + [other]
    sums = {n: _sums(members[n], rows) for n in order}
    return Item(
        "chart",
        title=f"By {key.lower()}",
        svg=charts.bars(
            order,
            {"Expected value": [sums[n][0] for n in order], "Cost": [sums[n][1] for n in order]},
            f"Expected value and cost by {key.lower()}",
        ),
    )


def _one_each(key: str, members: dict[str, list[int]], rows: list) -> Item:
    """Each group's one initiative, as a collapsed table (ordered by expected value)."""
    pairs = sorted(
        ((name, rows[m[0]][0]) for name, m in members.items()), key=lambda x: -_num(x[1][RANKING.score].value)
    )
    return Item(
        "details",
        title=f"By {key.lower()}: each has one initiative ({len(pairs)})",
        header=[key, RANKING.id, RANKING.name, RANKING.score, RANKING.cost],
        rows=[
            [name, r[RANKING.id].text, r[RANKING.name].text, r[RANKING.score].text, r[RANKING.cost].text]
            for name, r in pairs
        ],
        numeric=[False, False, False, True, True],
    )


def _ranking(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.ranking, RANKING.rank)
    if t is None:
        return None
    sel = t.column(RANKING.selected)
    assert sel is not None, "a ranking the tool wrote has its Selected column"
    chosen = [r for r in t.rows if r[sel].value == "Yes"]
    left = [r for r in t.rows if r[sel].value != "Yes"]
    s = Section("ranking", "The ranking: why in, why out")
    c = RANKING
    cols = [c.rank, c.id, c.name, c.theme, c.decision, c.start, c.score, c.cost, c.robustness, c.reason]
    s.items.append(_table(t, cols, chosen, title=f"Funded ({len(chosen)})"))
    if left:
        take = [c.id, c.name, c.score, c.cost, c.reason, c.break_even_score, c.break_even_cost]
        s.items.append(
            _table(
                t,
                take,
                left[:CLOSEST],
                title=f"The closest left out, and what it would take ({min(CLOSEST, len(left))} of {len(left)})",
            )
        )
    every = [h for h in t.header if not whatif_column(h)]
    s.items.append(_table(t, every, None, title=f"Every initiative ({len(t.rows)})", kind="details"))
    return s


def _limits(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.summary, LIMITS.limit)
    # a plan without limits has one note row ("No limits: ...") under the header, not a limit
    rows = [r for r in t.rows if len(r) == len(t.header)] if t is not None else []
    if t is None or not rows:
        return None
    b = t.column(LIMITS.binding)
    order = sorted(rows, key=lambda r: (r[b].value != "Yes",)) if b is not None else rows
    s = Section("limits", "The limits")
    uses = []
    for r in order:
        d = dict(zip(t.header, r))
        used, top = _num(d[LIMITS.used].value), d.get(LIMITS.max)
        if top is not None and isinstance(top.value, (int, float)) and top.value:
            uses.append((str(d[LIMITS.limit].value), used / top.value))
    if uses:
        s.items.append(
            Item(
                "chart",
                svg=charts.bars(
                    [n for n, _ in uses[:MOST_BARS]],
                    {"Share of Max used": [u for _, u in uses[:MOST_BARS]]},
                    "Use against each limit's Max (binding first)",
                    percent=True,
                ),
            )
        )
    s.items.append(_table(t, LIMITS[: LIMITS.index(LIMITS.source)], order))
    return s


def _risk_choice(book: OutputBook) -> Section | None:
    judged = RISK_CHOICE.judged.partition("{")[0]
    t = next((x for x in book.sheets.get(OUTPUT.summary, []) if x.header and x.header[0].startswith(judged)), None)
    if t is None:
        return None
    return Section("riskchoice", "The risk-aware choice", [_table(t)])


def _cost_risk(book: OutputBook) -> Section | None:
    """The budget's confidence on fresh worlds and the contingency it needs, as tiles and a table."""
    title = COST_RISK.title.partition("{")[0]
    t = next((x for x in book.sheets.get(OUTPUT.summary, []) if x.header and x.header[0].startswith(title)), None)
    if t is None:
        return None
    figures = {r[0].value: r[1] for r in t.rows if len(r) > 1}
    tiles = [
        {"label": label, "value": figures[key].text}
        for key, label in (
            (COST_RISK.within, "within the budget"),
            (COST_RISK.contingency.format(q=80), "contingency for 80%"),
            (COST_RISK.contingency.format(q=90), "contingency for 90%"),
        )
        if key in figures
    ]
    return Section("costrisk", "Cost risk: the budget and its contingency", [Item("tiles", tiles=tiles), _table(t)])


def _funding(book: OutputBook) -> Section | None:
    """The funding order's budgets: what each funds, its value, its own optimum, and the price."""
    t = book.table(OUTPUT.summary, FUNDING.world)
    if t is None or not t.rows:
        return None
    p = t.column(FUNDING.probability)
    worlds = [r for r in t.rows if p is not None and p < len(r) and isinstance(r[p].value, (int, float))]
    if not worlds:
        return None
    rows = [dict(zip(t.header, r)) for r in worlds]
    chart = charts.bars(
        [str(r[FUNDING.world].value) for r in rows],
        {
            "Value funded": [_num(r[FUNDING.value].value) for r in rows],
            "Its own optimum": [_num(r[FUNDING.own].value) for r in rows],
        },
        "Each budget: what the one order funds, beside what that budget alone would",
    )
    table = _table(t, rows=worlds)
    return Section("funding", "The funding order for a budget not yet known", [Item("chart", svg=chart), table])


def _schedule(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.schedule, SCHEDULE.id)
    if t is None:
        return None
    first = len(SCHEDULE)  # a column per period follows the schedule's own columns
    periods = t.header[first:]
    rows = [
        (f"{r[0].text} {r[1].text}", [c.text for c in r[first:]] + [""] * (len(periods) - len(r[first:])))
        for r in t.rows
    ]
    s = Section(
        "schedule", "The schedule", [Item("chart", svg=charts.gantt(rows, periods, "When each starts and goes live"))]
    )
    cap = book.table(OUTPUT.capacity, CAPACITY.limit)
    if cap is not None and cap.rows:
        by: dict[str, dict[str, float]] = {}
        tops: dict[str, float] = {}
        for d in cap.as_dicts():
            period = str(d[CAPACITY.period].value)
            name = Limit.family_of(str(d[CAPACITY.limit].value), period)  # a chart per Constraints row
            by.setdefault(name, {})[period] = _num(d[CAPACITY.used].value)
            if isinstance(d[CAPACITY.max].value, (int, float)):
                tops[name] = max(tops.get(name, 0.0), d[CAPACITY.max].value)
        for name, used in list(by.items())[:6]:
            labels = [p for p in periods if p in used]
            if len(labels) < 2:
                continue
            s.items.append(
                Item(
                    "chart",
                    svg=charts.columns(
                        labels,
                        [used[p] for p in labels],
                        f"{name}: used per period" + (f" (Max {tops[name]:,.4g})" if name in tops else ""),
                        "Used",
                        percent=False,
                    ),
                )
            )
        s.items.append(_table(cap, title="Capacity by period", kind="details"))
    return s


def _realization(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.realization_by_group, OUTCOME_METRIC)
    per = book.table(OUTPUT.value_realization, REALIZATION.id)
    if t is None and per is None:
        return None
    s = Section("realization", "Value realized")
    if t is not None and t.rows:
        labels = [str(v) for v in t.values(OUTCOME_METRIC)]
        forecast, actual = REALIZATION_BY_GROUP.forecast, REALIZATION_BY_GROUP.actual
        s.items.append(
            Item(
                "chart",
                svg=charts.bars(
                    labels,
                    {
                        forecast: [_num(v) for v in t.values(forecast)],
                        actual: [_num(v) for v in t.values(actual)],
                    },
                    "Forecast against actual value to date, by outcome metric",
                ),
            )
        )
        s.items.append(_table(t))
    if per is not None:
        flag = per.column(REALIZATION.flag)
        flagged = [r for r in per.rows if flag is not None and flag < len(r) and r[flag].value]
        if flagged:
            s.items.append(
                _table(
                    per,
                    [
                        c
                        for c in REALIZATION
                        if c not in (REALIZATION.outcome_metric, REALIZATION.owner, REALIZATION.theme)
                    ],
                    flagged,
                    title="Flagged",
                )
            )
    return s


def _robustness(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.robustness, ROBUSTNESS.id)
    if t is None:
        return None
    s = Section("robustness", "How sure we are")
    summary = book.table(OUTPUT.robustness_summary, MEASURES.measure)
    if summary is not None:
        s.items.append(_table(summary, [MEASURES.measure, MEASURES.value]))
    top = t.rows[:MOST_BARS]
    freq = t.column(ROBUSTNESS.frequency)
    assert freq is not None, "a robustness sheet the tool wrote has its Frequency column"
    s.items.append(
        Item(
            "chart",
            svg=charts.bars(
                [f"{r[0].text} {r[1].text}" for r in top],
                {ROBUSTNESS.frequency: [_num(r[freq].value) for r in top]},
                "Selection frequency across the versions (most selected first)",
                percent=True,
            ),
        )
    )
    s.items.append(_table(t, title="Every initiative's class", kind="details"))
    return s


def _frontier(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.frontier, FRONTIER.budget)
    if t is None:
        return None
    xs = [_num(v) for v in t.values(FRONTIER.budget)]
    ys = [_num(v) for v in t.values(FRONTIER.value)]
    cur = t.column(FRONTIER.current)
    mark = next(
        ((x, y) for x, y, r in zip(xs, ys, t.rows) if cur is not None and cur < len(r) and r[cur].value == "Yes"), None
    )
    return Section(
        "frontier",
        "The efficient frontier",
        [
            Item(
                "chart",
                svg=charts.line(
                    xs,
                    {"Best expected value": ys},
                    "Best expected value at each budget",
                    FRONTIER.budget,
                    FRONTIER.value,
                    mark,
                ),
            ),
            _table(t, [c for c in FRONTIER if c not in (FRONTIER.lp_bound, FRONTIER.status)]),
        ],
    )


def _scenarios(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.scenario_summary, MEASURES.measure)
    if t is None:
        return None
    names = t.header[1:]
    value = next((r for r in t.rows if r[0].value == SIDE_BY_SIDE.value), None)
    s = Section("scenarios", "Scenarios side by side")
    if value is not None:
        s.items.append(
            Item(
                "chart",
                svg=charts.bars(
                    names, {SIDE_BY_SIDE.value: [_num(c.value) for c in value[1:]]}, "Expected value by scenario"
                ),
            )
        )
    s.items.append(_table(t))
    causes = book.table(OUTPUT.scenario_changes, SCENARIO_CHANGES.scenario)
    if causes is not None and causes.rows:
        s.items.append(_table(causes, title="What moved, and why"))
    return s


def _comparison(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.comparison, COMPARISON.plan)
    if t is None:
        return None
    names = [str(v) for v in t.values(COMPARISON.plan)]
    return Section(
        "comparison",
        "Plans compared",
        [
            Item(
                "chart",
                svg=charts.bars(
                    names,
                    {
                        "Plan value": [_num(v) for v in t.values(COMPARISON.value)],
                        "Optimum at the same cost": [_num(v) for v in t.values(COMPARISON.optimal_value)],
                    },
                    "Each plan against the best portfolio at its cost",
                ),
            ),
            _table(t),
        ],
    )


def _simulated(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.risk_summary, RISK_FIGURES.figure)
    if t is None:
        return None
    s = Section("risk", "The spread of outcomes", [_table(t, RISK_FIGURES[: RISK_FIGURES.index(RISK_FIGURES.meaning)])])
    hist = book.table(OUTPUT.risk_summary, RISK_HISTOGRAM.value_from)
    if hist is not None and hist.rows:
        labels = [short_amount(_num(v)) for v in hist.values(RISK_HISTOGRAM.value_from)]
        s.items.append(
            Item(
                "chart",
                svg=charts.columns(
                    labels,
                    [_num(v) for v in hist.values(RISK_HISTOGRAM.share)],
                    "Portfolio value: share of worlds",
                    RISK_HISTOGRAM.share,
                ),
            )
        )
    curve = book.table(OUTPUT.risk_summary, RISK_CURVE.value)
    if curve is not None and curve.rows:
        xs = [_num(v) for v in curve.values(RISK_CURVE.value)]
        s.items.append(
            Item(
                "chart",
                svg=charts.line(
                    xs,
                    {RISK_CURVE.probability: [_num(v) for v in curve.values(RISK_CURVE.probability)]},
                    "S-curve: the chance the value is at most x",
                    RISK_CURVE.value,
                    RISK_CURVE.probability,
                    ypercent=True,
                ),
            )
        )
    drivers = book.table(OUTPUT.risk_by_initiative, RISK_BY_INITIATIVE.id)
    if drivers is not None:
        s.items.append(_table(drivers, None, drivers.rows[:CLOSEST], title="What drives a bad year"))
    themes = book.table(OUTPUT.risk_by_theme, RISK_BY_THEME.theme)
    if themes is not None:
        s.items.append(_table(themes, title="By theme"))
    return s


def _review(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.quarter_review, MEASURES.measure)
    if t is None:
        return None
    s = Section("review", "The quarter's review", [_table(t)])
    moves = book.table(OUTPUT.quarter_review, REVIEW_MOVES.id)
    if moves is not None:
        s.items.append(_table(moves, title="What moved, and why"))
    changes = book.table(OUTPUT.estimate_changes, ESTIMATE_CHANGES.id)
    if changes is not None:
        s.items.append(_table(changes, title="Estimates that moved", kind="details"))
    return s


def _alternatives(book: OutputBook) -> Section | None:
    t = book.table(OUTPUT.alternatives, MEASURES.measure)
    if t is None:
        return None
    names = t.header[1:]
    value = next((r for r in t.rows if r[0].value == SIDE_BY_SIDE.value), None)
    s = Section("alternatives", "Alternatives almost as good")
    if value is not None:
        s.items.append(
            Item(
                "chart",
                svg=charts.bars(
                    names, {SIDE_BY_SIDE.value: [_num(c.value) for c in value[1:]]}, "Each alternative's expected value"
                ),
            )
        )
    s.items.append(_table(t))
    return s


KIND_TITLES = {
    "results": "At a glance",
    "frontier": "Frontier",
    "scenarios": "Scenarios",
    "comparison": "Comparison",
    "risk": "Risk",
    "review": "Quarter review",
    "alternatives": "Alternatives",
}

#: Each kind of workbook the tool writes, by the sheet that only it starts with (in this order:
#: a robustness workbook is a results workbook with more sheets)
KINDS = (
    (OUTPUT.summary, "results"),
    (OUTPUT.frontier, "frontier"),
    (OUTPUT.scenario_summary, "scenarios"),
    (OUTPUT.comparison, "comparison"),
    (OUTPUT.risk_summary, "risk"),
    (OUTPUT.quarter_review, "review"),
    (OUTPUT.alternatives, "alternatives"),
)


def kind_of(book: OutputBook) -> str:
    """Which of this tool's workbooks it is, by its sheets."""
    for sheet, kind in KINDS:
        if book.has(sheet):
            return kind
    sheets = [sheet for sheet, _ in KINDS]
    raise InvalidWorkbook(
        [
            Problem(
                "not-an-output",
                book.name,
                f"is not a workbook portfolio-opt wrote (no {', '.join(sheets[:-1])} or {sheets[-1]} sheet)",
                "Give the -o file of optimize, scenarios, frontier, compare, "
                "simulate, robustness, review or alternatives",
            )
        ],
        book.name,
    )


def sections(book: OutputBook) -> list[Section]:
    """The page's sections, in order, for what the workbook holds."""
    kind = kind_of(book)
    out = [_headline(book, kind)]
    for build in (
        _buys,
        _ranking,
        _limits,
        _risk_choice,
        _cost_risk,
        _funding,
        _schedule,
        _realization,
        _robustness,
        _frontier,
        _scenarios,
        _comparison,
        _simulated,
        _review,
        _alternatives,
    ):
        section = build(book)
        if section is not None:
            out.append(section)
    return out
