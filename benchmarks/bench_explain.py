"""How long do explanations take for a 500-initiative plan? Target: under 15 s on two cores.

    python benchmarks/bench_explain.py [n] [solver ...]

Prints, per solver: the optimize time, the number of re-solves, and the explanation time with
two worker processes and with one (serial), for the same plan.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from plans import random_plan  # noqa: E402

from portfolio_opt import optimize  # noqa: E402
from portfolio_opt.analyses.explain import explain  # noqa: E402


def main(n: int, solvers) -> None:
    plan = random_plan(n, seed=n)
    print(f"{n} initiatives, {len(plan.all_limits())} limits")
    print(f"{'solver':>6} {'optimize s':>10} {'solves':>7} {'2 workers s':>12} {'1 worker s':>11}")
    for solver in solvers:
        t0 = time.perf_counter()
        result = optimize(plan, solver_name=solver)
        t1 = time.perf_counter()
        two = explain(result, max_initiatives=None, workers=2)
        t2 = time.perf_counter()
        one_s = float("nan")
        if "--serial" in sys.argv:
            explain(result, max_initiatives=None, workers=1)
            one_s = time.perf_counter() - t2
        solves = int(two.explain_note.split("(")[1].split(" solves")[0])
        print(f"{solver:>6} {t1 - t0:>10.2f} {solves:>7} {t2 - t1:>12.2f} {one_s:>11.2f}", flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 500
    main(n, args[1:] or ["highs", "cbc"])
