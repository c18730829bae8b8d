"""How long does writing the results workbook take, and how much memory does it add? The big
sheets streamed (as shipped) against written cell by cell (an openpyxl cell each, as before).

    python benchmarks/bench_write.py [initiatives ...] [--repeat 3]     (default 10000)

Per size: the project's benchmark plan (plans.py) written as a planning workbook, read and solved
once at the default gap (so the results carry the Initiatives copy and the explanations
``optimize`` makes), then its results workbook written both ways, alternating, each in a forked
child of its own: CPU seconds of the write (best of ``--repeat``) and the most memory it added to
the process (the child's peak resident set less its resident set before writing; the largest
seen).
The two files are checked to be the same bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from bench_optimize import to_workbook  # noqa: E402
from plans import random_plan  # noqa: E402

from portfolio_opt import optimize, read_plan, save_results  # noqa: E402
from portfolio_opt.workbook import style  # noqa: E402


def memory_mb(field: str) -> float:
    """This process's resident set now (``VmRSS``) or at its peak (``VmHWM``), in MB."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":")) / 1024


def measured(result, path: str, stream: bool) -> tuple[float, float]:
    """CPU seconds and MB added of writing ``result`` to ``path``, in a forked child (which
    reports the most memory it held less what it held before writing)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write, and leave without running the parent's exit handlers
        code = 0
        try:
            before = memory_mb("VmRSS")
            style.STREAM = stream
            save_results(result, path, force=True)
            os.write(write, f"{memory_mb('VmHWM') - before}".encode())
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as fh:
        added = fh.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit(f"the write failed (status {status})")
    return usage.ru_utime + usage.ru_stime, float(added)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'initiatives':>11} {'cells cpu s':>11} {'+MB':>6} {'streamed cpu s':>14} {'+MB':>6} {'same':>5}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "plan.xlsx")
            to_workbook(random_plan(n, seed=n), src)
            result = optimize(read_plan(src))
            runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
            for _ in range(args.repeat):  # alternating, so a busy moment hits both
                for stream in (False, True):
                    runs[stream].append(measured(result, os.path.join(tmp, f"{stream}.xlsx"), stream))
            with open(os.path.join(tmp, "False.xlsx"), "rb") as a, open(os.path.join(tmp, "True.xlsx"), "rb") as b:
                same = a.read() == b.read()
        cells, streamed = ((min(cpu for cpu, _ in runs[s]), max(mb for _, mb in runs[s])) for s in (False, True))
        print(
            f"{n:>11,} {cells[0]:>11.2f} {cells[1]:>6,.0f} {streamed[0]:>14.2f} {streamed[1]:>6,.0f} {same!s:>5}",
            flush=True,
        )


if __name__ == "__main__":
    main()
