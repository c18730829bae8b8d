"""The CLI end to end on the shipped sample, as a user runs it (real files; in this process, as
``run_cli`` runs it, and in real processes where the process is the point, with a check that the
two say the same)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SAMPLE, ini, run_cli, run_process, write_plan
from openpyxl import load_workbook

from portfolio_opt import optimize, read_plan
from portfolio_opt.model.errors import EXIT_CODES


def test_optimize_sample_prints_a_summary(tmp_path):
    out = tmp_path / "result.xlsx"
    proc = run_cli("optimize", SAMPLE, "-o", out)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Status          optimal")
    assert any(line.startswith("Expected value") for line in lines)
    assert any(line.startswith("Cost") and "of budget 10,000,000" in line for line in lines)
    assert any(line.startswith("Selected") and "of 40 initiatives" in line for line in lines)
    assert lines[-1] == f"Written         {out}"
    assert "HiGHS" not in proc.stdout
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["Summary", "Ranking"]
    assert "Run info" in wb.sheetnames and "Initiatives" in wb.sheetnames


def test_optimize_json_is_the_only_thing_on_stdout(tmp_path):
    # a real process: a fresh interpreter's solver, with nothing of this one's set up
    proc = run_process("optimize", SAMPLE, "-o", tmp_path / "r.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # fails if the HiGHS banner or anything else got in
    assert data["status"] == "optimal"
    for key in ("objective", "total_cost", "selected", "initiatives", "constraints", "solver"):
        assert key in data
    assert set(data["solver"]) >= {"name", "seconds", "gap"}
    first = data["initiatives"][0]
    assert set(first) >= {"id", "score", "cost", "selected", "rank", "reason"}
    assert [i["rank"] for i in data["initiatives"]] == list(range(1, 41))
    assert data["selected"] == [i["id"] for i in data["initiatives"] if i["selected"]]
    assert data["total_cost"] <= 10_000_000
    budget = [c for c in data["constraints"] if c["name"] == "budget"][0]
    assert budget["column"] == "Cost" and budget["scope"] == "All" and budget["max"] == 10_000_000
    assert budget["used"] == pytest.approx(data["total_cost"])
    # the same as the library says
    result = optimize(read_plan(SAMPLE))
    assert data["selected"] == list(result.selected)
    assert data["objective"] == pytest.approx(result.objective)


def _timeless(text: str) -> str:
    """``text`` with its durations (``0.4 s``, ``"seconds": 0.41``) as ``T``: they differ run to run."""
    text = re.sub(r"\d+(\.\d+)? ?s\b", "T", text)
    return re.sub(r'"(seconds|solve_seconds)": [0-9.e-]+', r'"\1": T', text)


#: commands run both ways, with the exit code each ends with ({out} is a file in the test's folder,
#: the working directory of the run, where small.xlsx and bad.xlsx are): a default case of each
#: kind of ending, the rest with --slow
BOTH_WAYS = [
    pytest.param(("optimize", "small.xlsx", "-o", "{out}", "--budget", "4"), 0, id="solve-relative-path"),
    pytest.param(("validate", "bad.xlsx", "--json"), 3, id="invalid-json"),
    pytest.param(("--help",), 0, id="help", marks=pytest.mark.slow),
    pytest.param(("--version",), 0, id="version", marks=pytest.mark.slow),
    pytest.param(("optimize", "--help"), 0, id="command-help", marks=pytest.mark.slow),
    pytest.param(("nonsense",), 2, id="no-such-command", marks=pytest.mark.slow),
    pytest.param(("validate", SAMPLE), 0, id="valid", marks=pytest.mark.slow),
    pytest.param(("validate", "bad.xlsx"), 3, id="invalid", marks=pytest.mark.slow),
    pytest.param(("explain", SAMPLE, "INI-999"), 2, id="library-error", marks=pytest.mark.slow),
    pytest.param(("template", SAMPLE), 2, id="usage-error", marks=pytest.mark.slow),
    pytest.param(("optimize", "small.xlsx", "-o", "{out}", "--json"), 0, id="solve-json", marks=pytest.mark.slow),
    pytest.param(("optimize", "small.xlsx", "--budget", "-1"), 2, id="bad-option", marks=pytest.mark.slow),
]


def _timeless(text: str) -> str:
    """``text`` with its durations (``0.4 s``, ``"seconds": 0.41``) as ``T``: they differ run to run."""
    text = re.sub(r"\d+(\.\d+)? ?s\b", "T", text)
    return re.sub(r'"(seconds|solve_seconds)": [0-9.e-]+', r'"\1": T', text)


@pytest.mark.parametrize("case, code", BOTH_WAYS)
def test_the_command_line_in_this_process_says_what_a_real_process_says(tmp_path, case, code):
    """``run_cli`` (in this process) and ``run_process`` (a real one) give the same exit code,
    stdout and stderr, and write the same workbook."""
    write_plan(tmp_path / "bad.xlsx", [ini("A", -5), ini("A", 3, probability=2)])
    write_plan(tmp_path / "small.xlsx", [ini("A", 3), ini("B", 4), ini("C", 5)], settings=[["Budget", 8]])
    said, written = [], []
    for how, run in (("in", run_cli), ("out", run_process)):
        out = tmp_path / f"{how}.xlsx"
        proc = run(*(str(a).format(out=out) for a in case), cwd=tmp_path)
        said.append((proc.returncode, _timeless(proc.stdout.replace(str(out), "OUT")), _timeless(proc.stderr)))
        written.append(list(load_workbook(out)["Ranking"].values) if out.exists() else None)
    assert said[0] == said[1]
    assert said[0][0] == code, said[0][2]
    assert (written[0] is not None) == ("{out}" in case)  # a solve wrote its workbook both ways
    assert written[0] == written[1]


def test_sample_exercises_every_rule():
    result = optimize(read_plan(SAMPLE))
    reasons = {r.id: r.reason for r in result.initiatives}
    assert reasons["INI-011"] == "Must"
    assert reasons["INI-016"] == "Excluded"
    assert "exclusive with" in reasons["INI-007"] or "exclusive with" in reasons["INI-008"]
    assert any("needed by" in r for r in reasons.values())
    risk = [u for u in result.limits if u.limit.scope == ("Theme", "Risk")][0]
    assert risk.used >= risk.limit.min
    assert result.total_cost <= 10_000_000


@pytest.mark.slow
def test_budget_cut_lowers_value_and_respects_budget(tmp_path):
    base = run_cli("optimize", SAMPLE, "-o", tmp_path / "a.xlsx", "--json")
    cut = run_cli("optimize", SAMPLE, "-o", tmp_path / "b.xlsx", "--json", "--budget", "8500000")
    a, b = json.loads(base.stdout), json.loads(cut.stdout)
    assert b["total_cost"] <= 8_500_000
    assert b["objective"] < a["objective"]


@pytest.mark.slow
def test_cbc_gives_the_same_value(tmp_path):
    highs = json.loads(run_cli("optimize", SAMPLE, "-o", tmp_path / "a.xlsx", "--json", "--gap", "0").stdout)
    cbc = json.loads(
        run_cli("optimize", SAMPLE, "-o", tmp_path / "b.xlsx", "--json", "--gap", "0", "--solver", "cbc").stdout
    )
    assert cbc["solver"]["name"] == "cbc"
    assert cbc["objective"] == pytest.approx(highs["objective"], rel=1e-9)


def test_template_and_validate(tmp_path):
    blank = tmp_path / "blank.xlsx"
    proc = run_cli("template", blank)
    assert proc.returncode == 0 and "Wrote blank planning workbook" in proc.stdout
    wb = load_workbook(blank)
    assert wb.sheetnames == ["Instructions", "Initiatives", "Constraints", "Settings", "Criteria"]
    ws = wb["Initiatives"]
    assert ws.freeze_panes == "A2"
    assert any("Must,Exclude" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    proc = run_cli("validate", blank)
    assert proc.returncode == 3 and "no initiatives" in proc.stderr

    example = tmp_path / "example.xlsx"
    assert run_cli("template", example, "--example").returncode == 0
    proc = run_cli("validate", example)
    assert proc.returncode == 0, proc.stderr
    assert "40 initiatives" in proc.stdout
    assert run_cli("template", example).returncode == 2  # exists, no --force


def test_help_lists_exit_codes_and_examples():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for code in EXIT_CODES:
        assert f"{code} " in proc.stdout
    readme = (SAMPLE.parent.parent / "README.md").read_text()
    commands = ("template", "validate", "optimize", "explain", "scenarios", "frontier", "compare")
    for command in commands:
        assert command in proc.stdout
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "Example:" in sub.stdout
        assert f"portfolio-opt {command} " in readme, f"{command} is documented in the README"


@pytest.mark.parametrize("solver", ["highs", pytest.param("cbc", marks=pytest.mark.slow)])
def test_time_limit_reports_feasible_with_gap(tmp_path, solver):
    from test_orlib import MKNAPCB1, workbook

    n, m, best, profits, weights, caps = MKNAPCB1[3]
    path = workbook(tmp_path / "p.xlsx", n, m, profits, weights, caps)
    proc = run_cli(
        "optimize", path, "-o", tmp_path / "r.xlsx", "--gap", "0", "--time-limit", "1", "--solver", solver, "--json"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "feasible"
    assert data["solver"]["gap"] is not None and data["solver"]["gap"] > 0
    assert data["objective"] <= best
    assert "time limit" in proc.stderr
