"""Robustness and alternatives benchmarks. Prints its figures.

    python benchmarks/bench_robustness.py [--n 1000] [--samples 200] [--no-cluster]

Targets on 2 cores: robustness with 200 versions of a 1,000-initiative plan under 60 s; on a
2-worker LocalCluster at most 1.3x the time of local worker processes; alternatives (5 within
1%) of a 1,000-initiative plan under 20 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from plans import random_plan  # noqa: E402

from portfolio_opt.analyses.alternatives import alternatives  # noqa: E402
from portfolio_opt.analyses.robustness import robustness  # noqa: E402
from portfolio_opt.render.json import robustness_to_dict
from portfolio_opt.runtime import pool  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--no-cluster", action="store_true")
    a = ap.parse_args()
    plan = random_plan(a.n, seed=3)

    started = time.perf_counter()
    alt = alternatives(plan, count=5, within=0.01, min_difference=3)
    print(
        f"alternatives: {len(alt.portfolios)} within 1% of {a.n:,} initiatives: "
        f"{time.perf_counter() - started:.1f} s (target < 20 s)"
    )

    started = time.perf_counter()
    local = robustness(plan, samples=a.samples, seed=1)
    here = time.perf_counter() - started
    print(
        f"robustness: {a.samples} versions of {a.n:,} initiatives on local worker processes: {here:.1f} s "
        f"(target < 60 s; {sum(1 for c in local.classes.values() if c == 'borderline')} borderline)"
    )
    if a.no_cluster:
        return
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        started = time.perf_counter()
        with pool.cluster(cluster.scheduler_address):
            remote = robustness(plan, samples=a.samples, seed=1)
        there = time.perf_counter() - started
    same = {k: v for k, v in robustness_to_dict(remote).items() if k != "seconds"} == {
        k: v for k, v in robustness_to_dict(local).items() if k != "seconds"
    }
    print(
        f"robustness on a 2-worker LocalCluster: {there:.1f} s, {there / here:.2f}x local "
        f"(target at most 1.3x); same report: {same}"
    )


if __name__ == "__main__":
    main()
