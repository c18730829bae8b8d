"""How fast is a what-if answered from a solved plan? Prints the median and p95 of 200 random
what-ifs per plan: a 1,000- and a 10,000-initiative plan (benchmarks/plans.py, both shapes) and
the quarterly sample (40 initiatives x 8 quarters).

    python benchmarks/bench_warm.py [--count 200] [--check]

Each what-if is one or two changes a person makes by clicking and dragging: force an initiative
in or out, clear it, move the budget by up to 25%, move a limit's bound by up to 30% (the same
mix as tests/test_warm.py). ``--check`` also solves every changed plan fresh and counts the
answers that differ by more than the gap (there should be none). Targets (issue 30): p95 at
most 50 ms at 1,000 initiatives, 500 ms at 10,000, 2 s on the quarterly sample.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "tests"))

from plans import random_plan, shaped_plan  # noqa: E402
from test_warm import random_whatif  # noqa: E402

from portfolio_opt import Infeasible, optimize, read_plan  # noqa: E402
from portfolio_opt.core.changes import apply_changes  # noqa: E402
from portfolio_opt.core.warm import WarmPlan  # noqa: E402

QUARTERLY = os.path.join(os.path.dirname(__file__), os.pardir, "data", "sample_quarterly.xlsx")


def measure(name: str, plan, count: int, check: bool) -> None:
    started = time.perf_counter()
    warm = WarmPlan(plan)
    setup = time.perf_counter() - started
    rng = random.Random(7)
    seconds, rebuilt, infeasible, wrong = [], 0, 0, 0
    for _ in range(count):
        changes = random_whatif(plan, rng)
        t = time.perf_counter()
        try:
            answer = warm.solve(changes)
        except Infeasible:
            infeasible += 1
            seconds.append(time.perf_counter() - t)
            continue
        seconds.append(time.perf_counter() - t)
        rebuilt += not answer.warm
        if check:
            fresh = optimize(apply_changes(plan, changes))
            wrong += abs(fresh.objective - answer.solved.objective) > plan.settings.gap * abs(fresh.objective) + 1e-6
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
    line = (
        f"{name:>22} {setup:8.2f} {statistics.median(seconds) * 1000:9.0f} {p95 * 1000:9.0f} "
        f"{seconds[-1] * 1000:9.0f} {rebuilt:8d} {infeasible:10d}"
    )
    print(line + (f" {wrong:6d}" if check else ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--check", action="store_true", help="compare every answer with a fresh solve")
    args = parser.parse_args()
    print(
        f"{'plan':>22} {'setup s':>8} {'median ms':>9} {'p95 ms':>9} {'max ms':>9} {'rebuilt':>8} {'infeasible':>10}"
        + (f" {'wrong':>6}" if args.check else "")
    )
    measure("1,000 (benchmark)", random_plan(1000, seed=1000), args.count, args.check)
    measure("1,000 (LP right)", shaped_plan(1000, seed=2), args.count, args.check)
    measure("10,000 (benchmark)", random_plan(10_000, seed=10_000), args.count, args.check)
    measure("10,000 (LP right)", shaped_plan(10_000, seed=2), args.count, args.check)
    measure("quarterly sample", read_plan(QUARTERLY), args.count, args.check)


if __name__ == "__main__":
    main()
