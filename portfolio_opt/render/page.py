"""The page leadership reads: one self-contained HTML file from any workbook this tool writes.

The page renders what the workbook holds, in order: the headline; what the portfolio buys by
outcome metric, theme and owner; the ranking with what it would take; the limits; then, when
present, the risk-aware choice, the schedule and capacity, the value realized, robustness,
the frontier, scenarios, compared plans, simulated risk, a quarter's review and alternatives.
Charts are static SVG drawn by matplotlib, the page by a Jinja2 template; nothing is fetched
from a network (styles, fonts and charts are inline). ``pdf`` prints it with headless Chromium.

Needs the ``report`` extra (``pip install "portfolio-opt[report]"``).
"""

from __future__ import annotations

import html
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from portfolio_opt.model.errors import OutputError, Unavailable
from portfolio_opt.model.figures import short_amount
from portfolio_opt.workbook.outputs import OutputBook, Table, read_output

#: the closest candidates left out that the page shows with what it would take
CLOSEST = 10
#: bars per chart at most (the rest are in the table)
MOST_BARS = 30


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


def _need():
    import importlib.util

    missing = [m for m in ("jinja2", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise Unavailable(
            f'the report needs the report extra ({", ".join(missing)} missing): pip install "portfolio-opt[report]"'
        )


# --------------------------------------------------------------------------- charts


def _figure(height: float = 3.2, width: float = 7.5):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "portfolio-opt",
            "svg.fonttype": "none",
            "font.size": 9,
            "font.family": "sans-serif",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    fig, ax = plt.subplots(figsize=(width, height))
    return plt, fig, ax


def _svg(plt, fig) -> str:
    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    return text.replace("<svg ", '<svg class="chart" role="img" ', 1)


def _money_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: short_amount(v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def bars(
    labels: Sequence[str], series: dict[str, Sequence[float]], title: str, money: bool = True, percent: bool = False
) -> str:
    """Horizontal bars, one group per label, one bar per series; each bar's SVG group id is
    ``bar-<series>-<k>`` (tests count them)."""
    plt, fig, ax = _figure(height=max(2.0, 0.15 * len(labels) * max(1, len(series)) + 1.0))
    n = len(series)
    width = 0.8 / max(1, n)
    colours = ("#2f6db5", "#e07b39", "#5b9e4d", "#8c6bb1")
    for s, (name, values) in enumerate(series.items()):
        ys = [k + (s - (n - 1) / 2) * width for k in range(len(labels))]
        container = ax.barh(ys, [v or 0.0 for v in values], height=width, label=name, color=colours[s % 4])
        for k, rect in enumerate(container):
            rect.set_gid(f"bar-{s}-{k}")
    ax.set_yticks(range(len(labels)), [_clip(x) for x in labels])
    ax.invert_yaxis()
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    elif money:
        _money_axis(ax)
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    if n > 1:
        ax.legend(frameon=False, loc="best")
    ax.grid(axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    return _svg(plt, fig)


def line(
    xs: Sequence[float],
    series: dict[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
    mark: tuple[float, float] | None = None,
    ypercent: bool = False,
) -> str:
    """Lines with a marker at every point (the points' group id is ``points-<series>``)."""
    plt, fig, ax = _figure()
    for s, (name, ys) in enumerate(series.items()):
        (ln,) = ax.plot(xs, ys, marker="o", markersize=4, label=name)
        ln.set_gid(f"points-{s}")
    if mark is not None:
        (m,) = ax.plot(
            [mark[0]], [mark[1]], marker="D", markersize=9, color="#c0392b", linestyle="none", label="current"
        )
        m.set_gid("mark")
    _money_axis(ax, "x")
    if ypercent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        _money_axis(ax, "y")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    ax.grid(color="#dddddd")
    if len(series) > 1 or mark is not None:
        ax.legend(frameon=False)
    return _svg(plt, fig)


def columns(labels: Sequence[str], values: Sequence[float], title: str, ylabel: str, percent: bool = True) -> str:
    """Vertical bars (a histogram), ids ``bar-0-<k>``."""
    plt, fig, ax = _figure()
    container = ax.bar(range(len(values)), values, color="#2f6db5", width=0.9)
    for k, rect in enumerate(container):
        rect.set_gid(f"bar-0-{k}")
    step = max(1, len(labels) // 6)
    ax.set_xticks(range(0, len(labels), step), [labels[k] for k in range(0, len(labels), step)])
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    ax.grid(axis="y", color="#dddddd")
    ax.set_axisbelow(True)
    return _svg(plt, fig)


def gantt(rows: Sequence[tuple[str, list[str]]], periods: Sequence[str], title: str) -> str:
    """Build (orange) and live (green) periods per initiative; ids ``bar-0-<k>`` per build span."""
    plt, fig, ax = _figure(height=max(2.5, 0.22 * len(rows) + 1.2))
    k = 0
    for y, (_name, cells) in enumerate(rows):
        for p, cell in enumerate(cells):
            if cell in ("build", "live"):
                rect = ax.barh(y, 1, left=p, color="#e07b39" if cell == "build" else "#5b9e4d", height=0.7)[0]
                if cell == "build":
                    rect.set_gid(f"bar-0-{k}")
                    k += 1
    ax.set_yticks(range(len(rows)), [_clip(n, 30) for n, _ in rows])
    ax.invert_yaxis()
    ax.set_xticks([p + 0.5 for p in range(len(periods))], periods)
    ax.set_xlim(0, len(periods))
    ax.set_title(title + " (orange: build, green: live)", loc="left", fontsize=10, fontweight="bold")
    return _svg(plt, fig)


def _clip(text: Any, most: int = 34) -> str:
    text = str(text)
    return text if len(text) <= most else text[: most - 1] + "…"


# --------------------------------------------------------------------------- tables


def _table(
    t: Table, columns: Sequence[str] | None = None, rows: Sequence | None = None, title: str = "", kind: str = "table"
) -> Item:
    cols = [c for c in (columns or t.header) if t.column(c) is not None]
    idx = [t.column(c) for c in cols]
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


# --------------------------------------------------------------------------- sections


def _measures(book: OutputBook) -> dict[str, Any]:
    t = book.table("Summary", "Measure")
    if t is None:
        return {}
    return {r[0].value: r[1] for r in t.rows if len(r) > 1}


def _run_info(book: OutputBook) -> dict[str, Any]:
    t = book.table("Run info", "Item")
    return {} if t is None else {r[0].value: r[1] for r in t.rows if len(r) > 1}


def _headline(book: OutputBook, kind: str) -> Section:
    m = _measures(book)
    info = _run_info(book)
    tiles = []
    total = next((k for k in m if str(k).startswith("Total score (")), "Total expected value")
    for key, label in (
        (total, "Expected value" if total == "Total expected value" else total[len("Total ") :]),
        ("Total cost", "Cost"),
        ("Budget", "Budget"),
        ("Budget used", "Budget used"),
        ("Initiatives selected", "Initiatives funded"),
        ("Status", "Status"),
        ("Gap", "Gap to the best possible"),
    ):
        cell = m.get(key)
        if cell is not None and cell.value is not None:
            text = cell.text + (f" of {_of(book)}" if key == "Initiatives selected" and _of(book) else "")
            tiles.append({"key": key, "label": label, "text": text, "value": cell.value})
    items = [Item("tiles", tiles=tiles)] if tiles else []
    facts = []
    if book.modified:
        facts.append(f"Run on {book.modified.isoformat()}")
    if info.get("Input file") and info["Input file"].value:
        facts.append(f"input {info['Input file'].text}")
    if info.get("Input SHA-256") and info["Input SHA-256"].value:
        digest = str(info["Input SHA-256"].value)
        facts.append(f'SHA-256 <span class="mono" title="{html.escape(digest)}">{html.escape(digest[:16])}…</span>')
    if facts:
        items.append(Item("note", text=" · ".join(f if "<span" in f else html.escape(f) for f in facts)))
    return Section("headline", "At a glance" if kind == "results" else KIND_TITLES.get(kind, "Report"), items)


def _of(book: OutputBook) -> str:
    t = book.table("Ranking", "Rank")
    return str(len(t.rows)) if t is not None else ""


def _joined(book: OutputBook) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each Ranking row (its cells by header), with the values of the Initiatives row of the
    same ID (where Outcome metric, Owner and Theme live)."""
    ranking = book.table("Ranking", "Rank")
    inis = book.table("Initiatives")
    by_id: dict[str, dict[str, Any]] = {}
    if inis is not None and inis.column("ID") is not None:
        for d in inis.as_dicts():
            by_id[str(d["ID"].value)] = {h: c.value for h, c in d.items()}
    rows = ranking.as_dicts() if ranking is not None else []
    return [(d, by_id.get(str(d["ID"].value), {})) for d in rows]


def _group_name(ranked: dict[str, Any], initiative: dict[str, Any], key: str) -> str:
    """An initiative's outcome metric, theme or owner (from Initiatives, else the Ranking)."""
    value = initiative.get(key)
    if value is None and key in ranked:
        value = ranked[key].value
    return "(none)" if value is None else str(value)


def _buys(book: OutputBook) -> Section | None:
    rows = [(r, ini) for r, ini in _joined(book) if "Selected" in r and r["Selected"].value == "Yes"]
    if not rows:
        return None
    s = Section("buys", "What the portfolio buys")
    for key in ("Outcome metric", "Theme", "Owner"):
        groups: dict[str, list[float]] = {}
        for r, ini in rows:
            g = groups.setdefault(_group_name(r, ini, key), [0.0, 0.0])
            g[0] += _num(r["Score"].value)
            g[1] += _num(r["Cost"].value)
        if len(groups) <= 1 and "(none)" in groups:
            continue
        order = sorted(groups, key=lambda n: -groups[n][0])[:MOST_BARS]
        s.items.append(
            Item(
                "chart",
                title=f"By {key.lower()}",
                svg=bars(
                    order,
                    {"Expected value": [groups[n][0] for n in order], "Cost": [groups[n][1] for n in order]},
                    f"Expected value and cost by {key.lower()}",
                ),
            )
        )
    return s if s.items else None


def _ranking(book: OutputBook) -> Section | None:
    t = book.table("Ranking", "Rank")
    if t is None:
        return None
    sel = t.column("Selected")
    chosen = [r for r in t.rows if r[sel].value == "Yes"]
    left = [r for r in t.rows if r[sel].value != "Yes"]
    s = Section("ranking", "The ranking: why in, why out")
    cols = ["Rank", "ID", "Name", "Theme", "Decision", "Start", "Score", "Cost", "Robustness", "Reason"]
    s.items.append(_table(t, cols, chosen, title=f"Funded ({len(chosen)})"))
    if left:
        take = ["ID", "Name", "Score", "Cost", "Reason", "Break-even score", "Break-even cost"]
        s.items.append(
            _table(
                t,
                take,
                left[:CLOSEST],
                title=f"The closest left out, and what it would take ({min(CLOSEST, len(left))} of {len(left)})",
            )
        )
    s.items.append(_table(t, None, None, title=f"Every initiative ({len(t.rows)})", kind="details"))
    return s


def _limits(book: OutputBook) -> Section | None:
    t = book.table("Summary", "Limit")
    if t is None or not t.rows:
        return None
    b = t.column("Binding")
    order = sorted(t.rows, key=lambda r: (r[b].value != "Yes",)) if b is not None else t.rows
    s = Section("limits", "The limits")
    uses = []
    for r in order:
        d = dict(zip(t.header, r))
        used, top = _num(d["Used"].value), d.get("Max")
        if top is not None and isinstance(top.value, (int, float)) and top.value:
            uses.append((str(d["Limit"].value), used / top.value))
    if uses:
        s.items.append(
            Item(
                "chart",
                svg=bars(
                    [n for n, _ in uses[:MOST_BARS]],
                    {"Share of Max used": [u for _, u in uses[:MOST_BARS]]},
                    "Use against each limit's Max (binding first)",
                    percent=True,
                ),
            )
        )
    s.items.append(
        _table(
            t, ["Limit", "Min", "Max", "Used", "Slack", "Binding", "Value of 1 more unit", "Value of 10% more"], order
        )
    )
    return s


def _risk_choice(book: OutputBook) -> Section | None:
    t = next((x for x in book.sheets.get("Summary", []) if x.header and x.header[0].startswith("Risk: judged")), None)
    if t is None:
        return None
    return Section("riskchoice", "The risk-aware choice", [_table(t)])


def _schedule(book: OutputBook) -> Section | None:
    t = book.table("Schedule", "ID")
    if t is None:
        return None
    periods = t.header[5:]
    rows = [(f"{r[0].text} {r[1].text}", [c.text for c in r[5:]] + [""] * (len(periods) - len(r[5:]))) for r in t.rows]
    s = Section("schedule", "The schedule", [Item("chart", svg=gantt(rows, periods, "When each starts and goes live"))])
    cap = book.table("Capacity", "Limit")
    if cap is not None and cap.rows:
        by: dict[str, dict[str, float]] = {}
        tops: dict[str, float] = {}
        for d in cap.as_dicts():
            name = str(d["Limit"].value)
            by.setdefault(name, {})[str(d["Period"].value)] = _num(d["Used"].value)
            if isinstance(d["Max"].value, (int, float)):
                tops[name] = max(tops.get(name, 0.0), d["Max"].value)
        for name, used in list(by.items())[:6]:
            labels = [p for p in periods if p in used]
            if len(labels) < 2:
                continue
            s.items.append(
                Item(
                    "chart",
                    svg=columns(
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
    t = book.table("Realization by group", "Outcome metric")
    per = book.table("Value realization", "ID")
    if t is None and per is None:
        return None
    s = Section("realization", "Value realized")
    if t is not None and t.rows:
        labels = [str(v) for v in t.values("Outcome metric")]
        s.items.append(
            Item(
                "chart",
                svg=bars(
                    labels,
                    {
                        "Forecast to date": [_num(v) for v in t.values("Forecast to date")],
                        "Actual to date": [_num(v) for v in t.values("Actual to date")],
                    },
                    "Forecast against actual value to date, by outcome metric",
                ),
            )
        )
        s.items.append(_table(t))
    if per is not None:
        flag = per.column("Flag")
        flagged = [r for r in per.rows if flag is not None and flag < len(r) and r[flag].value]
        if flagged:
            s.items.append(
                _table(
                    per,
                    ["ID", "Name", "Status", "Forecast to date", "Actual to date", "Realization rate", "Flag"],
                    flagged,
                    title="Flagged",
                )
            )
    return s


def _robustness(book: OutputBook) -> Section | None:
    t = book.table("Robustness", "ID")
    if t is None:
        return None
    s = Section("robustness", "How sure we are")
    summary = book.table("Robustness summary", "Measure")
    if summary is not None:
        s.items.append(_table(summary, ["Measure", "Value"]))
    top = t.rows[:MOST_BARS]
    s.items.append(
        Item(
            "chart",
            svg=bars(
                [f"{r[0].text} {r[1].text}" for r in top],
                {"Selected in versions": [_num(r[t.column("Selected in versions")].value) for r in top]},
                "Selection frequency across the versions (most selected first)",
                percent=True,
            ),
        )
    )
    s.items.append(_table(t, title="Every initiative's class", kind="details"))
    return s


def _frontier(book: OutputBook) -> Section | None:
    t = book.table("Frontier", "Budget")
    if t is None:
        return None
    xs = [_num(v) for v in t.values("Budget")]
    ys = [_num(v) for v in t.values("Expected value")]
    cur = t.column("Current budget")
    mark = next(
        ((x, y) for x, y, r in zip(xs, ys, t.rows) if cur is not None and cur < len(r) and r[cur].value == "Yes"), None
    )
    return Section(
        "frontier",
        "The efficient frontier",
        [
            Item(
                "chart",
                svg=line(
                    xs,
                    {"Best expected value": ys},
                    "Best expected value at each budget",
                    "Budget",
                    "Expected value",
                    mark,
                ),
            ),
            _table(
                t,
                [
                    "Budget",
                    "Expected value",
                    "Cost",
                    "Count",
                    "Marginal value per unit",
                    "Entered",
                    "Left",
                    "Current budget",
                ],
            ),
        ],
    )


def _scenarios(book: OutputBook) -> Section | None:
    t = book.table("Scenario summary", "Measure")
    if t is None:
        return None
    names = t.header[1:]
    value = next((r for r in t.rows if r[0].value == "Expected value"), None)
    s = Section("scenarios", "Scenarios side by side")
    if value is not None:
        s.items.append(
            Item(
                "chart",
                svg=bars(names, {"Expected value": [_num(c.value) for c in value[1:]]}, "Expected value by scenario"),
            )
        )
    s.items.append(_table(t))
    causes = book.table("Scenario changes", "Scenario")
    if causes is not None and causes.rows:
        s.items.append(_table(causes, title="What moved, and why"))
    return s


def _comparison(book: OutputBook) -> Section | None:
    t = book.table("Comparison", "Plan")
    if t is None:
        return None
    names = [str(v) for v in t.values("Plan")]
    return Section(
        "comparison",
        "Plans compared",
        [
            Item(
                "chart",
                svg=bars(
                    names,
                    {
                        "Plan value": [_num(v) for v in t.values("Expected value")],
                        "Optimum at the same cost": [_num(v) for v in t.values("Optimal value at this cost")],
                    },
                    "Each plan against the best portfolio at its cost",
                ),
            ),
            _table(t),
        ],
    )


def _simulated(book: OutputBook) -> Section | None:
    t = book.table("Risk summary", "Figure")
    if t is None:
        return None
    s = Section("risk", "The spread of outcomes", [_table(t, ["Figure", "Value", "Sampling error (±1 s.e.)"])])
    hist = book.table("Risk summary", "Value from")
    if hist is not None and hist.rows:
        labels = [short_amount(_num(v)) for v in hist.values("Value from")]
        s.items.append(
            Item(
                "chart",
                svg=columns(
                    labels,
                    [_num(v) for v in hist.values("Share of worlds")],
                    "Portfolio value: share of worlds",
                    "Share of worlds",
                ),
            )
        )
    curve = book.table("Risk summary", "Portfolio value")
    if curve is not None and curve.rows:
        xs = [_num(v) for v in curve.values("Portfolio value")]
        s.items.append(
            Item(
                "chart",
                svg=line(
                    xs,
                    {"Cumulative probability": [_num(v) for v in curve.values("Cumulative probability")]},
                    "S-curve: the chance the value is at most x",
                    "Portfolio value",
                    "Cumulative probability",
                    ypercent=True,
                ),
            )
        )
    drivers = book.table("Risk by initiative", "ID")
    if drivers is not None:
        s.items.append(_table(drivers, None, drivers.rows[:CLOSEST], title="What drives a bad year"))
    themes = book.table("Risk by theme", "Theme")
    if themes is not None:
        s.items.append(_table(themes, title="By theme"))
    return s


def _review(book: OutputBook) -> Section | None:
    t = book.table("Quarter review", "Measure")
    if t is None:
        return None
    s = Section("review", "The quarter's review", [_table(t)])
    moves = book.table("Quarter review", "ID")
    if moves is not None:
        s.items.append(_table(moves, title="What moved, and why"))
    changes = book.table("Estimate changes", "ID")
    if changes is not None:
        s.items.append(_table(changes, title="Estimates that moved", kind="details"))
    return s


def _alternatives(book: OutputBook) -> Section | None:
    t = book.table("Alternatives", "Measure")
    if t is None:
        return None
    names = t.header[1:]
    value = next((r for r in t.rows if r[0].value == "Expected value"), None)
    s = Section("alternatives", "Alternatives almost as good")
    if value is not None:
        s.items.append(
            Item(
                "chart",
                svg=bars(
                    names, {"Expected value": [_num(c.value) for c in value[1:]]}, "Each alternative's expected value"
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


def kind_of(book: OutputBook) -> str:
    """Which of this tool's workbooks it is, by its sheets."""
    for sheet, kind in (
        ("Summary", "results"),
        ("Frontier", "frontier"),
        ("Scenario summary", "scenarios"),
        ("Comparison", "comparison"),
        ("Risk summary", "risk"),
        ("Quarter review", "review"),
        ("Alternatives", "alternatives"),
    ):
        if book.has(sheet):
            return kind
    from portfolio_opt.model.errors import InvalidWorkbook, Problem

    raise InvalidWorkbook(
        [
            Problem(
                "not-an-output",
                book.name,
                "is not a workbook portfolio-opt wrote (no Summary, "
                "Frontier, Scenario summary, Comparison, Risk summary, Quarter review or "
                "Alternatives sheet)",
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


def render(path: str | os.PathLike, title: str | None = None) -> str:
    """The page for the workbook at ``path``, as one HTML document."""
    _need()
    import jinja2

    book = read_output(path)
    parts = sections(book)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("portfolio_opt.render", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    page = env.get_template("report.html.j2")
    return page.render(
        title=title or f"Portfolio report: {os.path.splitext(book.name)[0]}",
        book=book,
        sections=parts,
        kind=kind_of(book),
    )


def write_report(
    path: str | os.PathLike,
    output: str | os.PathLike,
    title: str | None = None,
    pdf: str | os.PathLike | None = None,
    force: bool = False,
) -> None:
    """Write the page for the workbook at ``path`` to ``output`` (and print it to ``pdf``),
    each to a temporary name first, so a file is whole or absent."""
    text = render(path, title)
    _atomic_write(output, text.encode("utf-8"), force)
    if pdf is not None:
        print_pdf(output, pdf, force)


def _atomic_write(path, data: bytes, force: bool) -> None:
    path = os.fspath(path)
    if os.path.exists(path) and not force:
        raise OutputError(f"{path} already exists: pass --force to replace it")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as any file written here (mkstemp makes it private)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path} could not be written ({exc.strerror})") from None


def browser() -> str | None:
    """A headless Chromium on this machine, if any."""
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def print_pdf(html_path, pdf_path, force: bool = False) -> None:
    """Print the page to PDF with headless Chromium (A4 or Letter, as the page's CSS says)."""
    exe = browser()
    if exe is None:
        raise Unavailable(
            "printing the report to PDF needs Chromium: apt-get install chromium (the HTML works without it)"
        )
    pdf_path = os.fspath(pdf_path)
    if os.path.exists(pdf_path) and not force:
        raise OutputError(f"{pdf_path} already exists: pass --force to replace it")
    with tempfile.TemporaryDirectory() as home:
        tmp = os.path.join(home, "out.pdf")
        proc = subprocess.run(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={home}",
                f"--print-to-pdf={tmp}",
                "file://" + os.path.abspath(os.fspath(html_path)),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0 or not os.path.exists(tmp):
            raise OutputError(f"Chromium could not print {pdf_path}: {proc.stderr.strip()[-300:]}")
        with open(tmp, "rb") as fh:
            _atomic_write(pdf_path, fh.read(), True)
