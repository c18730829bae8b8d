"""Sweeps on a real Dask distributed cluster (a LocalCluster of worker processes on this
machine): the same report as local processes, and a worker killed mid-sweep costs a retry,
not the run. Long cases: CI runs them (--slow)."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_opt.analyses.robustness import robustness
from portfolio_opt.cli import main
from portfolio_opt.render.json import robustness_to_dict
from portfolio_opt.runtime import pool, progress
from portfolio_opt.workbook.files import read_plan

distributed = pytest.importorskip("distributed", reason='needs the cluster extra: pip install "portfolio-opt[cluster]"')
pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def cluster():
    import logging

    # a killed worker makes the cluster log its lost connections at length: not our output
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as c:
        yield c


def _report(r) -> dict:
    d = robustness_to_dict(r)
    d.pop("seconds")
    return d


def test_robustness_on_the_cluster_is_the_local_report(cluster):
    plan = read_plan(DATA / "sample_plan.xlsx")
    local = _report(robustness(plan, samples=30, seed=4))
    with pool.cluster(cluster.scheduler_address) as client:
        assert client is not None
        remote = _report(robustness(plan, samples=30, seed=4))
    assert remote == local


def test_scenarios_and_frontier_run_on_the_cluster_from_the_command_line(cluster, tmp_path):
    plan = str(DATA / "sample_plan.xlsx")
    runs = {}
    for where in ("here", "cluster"):
        extra = ["--cluster", cluster.scheduler_address] if where == "cluster" else []
        r = CliRunner().invoke(main, ["scenarios", plan, "-o", str(tmp_path / f"s_{where}.xlsx"), "--json", *extra])
        assert r.exit_code == 0, r.output
        f = CliRunner().invoke(
            main, ["frontier", plan, "-o", str(tmp_path / f"f_{where}.xlsx"), "--steps", "5", "--json", *extra]
        )
        assert f.exit_code == 0, f.output
        s_data, f_data = json.loads(r.stdout), json.loads(f.stdout)
        runs[where] = (
            [(x["name"], x["objective"], x["selected"]) for x in s_data["scenarios"]],
            [(p["budget"], p["objective"], p["selected"]) for p in f_data["points"]],
        )
    assert runs["cluster"] == runs["here"]


def test_a_worker_killed_mid_sweep_costs_a_retry_not_the_run(cluster):
    plan = read_plan(DATA / "sample_plan.xlsx")
    local = _report(robustness(plan, samples=40, seed=9))
    started = threading.Event()

    def listen(e: progress.Event) -> None:
        if e.stage == "Versions" and e.done >= 3:
            started.set()

    out: dict = {}

    def sweep() -> None:
        with progress.listening(listen), pool.cluster(cluster.scheduler_address):
            out["report"] = _report(robustness(plan, samples=40, seed=9))

    pids = list(distributed.Client(cluster.scheduler_address).run(os.getpid).values())
    t = threading.Thread(target=sweep)
    t.start()
    assert started.wait(60)
    os.kill(pids[0], signal.SIGKILL)  # one of the two workers dies mid-sweep
    t.join(120)
    assert not t.is_alive()
    assert out["report"] == local


def test_a_cluster_that_does_not_answer_is_exit_8(tmp_path):
    r = CliRunner().invoke(
        main,
        [
            "robustness",
            str(DATA / "sample_plan.xlsx"),
            "-o",
            str(tmp_path / "x.xlsx"),
            "--samples",
            "4",
            "--cluster",
            "tcp://127.0.0.1:9",
            "--json",
        ],
    )
    assert r.exit_code == 8, r.output
    assert "dask scheduler" in json.loads(r.stdout)["message"]
    assert not (tmp_path / "x.xlsx").exists()


def test_explanations_on_the_cluster_from_the_settings_sheet(cluster, tmp_path):
    from portfolio_opt.workbook.sample import CONSTRAINTS, EXTRA_COLUMNS, SETTINGS, sample_rows
    from portfolio_opt.workbook.template import write_planning_workbook

    plan = tmp_path / "plan.xlsx"
    write_planning_workbook(
        plan,
        initiatives=sample_rows(),
        extra_columns=EXTRA_COLUMNS,
        constraints=CONSTRAINTS,
        settings=SETTINGS + (("Cluster", cluster.scheduler_address),),
    )
    here = CliRunner().invoke(
        main, ["optimize", str(DATA / "sample_plan.xlsx"), "-o", str(tmp_path / "a.xlsx"), "--json"]
    )
    there = CliRunner().invoke(main, ["optimize", str(plan), "-o", str(tmp_path / "b.xlsx"), "--json"])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    a, b = json.loads(here.stdout), json.loads(there.stdout)
    assert [(x["id"], x["regret"], x["break_even_cost"]) for x in a["initiatives"]] == [
        (x["id"], x["regret"], x["break_even_cost"]) for x in b["initiatives"]
    ]
