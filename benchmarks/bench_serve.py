"""How fast does the portfolio room answer a what-if over HTTP, and does it hold under load?

    python benchmarks/bench_serve.py [--count 100] [--clients 20] [--each 50] [--check]

Starts ``portfolio-opt serve`` as its own process on a free loopback port with three plans: the
40-initiative sample, a 1,000-initiative plan (benchmarks/plans.py, written to a workbook) and
the quarterly sample (40 initiatives x 8 quarters). Then:

1. the first page of each plan (``GET /api/plans/{id}``: the plan, its rows and its optimum);
2. ``--count`` what-ifs per plan, one at a time, each one change a person makes with a click or
   a drag (force an initiative in or out, or move the budget by up to 25%): p50 and p95 of the
   round trip, the answer's JSON (what the page renders) included. ``--check`` compares each
   answer with a fresh ``optimize`` of the changed plan;
3. the load run: ``--clients`` clients at once, each sending ``--each`` what-ifs to the
   1,000-initiative plan, picked from ``--distinct`` what-ifs (one asked again is answered from
   the server's cache, as undo and a budget dragged back are); every answer is compared with a
   fresh solve of its what-if, and the p95, the 503s, the server's peak resident memory and
   that it still answers are printed.

Targets (issue 32): p95 at most 150 ms on the sample, 400 ms at 1,000 initiatives, 3 s on the
quarterly sample; the first page of the 1,000-initiative plan under 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, os.pardir))

import httpx  # noqa: E402
from bench_optimize import to_workbook  # noqa: E402
from plans import random_plan  # noqa: E402

import portfolio_opt as po  # noqa: E402
from portfolio_opt.core.changes import apply_changes  # noqa: E402
from portfolio_opt.web.room import changes_of  # noqa: E402

DATA = os.path.join(HERE, os.pardir, "data")
TOKEN = "bench-token-of-the-portfolio-room-0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def what_if(plan: po.Plan, rng: random.Random) -> dict:
    """One change a person makes with a click or a drag."""
    roll = rng.random()
    ids = [i.id for i in plan.initiatives]
    if roll < 0.35:
        return {"force_out": [rng.choice(ids)]}
    if roll < 0.6:
        return {"force_in": [rng.choice(ids)]}
    budget = plan.settings.budget or sum(i.cost for i in plan.initiatives) * 0.3
    return {"budget": round(budget * rng.uniform(0.75, 1.25), -3)}


def fresh(plan: po.Plan, body: dict) -> float | None:
    """The objective a fresh ``optimize`` finds for the what-if (None: infeasible)."""
    try:
        return po.optimize(apply_changes(plan, changes_of(plan, body))).objective
    except po.Infeasible:
        return None


def agrees(answer: dict, expected: float | None, gap: float) -> bool:
    if expected is None:
        return answer.get("status") == "infeasible"
    got = answer.get("objective")
    return got is not None and abs(got - expected) <= max(gap, 1e-9) * max(1.0, abs(expected)) * 1.0001


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def latency(client: httpx.Client, name: str, plan_id: str, plan: po.Plan, count: int, check: bool) -> None:
    started = time.perf_counter()
    client.get(f"/api/plans/{plan_id}").raise_for_status()
    first = time.perf_counter() - started
    rng = random.Random(7)
    seconds, wrong, asked = [], 0, set()
    for _ in range(count):
        body = what_if(plan, rng)
        while repr(body) in asked:  # each one new: a what-if asked again comes from the cache
            body = what_if(plan, rng)
        asked.add(repr(body))
        t = time.perf_counter()
        reply = client.post(f"/api/plans/{plan_id}/solve", json=body)
        seconds.append(time.perf_counter() - t)
        reply.raise_for_status()
        if check and not agrees(reply.json(), fresh(plan, body), plan.settings.gap):
            wrong += 1
    print(
        f"{name:<28} first page {first * 1000:7.0f} ms   what-if p50 {statistics.median(seconds) * 1000:7.1f} ms"
        f"   p95 {pct(seconds, 0.95) * 1000:7.1f} ms   max {max(seconds) * 1000:7.1f} ms"
        + (f"   differ from fresh: {wrong}" if check else ""),
        flush=True,
    )


def load(url: str, plan_id: str, plan: po.Plan, clients: int, each: int, distinct: int, pid: int) -> None:
    rng = random.Random(11)
    # the what-ifs the clients pick from (the server answers one asked again from its cache)
    pool = [what_if(plan, rng) for _ in range(distinct)]
    answers: list[tuple[int, int, dict]] = []
    seconds: list[float] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        mine = random.Random(k)
        with httpx.Client(base_url=url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=120) as c:
            for _ in range(each):
                w = mine.randrange(len(pool))
                t = time.perf_counter()
                reply = c.post(f"/api/plans/{plan_id}/solve", json=pool[w])
                took = time.perf_counter() - t
                with lock:
                    seconds.append(took)
                    answers.append((w, reply.status_code, reply.json()))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    busy = sum(1 for _, status, _ in answers if status == 503)
    expected = {w: fresh(plan, pool[w]) for w in sorted({w for w, status, _ in answers if status == 200})}
    wrong = sum(1 for w, status, a in answers if status == 200 and not agrees(a, expected[w], plan.settings.gap))
    alive = httpx.get(f"{url}/api/plans", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    print(
        f"load: {clients} clients x {each} what-ifs on {len(plan.initiatives):,} initiatives in {wall:.1f} s: "
        f"p50 {statistics.median(seconds) * 1000:.0f} ms, p95 {pct(seconds, 0.95) * 1000:.0f} ms, "
        f"max {max(seconds) * 1000:.0f} ms; {len(answers) - busy} answered, {busy} turned away (503); "
        f"{wrong} differ from a fresh solve ({len(expected)} distinct what-ifs, each checked); "
        f"server peak RSS {peak_rss_mb(pid):,.0f} MB; alive after: {alive}",
        flush=True,
    )


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--each", type=int, default=50)
    parser.add_argument("--distinct", type=int, default=300, help="distinct what-ifs in the load run")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "plan_1000.xlsx")
        to_workbook(random_plan(1_000), big)
        files = {
            "sample (40 initiatives)": os.path.join(DATA, "sample_plan.xlsx"),
            "1,000 initiatives": big,
            "quarterly (40 x 8 quarters)": os.path.join(DATA, "sample_quarterly.xlsx"),
        }
        port = free_port()
        env = dict(os.environ, PORTFOLIO_OPT_TOKEN=TOKEN)
        command = [sys.executable, "-m", "portfolio_opt", "serve", *files.values(), "--port", str(port)]
        command += ["--no-browser", "--db", f"sqlite:///{tmp}/record.db"]
        started = time.perf_counter()
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        server.stdout.readline()  # the address: the plans are read and solved
        url = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=120)
        while True:
            try:
                listed = client.get("/api/plans").json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        print(f"server up with {len(listed)} plans in {time.perf_counter() - started:.1f} s", flush=True)
        try:
            for (name, path), entry in zip(files.items(), listed):
                plan = po.read_plan(path)
                count = args.count // 4 if plan.settings.periods else args.count
                latency(client, name, entry["id"], plan, count, args.check)
            load(url, listed[1]["id"], po.read_plan(big), args.clients, args.each, args.distinct, server.pid)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)


if __name__ == "__main__":
    main()
