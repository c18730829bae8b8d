"""What a new user met building a plan for the first time (issue 33): each rough edge as a test
that fails if it comes back."""

from __future__ import annotations

import pytest
from conftest import HEADERS, ROOT, SAMPLE, ini, write_plan

from portfolio_opt import InvalidWorkbook, read_plan
from portfolio_opt.model.figures import short_amount

ML_IDS = [f"ML-{k:02d}" for k in range(1, 26)]


def problems_of(path) -> list:
    """The problems a workbook is refused with (it must be refused)."""
    with pytest.raises(InvalidWorkbook) as info:
        read_plan(path)
    return list(info.value.problems)


@pytest.mark.parametrize(("typed", "meant"), [("ML-O3", "ML-03"), ("ML-3", "ML-03"), ("ml-o1", "ML-01")])
def test_depends_on_suggests_the_id_a_person_meant(tmp_path, typed, meant):
    rows = [ini(i, 1) for i in ML_IDS] + [ini("ML-26", 1, depends=typed)]
    (problem,) = problems_of(write_plan(tmp_path / "plan.xlsx", rows))
    assert problem.code == "unknown-dependency"
    assert f"(did you mean {meant}?)" in problem.message, problem.message


def test_depends_on_offers_nothing_when_the_closest_tie(tmp_path):
    rows = [ini("churn-a", 1), ini("churn-b", 1), ini("X", 1, depends="churn-c")]
    (problem,) = problems_of(write_plan(tmp_path / "plan.xlsx", rows))
    assert "did you mean" not in problem.message, problem.message


def test_a_scenario_id_gets_the_same_suggestion(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    wb = load_workbook(path)
    wb["Scenarios"]["F2"] = "INI-O07"
    wb.save(path)
    (problem,) = problems_of(path)
    assert problem.code == "unknown-id" and "(did you mean INI-007?)" in problem.message, problem.message


def _page_chart(book_path, section: str, title: str) -> str:
    """The SVG of one chart of the leadership page of a written workbook."""
    from portfolio_opt.render.sections import sections
    from portfolio_opt.workbook.outputs import read_output

    found = [s for s in sections(read_output(book_path)) if s.id == section]
    charts = [i.svg for s in found for i in s.items if i.kind == "chart" and i.title == title]
    assert len(charts) == 1, [(s.id, [(i.kind, i.title) for i in s.items]) for s in found]
    return charts[0]


def test_the_page_groups_themes_as_the_optimizer_does(tmp_path):
    pytest.importorskip("matplotlib")
    from portfolio_opt import optimize, save_results

    rows = [ini("A", 1, theme="Compliance"), ini("B", 1, theme="Compliance "), ini("C", 1, theme="growth")]
    rows.append(ini("D", 1, theme="Growth"))
    plan = read_plan(write_plan(tmp_path / "plan.xlsx", rows))
    assert sorted({i.theme for i in plan.initiatives}) == ["Compliance", "growth"]
    out = tmp_path / "result.xlsx"
    save_results(optimize(plan), out)
    svg = _page_chart(out, "buys", "By theme")
    assert svg.count('id="bar-0-') == 2, "one bar per theme, as in the Summary"


def test_realization_sums_owners_and_metrics_by_the_same_key():
    from portfolio_opt.core.lifecycle import Realization, rollup

    def r(owner):
        return Realization("X", "X", "T", owner, None, "Live", 10.0, 5.0, 0.5, "")

    sums = rollup([r("Ana Ruiz"), r("ana ruiz "), r("Bo"), r(None)], "owner")
    assert [(name, count) for name, count, *_ in sums] == [("(none)", 1), ("Ana Ruiz", 2), ("Bo", 1)]


def test_the_template_accepts_every_amount_the_reader_reads(tmp_path):
    from openpyxl import load_workbook

    from portfolio_opt import write_template

    path = tmp_path / "template.xlsx"
    write_template(path)
    ws = load_workbook(path)["Initiatives"]
    header = [c.value for c in ws[1]]
    for name in ("Cost", "Run cost (per year)", "Time to value (months)", "Probability"):
        cell = f"{ws.cell(row=1, column=header.index(name) + 1).column_letter}2"
        stopping = [
            v
            for v in ws.data_validations.dataValidation
            if cell in v.sqref and v.type is not None and v.showErrorMessage and v.errorStyle in (None, "stop")
        ]
        assert not stopping, f"{name}: an Excel rule refuses what the reader accepts ({stopping[0].error})"
    # and what the rule would have stopped is read
    typed_in = {"ID": "X-1", "Name": "Pilot", "Theme": "Core", "Impact (per year)": "$2M", "Cost": "450k"}
    typed_in |= {"Run cost (per year)": "$1.5M", "Probability": "70 %", "Time to value (months)": "6"}
    for name, typed in typed_in.items():
        ws.cell(row=2, column=header.index(name) + 1, value=typed)
    ws.parent.save(path)
    try:
        (x,) = read_plan(path).initiatives
    except InvalidWorkbook as exc:
        raise AssertionError(exc.problems) from None
    assert (x.cost, x.run_cost, x.probability) == (450_000, 1_500_000, 0.7)


def _bar_axes_minimum(path) -> list[float | None]:
    """The value axis minimum of every bar chart in a written workbook (None: left to the
    spreadsheet, which starts it where it likes)."""
    import re
    import zipfile

    found = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if n.startswith("xl/charts/chart")):
            xml = z.read(name).decode()
            if "<c:barChart>" not in xml and "<barChart>" not in xml:
                continue
            value_axis = re.search(r"<(?:c:)?valAx>.*?</(?:c:)?valAx>", xml, re.S).group(0)
            low = re.search(r'<(?:c:)?min val="([^"]+)"', value_axis)
            found.append(float(low.group(1)) if low else None)
    return found


@pytest.mark.parametrize(
    "args",
    [("compare", "plan_cto.xlsx", "plan_cfo.xlsx"), ("scenarios", "sample_plan.xlsx"), ("optimize", "sample_q2.xlsx")],
)
def test_every_bar_axis_starts_at_zero(tmp_path, args):
    from click.testing import CliRunner

    from portfolio_opt.cli import main

    out = tmp_path / "out.xlsx"
    command, *files = args
    extra = ["--explain-limit", "0"] if command == "optimize" else []
    r = CliRunner().invoke(main, [command, *(str(ROOT / "data" / f) for f in files), "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    lows = _bar_axes_minimum(out)
    assert lows and all(low == 0 for low in lows), lows


def _quarterly_with(tmp_path, header: str, cells: dict[int, object]):
    """The quarterly sample with a column ``header`` added, filled in the given rows."""
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    wb = load_workbook(ROOT / "data" / "sample_quarterly.xlsx")
    ws = wb["Initiatives"]
    col = ws.max_column + 1
    ws.cell(row=1, column=col, value=header)
    for row, value in cells.items():
        ws.cell(row=row, column=col, value=value)
    wb.save(path)
    return path, f"{ws.cell(row=1, column=col).column_letter}"


@pytest.mark.parametrize("header", ["Cost profile", "Data eng FTE profile"])
def test_a_list_cell_refusal_names_its_item_reason_and_fix(tmp_path, header):
    path, letter = _quarterly_with(tmp_path, header, {2: "5.044, 1.839, 0.0"})
    (problem,) = problems_of(path)
    assert problem.where == f"Initiatives!{letter}2"
    assert "'5.044'" in problem.message and "a point followed by three digits" in problem.message, problem.message
    assert problem.fix.startswith("Write 5.0440 if the point is a decimal point, or 5044"), problem.fix
    assert "5,044" not in problem.fix, "a comma would split the list"


def test_a_list_cell_names_its_negative_item(tmp_path):
    path, _ = _quarterly_with(tmp_path, "Cost profile", {2: "50%, -20%, 70%"})
    (problem,) = problems_of(path)
    assert "its item -0.2 is negative" in problem.message, problem.message


def _sample_with_header(tmp_path, old: str, new: str):
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    wb = load_workbook(SAMPLE)
    (cell,) = [c for c in wb["Initiatives"][1] if c.value == old]
    cell.value = new
    wb.save(path)
    return path, cell.coordinate


@pytest.mark.parametrize(
    ("old", "typo", "renamed"),
    [
        ("Time to value (months)", "Time to valeu (months)", "Time to value (months)"),
        ("Cost", "Cots", "Cost"),
        ("Data eng FTE", "Data eng FET (people)", "Data eng FTE (people)"),
    ],
)
def test_a_misspelled_header_gets_one_problem_with_its_suggestion(tmp_path, old, typo, renamed):
    path, cell = _sample_with_header(tmp_path, old, typo)
    (problem,) = problems_of(path)
    assert problem.where == f"Initiatives!{cell}", problem
    assert f"'{renamed}'" in problem.fix, problem.fix


def test_capacity_names_each_limit_as_the_summary_does(tmp_path):
    from openpyxl import load_workbook

    from portfolio_opt import optimize, save_results

    plan = read_plan(ROOT / "data" / "sample_quarterly.xlsx")
    result = optimize(plan)
    out = tmp_path / "q.xlsx"
    save_results(result, out)
    wb = load_workbook(out)
    capacity = [r[:2] for r in wb["Capacity"].iter_rows(min_row=2, values_only=True) if r[0]]
    timed = [(u.limit.name, u.limit.period_label) for u in result.limits if u.limit.period is not None]
    assert capacity == timed
    summary = {r[0] for r in wb["Summary"].iter_rows(values_only=True)}
    assert {name for name, _ in capacity} <= summary


def test_review_says_each_change_once_then_what_it_moved(tmp_path):
    from click.testing import CliRunner

    from portfolio_opt.cli import main

    q1 = tmp_path / "q1.xlsx"
    r = CliRunner().invoke(main, ["optimize", str(SAMPLE), "-o", str(q1), "--explain-limit", "0"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(
        main, ["review", str(q1), str(ROOT / "data" / "sample_q2.xlsx"), "-o", str(tmp_path / "r.xlsx")]
    )
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    status = "    INI-001: Status Proposed → In progress"
    assert lines.count(status) == 1, r.stdout
    # a list of causes is never repeated after each initiative it moved
    assert not any(line.count("INI-001: Status") > 1 or ("entered" in line and "Status" in line) for line in lines)
    # the changes that move the same initiatives on their own are followed by those moves, once
    block = lines[lines.index(status) :]
    arrow = next(k for k, line in enumerate(block) if line.startswith("        → "))
    assert block[arrow].startswith("        → entered INI-031 "), block[arrow]
    assert sum(line.startswith("        → ") and "entered INI-031" in line for line in lines) == 2
    assert "    settings and limits" in lines and "    its Status" in lines


def test_without_the_report_extra_the_message_names_this_pythons_pip(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['jinja2'] = None\n"
        "import portfolio_opt as po\n"
        f"try:\n    po.write_report({str(SAMPLE)!r}, {str(tmp_path / 'p.html')!r})\n"
        "except po.Unavailable as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert f'{sys.executable} -m pip install "portfolio-opt[report]"' in out, out


def test_warnings_come_with_the_problems(tmp_path):
    import json

    from click.testing import CliRunner

    from portfolio_opt.cli import main

    rows = [ini("A", 1, theme="Compliance"), ini("B", 1, theme="compliance "), ini("C", 1, probability=7)]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 3
    assert "Initiatives!E4" in r.stderr, r.stderr
    assert "Warning: Initiatives!C3 Theme 'compliance' is read as 'Compliance'" in r.stderr, r.stderr
    r = CliRunner().invoke(main, ["validate", str(path), "--json"])
    data = json.loads(r.stdout)
    assert data["status"] == "invalid" and any("is read as 'Compliance'" in w for w in data["warnings"]), data


def test_each_left_out_initiative_names_the_limit_that_keeps_it_out(explained_sample):
    from portfolio_opt.core.rules.limits import contribution

    plan = read_plan(SAMPLE)
    result = explained_sample
    uses = {u.limit.name: u for u in result.limits}
    worth = {
        name: u.value_ten_percent / (0.1 * u.limit.max)
        for name, u in uses.items()
        if u.value_ten_percent and u.limit.max
    }
    index = {ini.id: k for k, ini in enumerate(plan.initiatives)}
    several = [r for r in result.initiatives if r.why and r.why.code.value == "limits" and len(r.why.items) > 1]
    assert len(several) >= 10
    for r in several:
        taken = {n: abs(contribution(plan, uses[n].limit, index[r.id], 0)) * worth.get(n, 0.0) for n in r.why.items}
        assert r.why.main == max(taken, key=taken.get), (r.id, taken)
        assert r.reason.startswith(f"{r.why.main} (also "), r.reason
        assert f"in at a score above {short_amount(r.break_even_score)}" in r.reason
    assert len({r.reason for r in several}) == len(several), "no two left-out initiatives read the same"
    budget = uses["budget"]
    assert budget.step == 100_000 and budget.value_one_more > 0


@pytest.fixture(scope="module")
def explained_sample():
    """The sample optimized and explained, once for the tests that only read it."""
    from portfolio_opt import explain, optimize

    return explain(optimize(read_plan(SAMPLE)), workers=1)


def test_the_budgets_value_of_one_more_step_says_per_how_much(tmp_path, explained_sample):
    from openpyxl import load_workbook

    from portfolio_opt import save_results

    out = tmp_path / "r.xlsx"
    save_results(explained_sample, out)
    ws = load_workbook(out)["Summary"]
    header = next(row for row in ws.iter_rows() if row[0].value == "Limit")
    column = [c.value for c in header].index("Value of 1 more unit")
    budget = next(row for row in ws.iter_rows(min_row=header[0].row) if row[0].value == "budget")
    assert budget[column].value > 0
    assert '" per 100,000"' in budget[column].number_format, budget[column].number_format


def _buys(tmp_path, rows, headers):
    from portfolio_opt import optimize, save_results
    from portfolio_opt.render.sections import sections
    from portfolio_opt.workbook.outputs import read_output

    out = tmp_path / "r.xlsx"
    save_results(optimize(read_plan(write_plan(tmp_path / "plan.xlsx", rows, headers=headers))), out)
    (buys,) = [s for s in sections(read_output(out)) if s.id == "buys"]
    return {i.title: i for i in buys.items}


def test_one_initiative_per_outcome_metric_is_a_table_not_a_chart(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [ini(f"I{k:02d}", 1, impact=1000 * (k + 1), theme="Core") + (f"Metric {k}",) for k in range(25)]
    items = _buys(tmp_path, rows, HEADERS + ("Outcome metric",))
    table = items["By outcome metric: each has one initiative (25)"]
    assert table.kind == "details" and len(table.rows) == 25
    assert table.rows[0][:2] == ["Metric 24", "I24"], "largest expected value first"
    assert items["By theme"].kind == "chart"


def test_a_chart_by_group_shows_the_top_groups_and_other(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [ini(f"I{k:02d}", 1, impact=1000 * (k + 1), theme=f"T{k // 2:02d}") for k in range(40)]
    chart = _buys(tmp_path, rows, HEADERS)["By theme"]
    assert chart.svg.count('id="bar-0-') == 12
    assert "other (9 themes)" in chart.svg and ">T19<" in chart.svg and ">T00<" not in chart.svg


def test_terminal_output_uses_the_currency_and_names_initiatives(tmp_path):
    from click.testing import CliRunner

    from portfolio_opt.cli import main

    rows = [ini("A", 2, impact=3000), ini("B", 2, impact=2000, name="Billing revamp"), ini("C", 1, impact=100)]
    path = write_plan(tmp_path / "plan.xlsx", rows, settings=[("Budget", 3), ("Currency", "€")])
    r = CliRunner().invoke(main, ["optimize", str(path), "-o", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0, r.output
    assert "Cost            €3 of budget €3 (100.0%)" in r.stdout, r.stdout
    r = CliRunner().invoke(
        main,
        [
            "compare",
            str(ROOT / "data" / "plan_cto.xlsx"),
            str(ROOT / "data" / "plan_cfo.xlsx"),
            "-o",
            str(tmp_path / "c.xlsx"),
        ],
    )
    assert r.exit_code == 0, r.output
    names = {i.id: i.name for i in read_plan(ROOT / "data" / "plan_cto.xlsx").initiatives}
    adds = next(line for line in r.stdout.splitlines() if "(adds " in line)
    first = adds.split("(adds ")[1].split(",")[0].split(";")[0]
    assert first.split(" ", 1)[1] == names[first.split(" ", 1)[0]], adds


def test_ranges_say_they_score_their_mean(tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from portfolio_opt.cli import main

    headers = HEADERS + ("Impact low", "Impact high")
    rows = [ini("A", 1, impact=1000) + (400, 2200), ini("B", 1, impact=900) + (None, None)]
    path = write_plan(tmp_path / "plan.xlsx", rows, headers=headers, settings=[("Budget", 2)])
    out = tmp_path / "r.xlsx"
    r = CliRunner().invoke(main, ["optimize", str(path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    said = "1 initiative gives a range"
    assert said in r.stdout and "A: Impact 1,000 most likely, 1,200 on average" in r.stdout, r.stdout
    notes = [c.value for row in load_workbook(out)["Summary"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(said in n and "scores the mean of its range" in n for n in notes)


def test_the_scenario_sheets_keep_descriptions_and_read_budget_used_as_a_share(tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from portfolio_opt.cli import main

    path = tmp_path / "plan.xlsx"
    wb = load_workbook(SAMPLE)
    ws = wb["Scenarios"]
    column = [c.value for c in ws[1]].index("Description") + 1
    ws.cell(row=2, column=column, value="Finance's worst case for next year")
    wb.save(path)
    out = tmp_path / "s.xlsx"
    r = CliRunner().invoke(main, ["scenarios", str(path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "    Finance's worst case for next year" in r.stdout.splitlines()
    summary = load_workbook(out)["Scenario summary"]
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2)}
    assert rows["Description"][2].value == "Finance's worst case for next year"
    used = rows["Budget used"]
    assert all(c.value is None or 0 < c.value <= 1 for c in used[1:]) and "%" in used[1].number_format
    chart = summary._charts[0]
    title = "".join(run.t for p in chart.y_axis.title.tx.rich.p for run in p.r or [])
    assert title == "Amount"


def test_the_frontier_chart_reads_apart_and_says_why_it_stops(tmp_path):
    import re
    import zipfile

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from portfolio_opt.cli import main

    out = tmp_path / "f.xlsx"
    r = CliRunner().invoke(main, ["frontier", str(SAMPLE), "--steps", "6", "-o", str(out)])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        xml = z.read(next(n for n in z.namelist() if n.startswith("xl/charts/chart"))).decode()
    names = re.findall(r"<(?:c:)?tx><(?:c:)?v>([^<]+)</(?:c:)?v></(?:c:)?tx>", xml)
    assert names == ["Best expected value", "Most any portfolio could reach", "Current budget"], names
    assert "LP bound" not in xml
    series = re.findall(r"<(?:c:)?ser>.*?</(?:c:)?ser>", xml, re.S)
    colours = [re.search(r'<a:ln[^>]*><a:solidFill><a:srgbClr val="(\w+)"', s).group(1) for s in series[:2]]
    assert len(set(colours)) == 2, colours
    current = series[2]
    filled = r'<(?:c:)?marker>.*<a:solidFill[^>]*><a:srgbClr val="C0392B"'
    assert re.search(filled, current, re.S), "the current budget's point has a fill of its own"
    assert re.search(r'<(?:c:)?legendPos val="b"', xml)
    notes = [c.value for row in load_workbook(out)["Frontier"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(n.startswith("The curve stops at a budget of") and "Data eng FTE" in n for n in notes), notes


def test_a_printed_ranking_row_is_tall_only_for_what_its_pages_need(tmp_path, explained_sample):
    from openpyxl import load_workbook

    from portfolio_opt import save_results
    from portfolio_opt.workbook.style import CHARS_PER_UNIT, LANDSCAPE_UNITS

    out = tmp_path / "r.xlsx"
    save_results(explained_sample, out)
    ws = load_workbook(out)["Ranking"]
    header = [c.value for c in ws[1]]
    widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
    first_page = next(k for k in range(len(widths)) if sum(widths[: k + 1]) > LANDSCAPE_UNITS)
    cap = LANDSCAPE_UNITS - sum(widths[:2]) - 1
    for row in ws.iter_rows(min_row=2, max_row=41):
        if ws.row_dimensions[row[0].row].height is None:
            continue
        # a tall row holds a text too long for its column on the first page, or for a page of its own
        long_here = any(
            isinstance(c.value, str) and len(c.value) > widths[k] * CHARS_PER_UNIT
            for k, c in enumerate(row[:first_page])
        )
        long_later = any(isinstance(c.value, str) and len(c.value) > cap * CHARS_PER_UNIT for c in row[first_page:])
        assert long_here or long_later, [(h, c.value) for h, c in zip(header, row) if isinstance(c.value, str)]


def test_the_blank_template_prints_readably_with_required_columns_marked_and_an_example(tmp_path):
    from openpyxl import load_workbook

    from portfolio_opt import write_template
    from portfolio_opt.workbook.validate.initiatives import REQUIRED_LABELS

    path = tmp_path / "blank.xlsx"
    write_template(path)
    wb = load_workbook(path)
    guide = wb["Instructions"]
    merged = {str(m).split(":")[0] for m in guide.merged_cells.ranges}
    long_lines = [c for c in guide["A"] if isinstance(c.value, str) and len(c.value) > 40 and c.row < 40]
    assert long_lines and all(c.coordinate in merged for c in long_lines), "a guide line spans the page"
    table = next(r for r in guide.iter_rows() if r[0].value == "Initiatives column")
    assert [c.value for c in table[:3]] == ["Initiatives column", "What to enter", "Example"]
    examples = {r[0].value: r[2].value for r in guide.iter_rows(min_row=table[0].row + 1) if r[0].value}
    assert examples["Cost"] == "850k" and examples["ID"] == "INI-001"
    ws = wb["Initiatives"]
    dark = {c.value for c in ws[1] if c.fill.fgColor.rgb and c.fill.fgColor.rgb.endswith("1F4E78")}
    required = {c.value for c in ws[1] if c.value.split(" (")[0] in REQUIRED_LABELS.values()}
    assert dark == required and {"ID", "Name", "Cost"} <= dark


def test_the_review_workbook_says_each_change_once_with_its_moves(tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from portfolio_opt.cli import main

    q1, out = tmp_path / "q1.xlsx", tmp_path / "review.xlsx"
    assert CliRunner().invoke(main, ["optimize", str(SAMPLE), "-o", str(q1), "--explain-limit", "0"]).exit_code == 0
    r = CliRunner().invoke(main, ["review", str(q1), str(ROOT / "data" / "sample_q2.xlsx"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(out)["Quarter review"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    top = next(k for k, row in enumerate(cells) if row[:2] == ["Change", "Moves it makes on its own"])
    table = {row[0]: row[1] for row in cells[top + 1 :] if row[0]}
    assert table["INI-001: Status Proposed → In progress"].startswith("entered INI-031 ")
    assert table["settings and limits"].count("left ") == 2
