"""The leadership page's charts: static SVG drawn by matplotlib, deterministic and self-contained.

Each chart marks its bars or points with SVG group ids (``bar-<series>-<k>``, ``points-<series>``,
``mark``), so a test (or a browser) can count what was drawn. Needs the ``report`` extra.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from portfolio_opt.model.figures import short_amount


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
