"""How quickly does the CLI answer? Target: ``portfolio-opt --help`` under 0.3 s.

    python benchmarks/bench_startup.py [runs]

Runs ``portfolio-opt --help`` (the installed entry point, else ``python -m portfolio_opt``)
and ``python -c "import portfolio_opt"`` ``runs`` times each (default 15), one after another,
and prints the first run (the files not yet cached), the median and the slowest, in wall-clock
seconds, with the median as a share of the target; then ``python -c pass`` for the
interpreter's own start-up, and the heavy libraries a bare ``--help`` loaded (none is the aim).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

TARGET = 0.3
HEAVY = ("numpy", "pandas", "openpyxl", "pulp", "highspy", "xlsxwriter", "dask", "distributed")


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return out


def main(runs: int) -> None:
    exe = shutil.which("portfolio-opt")
    help_cmd = [exe, "--help"] if exe else [sys.executable, "-m", "portfolio_opt", "--help"]
    jobs = [
        (" ".join(["portfolio-opt" if exe else "python -m portfolio_opt", "--help"]), help_cmd),
        ('python -c "import portfolio_opt"', [sys.executable, "-c", "import portfolio_opt"]),
        ('python -c "pass"', [sys.executable, "-c", "pass"]),
    ]
    print(f"{'command':<34} {'first s':>8} {'median s':>9} {'slowest s':>10} {'of target':>10}")
    for name, cmd in jobs:
        t = timed(cmd, runs)
        median = statistics.median(t)
        share = f"{median / TARGET:.2f}x" if "--help" in name else ""
        print(f"{name:<34} {t[0]:>8.3f} {median:>9.3f} {max(t):>10.3f} {share:>10}")
    code = (
        "import sys, portfolio_opt.cli\n"
        "from click.testing import CliRunner\n"
        "CliRunner().invoke(portfolio_opt.cli.main, ['--help'])\n"
        f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))) or 'none')"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    print(f"heavy libraries loaded by --help: {loaded}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
