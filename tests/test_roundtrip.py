"""Template, filled in, optimized, and the results optimized again: same portfolio, no column lost."""

from __future__ import annotations

from conftest import SAMPLE, run_cli
from openpyxl import load_workbook

from portfolio_opt import optimize, read_plan, save_results, write_template
from portfolio_opt.model.plan import normalize_header


def fill_template(path):
    """What a PMO does: open the blank template, type rows, add a column of their own, save."""
    wb = load_workbook(path)
    ws = wb["Initiatives"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=1, column=len(headers) + 1, value="Data eng FTE")
    ws.cell(row=1, column=len(headers) + 2, value="Sponsor note")
    rows = [
        {
            "ID": "P-1",
            "Name": "Churn model",
            "Theme": "Retention",
            "Impact (per year)": 900_000,
            "Probability": 0.7,
            "Time to value (months)": 6,
            "Cost": 300_000,
            "Data eng FTE": 2,
            "Sponsor note": '=HYPERLINK("http://x")',
        },
        {
            "ID": "P-2",
            "Name": "Feature store",
            "Theme": "Platform",
            "Impact (per year)": 400_000,
            "Probability": 0.9,
            "Time to value (months)": 3,
            "Cost": 500_000,
            "Data eng FTE": 3,
            "Sponsor note": "-needs CFO sign-off",
        },
        {
            "ID": "P-3",
            "Name": "Pricing",
            "Theme": "Revenue",
            "Impact (per year)": 1_500_000,
            "Probability": 0.4,
            "Time to value (months)": 9,
            "Cost": 600_000,
            "Data eng FTE": 2,
            "Depends on": "P-2",
            "Sponsor note": "@CTO",
        },
        {
            "ID": "P-4",
            "Name": "Drift monitoring",
            "Theme": "Risk",
            "Impact (per year)": 200_000,
            "Probability": 0.8,
            "Time to value (months)": 2,
            "Cost": 100_000,
            "Data eng FTE": 1,
            "Decision": "Must",
        },
    ]
    all_headers = headers + ["Data eng FTE", "Sponsor note"]
    for r, row in enumerate(rows, start=2):
        for c, h in enumerate(all_headers, start=1):
            if h in row:
                cell = ws.cell(row=r, column=c)
                cell.value = row[h]
                if isinstance(row[h], str) and row[h][:1] in "=-@":
                    cell.data_type = "s"
    wc = wb["Constraints"]
    wc.append(["Data eng FTE", "All", None, 6])
    wb["Settings"]["B2"] = 1_200_000
    wb.save(path)


def test_template_filled_optimized_and_again(tmp_path):
    plan_path = tmp_path / "plan.xlsx"
    write_template(plan_path)
    fill_template(plan_path)
    first = optimize(read_plan(plan_path))
    save_results(first, tmp_path / "result.xlsx")

    again = read_plan(tmp_path / "result.xlsx")
    second = optimize(again)
    assert second.selected == first.selected
    assert second.objective == first.objective
    assert "P-4" in first.selected

    # every input column and cell survives, text that looks like a formula stays text
    src = load_workbook(plan_path)["Initiatives"]
    out = load_workbook(tmp_path / "result.xlsx")["Initiatives"]
    assert [c.value for c in src[1]] == [c.value for c in out[1]]
    for r in range(2, 6):
        assert [c.value for c in src[r]] == [c.value for c in out[r]]
    note = out.cell(row=2, column=[c.value for c in out[1]].index("Sponsor note") + 1)
    assert note.data_type == "s" and note.value.startswith("=HYPERLINK")


def test_budget_override_is_kept_in_the_results(tmp_path):
    plan_path = tmp_path / "plan.xlsx"
    plan_path.write_bytes(SAMPLE.read_bytes())
    # (no explanations: the budget's round trip is the point, and they are most of the run)
    proc = run_cli("optimize", plan_path, "-o", tmp_path / "r.xlsx", "--budget", "6000000", "--explain-limit", "0")
    assert proc.returncode == 0, proc.stderr
    settings = load_workbook(tmp_path / "r.xlsx")["Settings"]
    values = {normalize_header(row[0]): row[1] for row in settings.iter_rows(min_row=2, values_only=True)}
    assert values["budget"] == 6_000_000
    first = optimize(read_plan(plan_path), budget=6_000_000)
    second = optimize(read_plan(tmp_path / "r.xlsx"))
    assert second.selected == first.selected
    assert second.total_cost <= 6_000_000


def test_sample_results_reoptimize_to_the_same_portfolio(tmp_path):
    first = optimize(read_plan(SAMPLE))
    save_results(first, tmp_path / "r1.xlsx")
    second = optimize(read_plan(tmp_path / "r1.xlsx"))
    assert second.selected == first.selected
    save_results(second, tmp_path / "r2.xlsx")
    wb = load_workbook(tmp_path / "r2.xlsx")
    assert wb.sheetnames.count("Ranking") == 1
    assert set(load_workbook(SAMPLE).sheetnames) <= set(wb.sheetnames)
