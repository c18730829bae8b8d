"""How fast is the core job at 1,000 to 100,000 initiatives? Prints one line per size.

    python benchmarks/bench_optimize.py [sizes...] [--highs] [--shape benchmark|lp-right]

``--highs``: HiGHS only. ``--shape``: the project's benchmark plan (``random_plan``, the default)
or the plan whose LP already knows the answer (``shaped_plan``, issue 30).

Per size and solver: write the plan as a workbook, read and validate it, build and solve (default
gap 0.01%, time limit 600 s), write the results workbook. Wall-clock seconds on this machine, and
the CPU seconds of each step (steadier on a shared machine).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from plans import TEAMS, random_plan, shaped_plan  # noqa: E402

from portfolio_opt import (  # noqa: E402
    optimize,  # noqa: E402
    read_plan,
    save_results,
)
from portfolio_opt.workbook.template import write_planning_workbook  # noqa: E402


def to_workbook(plan, path):
    rows = []
    for x in plan.initiatives:
        row = {
            "ID": x.id,
            "Name": x.name,
            "Theme": x.theme,
            "Impact (per year)": x.impact,
            "Probability": x.probability,
            "Time to value (months)": x.time_to_value,
            "Cost": x.cost,
            "Run cost (per year)": x.run_cost,
            "Depends on": ", ".join(x.depends_on) or None,
            "Exclusive group": x.exclusive_group,
            "Decision": x.decision.value or None,
        }
        row.update({t: x.values[t] for t in TEAMS})
        rows.append(row)
    constraints = [
        {"Column": lim.column, "Scope": lim.scope_text, "Min": lim.min, "Max": lim.max} for lim in plan.limits
    ]
    write_planning_workbook(
        path,
        rows,
        extra_columns=[(t, "0.0", "") for t in TEAMS],
        constraints=constraints,
        settings=[("Budget", plan.settings.budget)],
        force=True,
    )


#: the plan shapes ``--shape`` names, each a function of the number of initiatives
SHAPES = {"benchmark": lambda n: random_plan(n, seed=n), "lp-right": shaped_plan}


def main(sizes, solvers=("highs", "cbc"), shape="benchmark"):
    print(
        f"{'initiatives':>11} {'solver':>6} {'read s':>7} {'solve s':>8} {'write s':>8} {'total s':>8} {'status':>8} "
        f"{'gap':>8} {'peak MB':>8} {'cpu: read':>9} {'solve':>6} {'write':>6}"
    )
    for n, solver in ((n, s) for n in sizes for s in solvers):
        plan = SHAPES[shape](n)
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "plan.xlsx")
            to_workbook(plan, src)
            t0, c0 = time.perf_counter(), cpu()
            read = read_plan(src)
            t1, c1 = time.perf_counter(), cpu()
            result = optimize(read, solver_name=solver, time_limit=600)
            t2, c2 = time.perf_counter(), cpu()
            save_results(result, os.path.join(tmp, "result.xlsx"))
            t3, c3 = time.perf_counter(), cpu()
        gap = result.solver.gap or 0.0
        print(
            f"{n:>11,} {solver:>6} {t1 - t0:>7.2f} {t2 - t1:>8.2f} {t3 - t2:>8.2f} {t3 - t0:>8.2f} "
            f"{result.status.value:>8} {gap:>8.4%} {peak_mb():>8,.0f} {c1 - c0:>9.2f} {c2 - c1:>6.2f} {c3 - c2:>6.2f}",
            flush=True,
        )


def cpu() -> float:
    """CPU seconds this process has used so far, the solver's threads included."""
    t = os.times()
    return t.user + t.system


def peak_mb() -> float:
    """The most memory this process has held so far (its peak resident set), in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 50_000])
    parser.add_argument("--highs", action="store_true", help="HiGHS only")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="benchmark")
    args = parser.parse_args()
    main(args.sizes, ("highs",) if args.highs else ("highs", "cbc"), args.shape)
