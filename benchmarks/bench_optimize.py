"""How fast is the core job at 1,000 to 100,000 initiatives? Prints one line per size.

    python benchmarks/bench_optimize.py [sizes...] [--highs]     (--highs: HiGHS only)

Per size and solver: write the plan as a workbook, read and validate it, build and solve (default
gap 0.01%, time limit 600 s), write the results workbook. Wall-clock seconds on this machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from plans import TEAMS, random_plan  # noqa: E402

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


def main(sizes, solvers=("highs", "cbc")):
    print(
        f"{'initiatives':>11} {'solver':>6} {'read s':>7} {'solve s':>8} {'write s':>8} {'total s':>8} {'status':>8} "
        f"{'gap':>8} {'peak MB':>8}"
    )
    for n, solver in ((n, s) for n in sizes for s in solvers):
        plan = random_plan(n, seed=n)
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "plan.xlsx")
            to_workbook(plan, src)
            t0 = time.perf_counter()
            read = read_plan(src)
            t1 = time.perf_counter()
            result = optimize(read, solver_name=solver, time_limit=600)
            t2 = time.perf_counter()
            save_results(result, os.path.join(tmp, "result.xlsx"))
            t3 = time.perf_counter()
        gap = result.solver.gap or 0.0
        print(
            f"{n:>11,} {solver:>6} {t1 - t0:>7.2f} {t2 - t1:>8.2f} {t3 - t2:>8.2f} {t3 - t0:>8.2f} "
            f"{result.status.value:>8} {gap:>8.4%} {peak_mb():>8,.0f}",
            flush=True,
        )


def peak_mb() -> float:
    """The most memory this process has held so far (its peak resident set), in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    solvers = ("highs",) if "--highs" in sys.argv else ("highs", "cbc")
    main([int(a) for a in args] or [1_000, 10_000, 50_000], solvers)
