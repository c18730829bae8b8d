"""How far is the end-to-end job from its floor? Prints CPU seconds of both and their ratio.

    pip install "portfolio-opt[bench]"        # python-calamine and XlsxWriter, for the floor
    python benchmarks/bench_floor.py [initiatives ...]     (default 10000)

The job: a planning workbook in, the portfolio chosen at the default gap, a results workbook
out (Ranking of every initiative, the input sheets copied), explanations off
(``--explain-limit 0``). Ours is ``portfolio-opt optimize`` in-process. The floor does the
least that job can be done with: read the values with a Rust-backed reader (calamine), build
the matrix with numpy, solve one LP relaxation with highspy directly and round it down (no
proof, no reasons, no checks), and write the same two big sheets with XlsxWriter in its
constant-memory mode. Both are timed in CPU seconds of this process (solver threads
included), alternating runs, best of ``--repeat``.

Reading alone is printed too: our reader (``read_workbook``: the sheets' XML taken apart
directly), the openpyxl reader it replaced (``workbook/xlsx_openpyxl.py``, now its fallback)
and the floor, calamine's values of every sheet (no formats, no error flags, every number a
float), in CPU seconds, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from bench_optimize import to_workbook  # noqa: E402
from plans import TEAMS, random_plan, shaped_plan  # noqa: E402


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def ours(src: str, out: str) -> tuple[float, float, float]:
    """CPU seconds of reading, of solving (with the ranking and reasons), and of writing."""
    from portfolio_opt import optimize, read_plan, save_results

    start = cpu()
    plan = read_plan(src)
    read = cpu()
    result = optimize(plan)
    solved = cpu()
    save_results(result, out, force=True)
    return read - start, solved - read, cpu() - solved


def floor(src: str, out: str) -> float:
    import highspy
    import numpy as np
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    start = cpu()
    book = CalamineWorkbook.from_path(src)
    rows = book.get_sheet_by_name("Initiatives").to_python()
    header, data = rows[0], rows[1:]
    col = {h: k for k, h in enumerate(header)}
    table = np.array(
        [
            [
                r[col[h]] or 0
                for h in ("Impact (per year)", "Probability", "Time to value (months)", "Cost", "Run cost (per year)")
                + TEAMS
            ]
            for r in data
        ],
        dtype=float,
    )
    budget = next(r[1] for r in book.get_sheet_by_name("Settings").to_python() if r[0] == "Budget")
    impact, prob, ttv, cost, run = table[:, :5].T
    delta = np.log1p(0.10)
    score = prob * (impact - run) * (np.exp(-delta * ttv / 12) - np.exp(-delta * 36 / 12)) / delta
    n = len(data)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -score)
    for k, weights in enumerate([cost] + [table[:, 5 + t] for t in range(len(TEAMS))]):
        cap = budget if k == 0 else 0.3 * weights.sum()
        idx = np.nonzero(weights)[0].astype(np.int32)
        h.addRow(-highspy.kHighsInf, cap, len(idx), idx, weights[idx])
    h.run()
    chosen = np.array(h.getSolution().col_value) > 1 - 1e-9
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    money = wb.add_format({"num_format": "#,##0"})
    ranking = wb.add_worksheet("Ranking")
    order = np.argsort(-score)
    ranking.write_row(0, 0, ["Rank", "ID", "Name", "Selected", "Score", "Cost", "Value per cost", "Reason"])
    for rank, i in enumerate(order, start=1):
        r = data[i]
        ranking.write_row(rank, 0, [rank, r[col["ID"]], r[col["Name"]], "Yes" if chosen[i] else "No"])
        ranking.write_number(rank, 4, score[i], money)
        ranking.write_number(rank, 5, cost[i], money)
        ranking.write_number(rank, 6, score[i] / cost[i] if cost[i] else 0)
        ranking.write_string(rank, 7, "on merit" if chosen[i] else "budget")
    copy = wb.add_worksheet("Initiatives")
    for k, r in enumerate(rows):
        copy.write_row(k, 0, r)
    wb.close()
    return cpu() - start


def reading(src: str, repeat: int) -> tuple[float, float, float]:
    """CPU seconds to read the plan: ours, openpyxl's, the floor's (calamine, values only)."""
    from python_calamine import CalamineWorkbook

    from portfolio_opt.workbook import xlsx_openpyxl
    from portfolio_opt.workbook.reader import read_workbook

    def floor_read() -> None:
        book = CalamineWorkbook.from_path(src)
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()

    def openpyxl_read() -> None:
        with open(src, "rb") as fh:
            xlsx_openpyxl.read(fh.read(), "plan.xlsx", "")

    times: dict[str, list[float]] = {"ours": [], "openpyxl": [], "floor": []}
    for _ in range(repeat):
        for key, run in (("ours", lambda: read_workbook(src)), ("openpyxl", openpyxl_read), ("floor", floor_read)):
            start = cpu()
            run()
            times[key].append(cpu() - start)
    return min(times["ours"]), min(times["openpyxl"]), min(times["floor"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(
        f"{'initiatives':>11} {'shape':>10} {'read':>6} {'solve':>6} {'write':>6} {'ours cpu s':>10} "
        f"{'floor cpu s':>11} {'ratio':>6}"
    )
    for n in args.sizes:
        # the project's own benchmark plan, and the shape issue 30 was measured on (plans.py)
        for shape, plan in (("benchmark", random_plan(n, seed=n)), ("LP right", shaped_plan(n))):
            with tempfile.TemporaryDirectory() as tmp:
                src = os.path.join(tmp, "plan.xlsx")
                to_workbook(plan, src)
                mine, least = [], []
                for _ in range(args.repeat):  # alternating, so a busy moment hits both
                    mine.append(ours(src, os.path.join(tmp, "ours.xlsx")))
                    least.append(floor(src, os.path.join(tmp, "floor.xlsx")))
                best = min(mine, key=sum)
                total = sum(best)
                parts = " ".join(f"{x:>6.2f}" for x in best)
                print(
                    f"{n:>11,} {shape:>10} {parts} {total:>10.2f} {min(least):>11.2f} {total / min(least):>6.1f}",
                    flush=True,
                )
                ours_read, openpyxl_read, floor_read = reading(src, max(args.repeat, 3))
                print(
                    f"{'':>11} {'':>10} reading: ours {ours_read:.2f} s, openpyxl {openpyxl_read:.2f} s, "
                    f"floor {floor_read:.2f} s ({ours_read / floor_read:.1f}× the floor)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
