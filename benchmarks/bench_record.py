"""What does recording a run in the plan of record cost it? Target: at most 5% of the run.

    python benchmarks/bench_record.py [runs] [--db URL]

Runs ``portfolio-opt optimize`` (the real command, in its own process, as a user runs it) without
and with ``--db`` on the same plan, alternating, ``runs`` times each (default 7; 3 for the longest
case), and prints the median wall-clock seconds of each and the overhead. Plans: a random
1,000-initiative plan as ``optimize`` runs it by default (explanations on: the target's case),
the same with ``--explain-limit 0``, the shipped sample explained, and the sample with
``--explain-limit 0`` (the shortest run, where the fixed cost of opening a store shows most). The store
is a new SQLite file (its first run, which makes it, is not counted), or ``--db URL`` (e.g. a
PostgreSQL database).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

TARGET = 0.05
ROOT = os.path.join(os.path.dirname(__file__), os.pardir)


def run(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "portfolio_opt", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def measure(name: str, plan: str, extra: list[str], runs: int, db: str, work: str) -> None:
    out = os.path.join(work, "r.xlsx")
    run(["optimize", plan, "-o", out, "--force", "--db", db, *extra])  # makes the store; warms the caches
    plain, recorded = [], []
    for _ in range(runs):
        plain.append(run(["optimize", plan, "-o", out, "--force", *extra]))
        recorded.append(run(["optimize", plan, "-o", out, "--force", "--db", db, *extra]))
    a, b = statistics.median(plain), statistics.median(recorded)
    share = (b - a) / a
    mark = "ok" if share <= TARGET else "OVER"
    print(f"{name:<44} {a:7.3f} s  {b:7.3f} s  {share:+6.1%}  ({mark}, target {TARGET:.0%})", flush=True)


def main() -> None:
    args = sys.argv[1:]
    db = None
    if "--db" in args:
        k = args.index("--db")
        db = args[k + 1]
        del args[k : k + 2]
    runs = int(args[0]) if args else 7
    with tempfile.TemporaryDirectory() as work:
        db = db or f"sqlite:///{os.path.join(work, 'record.db')}"
        from bench_optimize import to_workbook
        from plans import random_plan

        big = os.path.join(work, "plan1000.xlsx")
        to_workbook(random_plan(1000), big)
        sample = os.path.join(ROOT, "data", "sample_plan.xlsx")
        print(f"optimize, median of {runs}, store {db.split('://')[0]}:   without   with --db  overhead")
        measure("1,000 initiatives, explained (the default)", big, [], min(runs, 3), db, work)
        measure("sample (40 initiatives), explained", sample, [], runs, db, work)
        measure("sample, --explain-limit 0", sample, ["--explain-limit", "0"], runs, db, work)
        measure("1,000 initiatives, --explain-limit 0", big, ["--explain-limit", "0"], runs, db, work)


if __name__ == "__main__":
    main()
