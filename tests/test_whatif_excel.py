"""Live what-if in the results workbook: a person flips In plan (and Your start) on the Ranking,
LibreOffice computes the Summary's "Your edits" tables from our formulas, and every figure is
the library's own evaluation of the same selection (portfolio_value, limit_uses, the rules'
checks); sorting the Ranking in LibreOffice moves nothing out of step; compare reads the edited
workbook as a hand-made plan."""

from __future__ import annotations

import html
import math
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, convert
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from portfolio_opt import (
    InvalidWorkbook,
    compare,
    optimize,
    read_plan,
    read_plans,
    review_quarters,
    save_results,
    save_review,
)
from portfolio_opt.core.lifecycle import out_cost_total
from portfolio_opt.core.rules import Chosen, LimitRule, limit_rules, limit_uses, plan_rules
from portfolio_opt.core.rules.confidence import BudgetConfidence
from portfolio_opt.core.schedule import window
from portfolio_opt.core.value import portfolio_value, scores_at
from portfolio_opt.model.layout import RANKING, SUMMARY, WHATIF, total_label
from portfolio_opt.model.plan import Decision

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
SINGLE = ROOT / "data" / "sample_plan.xlsx"
QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


# --------------------------------------------------------------------------- helpers


def _write(tmp_path: Path, sample: Path):
    """The sample optimized and its results workbook written."""
    result = optimize(read_plan(sample))
    path = tmp_path / f"{sample.stem}-results.xlsx"
    save_results(result, path)
    return result, path


def _edit(path: Path, out: Path, in_plan: dict[str, bool], starts: dict[str, str] | None = None) -> None:
    """``path`` with In plan (and Your start) changed as a person would, saved by openpyxl (so no
    formula in ``out`` has a value until a spreadsheet computes it)."""
    wb = load_workbook(path)
    ws = wb["Ranking"]
    header = [c.value for c in ws[1]]
    col = {h: k + 1 for k, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        ini = ws.cell(r, col[RANKING.id]).value
        if ini in in_plan:
            ws.cell(r, col[RANKING.in_plan]).value = "Yes" if in_plan[ini] else "No"
        if starts and ini in starts:
            ws.cell(r, col[RANKING.your_start]).value = starts[ini]
    wb.save(out)


def _selection(path: Path) -> tuple[dict[str, bool], dict[str, str]]:
    """In plan and Your start of every initiative, as the Ranking of ``path`` holds them."""
    ws = load_workbook(path)["Ranking"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    return (
        {r[RANKING.id]: r[RANKING.in_plan] == "Yes" for r in rows},
        {r[RANKING.id]: r.get(RANKING.your_start) for r in rows},
    )


def _library(plan, in_plan: dict[str, bool], starts: dict[str, str]) -> dict:
    """The library's own evaluation of a selection: value, objective, cost, each limit's use and
    breach, and which rules (not limits) it breaks."""
    labels = plan.settings.period_labels() if plan.settings.periods else []
    mask = [in_plan[ini.id] for ini in plan.initiatives]
    at = {i: (labels.index(starts[ini.id]) if labels else 0) for i, ini in enumerate(plan.initiatives) if mask[i]}
    chosen = Chosen.of(mask, at)
    scores = scores_at(plan, chosen.starts)[0]
    rules = plan_rules(plan)
    broken_rules = [r for r in rules if not isinstance(r, (LimitRule, BudgetConfidence)) and r.check(plan, chosen)]
    return {
        "value": math.fsum(s for s, m in zip(scores, mask) if m),
        "objective": portfolio_value(plan, chosen),
        "cost": math.fsum(ini.cost for ini, m in zip(plan.initiatives, mask) if m) + out_cost_total(plan, mask),
        "uses": {u.limit.name: u.used for u in limit_uses(plan, chosen)},
        "over": {r.limit.name: bool(r.check(plan, chosen)) for r in limit_rules(plan)},
        "rules": broken_rules,
    }


def _computed(path: Path, sheet: str = "Summary") -> dict:
    """The "Your edits" tables of ``path`` (on ``sheet``) as a spreadsheet computed them (cached values)."""
    ws = load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    heads = {row[0]: k for k, row in enumerate(rows) if row and row[0] in (WHATIF.title, WHATIF.limit, WHATIF.rule)}

    def table(title: str) -> list[tuple]:
        out = []
        for row in rows[heads[title] + 1 :]:
            if row[0] is None:
                break
            out.append(row)
        return out

    measures = {row[0]: row[2] for row in table(WHATIF.title)}
    limits = {row[0]: (row[4], row[6]) for row in table(WHATIF.limit)}
    rules = {row[0]: row[1] for row in table(WHATIF.rule)}
    return {"measures": measures, "limits": limits, "rules": rules}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _assert_agrees(plan, computed: dict, library: dict) -> None:
    """Every figure the spreadsheet computed is the library's."""
    m = computed["measures"]
    assert _close(m[total_label(plan.settings.scoring)], library["value"])
    assert _close(m[SUMMARY.objective_value], library["objective"])
    assert _close(m[SUMMARY.total_cost], library["cost"])
    if plan.settings.budget is not None:
        assert _close(m[SUMMARY.budget_left], plan.settings.budget - library["cost"])
    assert set(computed["limits"]) == set(library["uses"])
    for name, (used, broken) in computed["limits"].items():
        assert _close(used, library["uses"][name]), name
        assert broken == ("Yes" if library["over"][name] else "No"), name
    assert m[WHATIF.limits_broken] == sum(library["over"].values())
    assert m[WHATIF.rules_broken] == len(library["rules"])
    assert sum(v == "Yes" for v in computed["rules"].values()) == len(library["rules"])


def _cases(plan, result) -> dict[str, tuple[dict[str, bool], dict[str, str]]]:
    """Edits that break each kind of rule, one kind per case, and none at all."""
    selected = {r.id for r in result.initiatives if r.selected}
    starts = {r.id: r.start for r in result.initiatives if r.selected}
    ids = [ini.id for ini in plan.initiatives]
    group = [ini.id for ini in plan.initiatives if ini.exclusive_group == "Pricing engine"]
    must = next(ini.id for ini in plan.initiatives if ini.decision is Decision.MUST)
    dependent, prerequisite = next(
        (ini.id, dep) for ini in plan.initiatives for dep in ini.depends_on if ini.id in selected and dep in selected
    )
    cases = {
        "none": ({}, {}),
        "exclusive": ({g: True for g in group}, {}),
        "dependency": ({prerequisite: False}, {}),
        "must": ({must: False}, {}),
        "limit": ({i: True for i in ids if i not in selected}, {}),
    }
    if plan.settings.periods:
        first = plan.settings.period_labels()[0]
        cases["too early"] = ({}, {dependent: starts[prerequisite]})  # with its prerequisite, before it is done
        cases["crowded"] = ({}, dict.fromkeys(selected, first))  # every start in the first period
    return cases


def _libreoffice_figures(tmp_path: Path, sample: Path) -> None:
    """Each case's edited workbook computed by LibreOffice agrees with the library."""
    result, path = _write(tmp_path, sample)
    plan = result.plan
    cases = _cases(plan, result)
    edited = []
    for name, (flips, moves) in cases.items():
        out = tmp_path / "edited" / f"{name.replace(' ', '-')}.xlsx"
        out.parent.mkdir(exist_ok=True)
        _edit(path, out, flips, moves)
        edited.append((name, out))
    done = convert([p for _, p in edited], "xlsx", tmp_path / "computed")
    kinds_broken = set()
    for (name, out), computed_path in zip(edited, done):
        in_plan, starts = _selection(out)
        library = _library(plan, in_plan, starts)
        computed = _computed(computed_path)
        _assert_agrees(plan, computed, library)
        kinds_broken |= {type(r).__name__ for r in library["rules"]}
        if any(library["over"].values()):
            kinds_broken.add("limit")
        if name == "none":
            m = computed["measures"]
            assert _close(m[SUMMARY.total_cost], result.total_cost)
            assert _close(m[total_label(plan.settings.scoring)], result.total_value)
            assert _close(m[WHATIF.share], 1.0)
            assert {u.limit.name: u.used for u in result.limits} == pytest.approx(
                {k: v[0] for k, v in computed["limits"].items()}
            )
            assert not library["rules"] and not any(library["over"].values())
    # the cases did break every kind (else the agreement above proves less than it says)
    assert {"ExclusiveGroup", "Dependency", "Must", "limit"} <= kinds_broken
    if plan.settings.periods:  # and a start before the prerequisite is done, and a quarter's limit
        early = _library(plan, *_selection(tmp_path / "edited" / "too-early.xlsx"))
        assert [type(r).__name__ for r in early["rules"]] == ["Dependency"]
        crowded = _library(plan, *_selection(tmp_path / "edited" / "crowded.xlsx"))
        assert any(crowded["over"][lim.name] for lim in plan.all_limits() if lim.period is not None)


# --------------------------------------------------------------------------- LibreOffice computes


@needs_soffice
@pytest.mark.slow
def test_libreoffice_computes_your_edits_as_the_library_does_single_period(tmp_path):
    _libreoffice_figures(tmp_path, SINGLE)


@needs_soffice
@pytest.mark.slow
def test_libreoffice_computes_your_edits_as_the_library_does_multi_period(tmp_path):
    _libreoffice_figures(tmp_path, QUARTERLY)


# --------------------------------------------------------------------------- sorting in LibreOffice

#: A LibreOffice Basic macro: open a workbook, sort the Ranking's rows by ID, descending (the
#: sheet unprotected for it, as a person does, and protected again), save it as .xlsx
SORT_MACRO = """Sub SortRanking(inPath As String, outPath As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden"
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(inPath), "_blank", 0, args())
  sheet = doc.Sheets.getByName("Ranking")
  sheet.unprotect("")
  cursor = sheet.createCursor()
  cursor.gotoEndOfUsedArea(False)
  rng = sheet.getCellRangeByPosition(0, 1, cursor.RangeAddress.EndColumn, cursor.RangeAddress.EndRow)
  Dim fields(0) As New com.sun.star.table.TableSortField
  fields(0).Field = 1
  fields(0).IsAscending = False
  Dim desc(0) As New com.sun.star.beans.PropertyValue
  desc(0).Name = "SortFields"
  desc(0).Value = fields()
  rng.sort(desc())
  sheet.protect("")
  Dim save(0) As New com.sun.star.beans.PropertyValue
  save(0).Name = "FilterName"
  save(0).Value = "Calc MS Excel 2007 XML"
  doc.storeToURL(ConvertToURL(outPath), save())
  doc.close(True)
End Sub
"""


def _sort_in_libreoffice(source: Path, target: Path, folder: Path) -> None:
    """``source`` with its Ranking sorted by LibreOffice (a macro in a profile of its own)."""
    profile = folder / ".sort-profile"
    convert([source], "ods", folder / "warm-up")  # makes the profile, with its Standard library
    shutil.copytree(folder / "warm-up" / ".libreoffice-profile", profile)
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
        'OfficeDocument 1.0//EN" "module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script" '
        f'script:name="Module1" script:language="StarBasic">{html.escape(SORT_MACRO, quote=False)}</script:module>'
    )
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless"]
        + [f'macro:///Standard.Module1.SortRanking("{source}","{target}")'],
        capture_output=True,
        timeout=300,
        check=True,
    )
    assert target.exists(), "LibreOffice did not save the sorted workbook"


@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("sample", [SINGLE, QUARTERLY], ids=["single", "quarterly"])
def test_the_formulas_survive_sorting_the_ranking_in_libreoffice(tmp_path, sample):
    result, path = _write(tmp_path, sample)
    plan = result.plan
    flips, moves = _cases(plan, result)["exclusive"]
    flips = {**flips, **_cases(plan, result)["dependency"][0]}
    edited = tmp_path / "edited.xlsx"
    _edit(path, edited, flips, moves)
    sorted_path = tmp_path / "sorted.xlsx"
    _sort_in_libreoffice(edited, sorted_path, tmp_path)
    ws = load_workbook(sorted_path)["Ranking"]
    header = [c.value for c in ws[1]]
    ids = [ws.cell(r, header.index(RANKING.id) + 1).value for r in range(2, ws.max_row + 1)]
    assert ids == sorted(ids, reverse=True) and ids != [r.id for r in result.initiatives]  # LibreOffice sorted it
    keys = [ws.cell(r, header.index(WHATIF.key) + 1).value for r in range(2, ws.max_row + 1)]
    assert [plan.initiatives[k - 1].id for k in keys] == ids  # the hidden columns moved with their rows
    assert ws.protection.sheet
    in_plan, starts = _selection(sorted_path)
    library = _library(plan, in_plan, starts)
    assert library["rules"]  # the edits break rules, so the check below has something to find
    _assert_agrees(plan, _computed(sorted_path), library)


# --------------------------------------------------------------------------- compare and review


def _hand_made(path: Path, out: Path, chosen: set[str]) -> None:
    """The planning workbook at ``path`` with a Selected column marking ``chosen``."""
    wb = load_workbook(path)
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    col, id_col = len(header) + 1, header.index("ID") + 1
    ws.cell(1, col).value = "Selected"
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, id_col).value is not None:
            ws.cell(r, col).value = "Yes" if ws.cell(r, id_col).value in chosen else "No"
    wb.save(out)


def test_compare_reads_an_edited_workbook_as_the_same_hand_made_plan(tmp_path):
    result, path = _write(tmp_path, SINGLE)
    selected = {r.id for r in result.initiatives if r.selected}
    out_one = sorted(selected)[0]
    extra = next(r.id for r in result.initiatives if not r.selected)
    edited = tmp_path / "edited.xlsx"
    _edit(path, edited, {out_one: False, extra: True})
    mine = (selected - {out_one}) | {extra}
    hand = tmp_path / "hand.xlsx"
    _hand_made(SINGLE, hand, mine)
    plans = read_plans([edited, hand], marked=True)
    assert set(plans[0][1].selection) == mine
    a, b = compare(plans).plans
    assert a.selected == b.selected
    assert a.objective == pytest.approx(b.objective) and a.total_cost == pytest.approx(b.total_cost)
    assert a.violations == b.violations
    assert a.efficiency == pytest.approx(b.efficiency)
    assert a.efficiency is not None or a.violations


def _pinned(path: Path, out: Path, chosen: set[str], starts: dict[str, str]) -> None:
    """The planning workbook at ``path`` as a hand-made plan of ``chosen``, each initiative in
    ``starts`` held to its period (Earliest start = Latest start), as a planner writes it."""
    _hand_made(path, out, chosen)
    wb = load_workbook(out)
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    id_col = header.index("ID") + 1
    for r in range(2, ws.max_row + 1):
        ini = ws.cell(r, id_col).value
        if ini in starts:
            ws.cell(r, header.index("Earliest start") + 1).value = starts[ini]
            ws.cell(r, header.index("Latest start") + 1).value = starts[ini]
    wb.save(out)


def _same_comparison(a, b) -> None:
    """Two compare reports that say the same of their plans."""
    assert a.selected == b.selected and a.violations == b.violations
    assert a.objective == pytest.approx(b.objective) and a.total_value == pytest.approx(b.total_value)
    assert a.total_cost == pytest.approx(b.total_cost)
    assert a.optimal.objective == pytest.approx(b.optimal.objective)
    assert a.efficiency == pytest.approx(b.efficiency)


@pytest.mark.slow
def test_compare_reads_an_edited_start_as_the_hand_made_plans_start(tmp_path):
    result, path = _write(tmp_path, QUARTERLY)
    labels = result.plan.settings.period_labels()
    selected = {r.id for r in result.initiatives if r.selected}
    starts = {r.id: r.start for r in result.initiatives if r.selected}
    moved = "INI-008"  # nothing needs it, and its window is the whole plan: any later quarter is allowed
    later = labels[labels.index(starts[moved]) + 1]
    edited = tmp_path / "edited.xlsx"
    _edit(path, edited, {}, {moved: later})
    hand, free = tmp_path / "hand.xlsx", tmp_path / "free.xlsx"
    _pinned(QUARTERLY, hand, selected, {moved: later})
    _hand_made(QUARTERLY, free, selected)
    plans = read_plans([edited, hand, free], marked=True)
    ini = plans[0][1].initiatives[plans[0][1].index(moved)]
    assert (ini.earliest, ini.latest) == (labels.index(later),) * 2
    assert any(moved in w and later in w and "Your start" in w for w in plans[0][1].warnings)
    a, b, c = compare(plans).plans
    _same_comparison(a, b)
    # the start counted: a quarter later is worth less than the optimizer's schedule of the same initiatives
    assert a.objective < c.objective - 1.0 and c.objective == pytest.approx(result.objective)
    # a start left as written (or moved back to it) is not pinned: the plan is the optimizer's again
    _edit(path, tmp_path / "back.xlsx", {}, {moved: starts[moved]})
    back = read_plan(tmp_path / "back.xlsx")
    assert all(
        i.earliest == j.earliest and i.latest == j.latest for i, j in zip(back.initiatives, result.plan.initiatives)
    )


def test_an_edited_start_outside_its_window_is_refused_naming_its_cell(tmp_path):
    result, path = _write(tmp_path, QUARTERLY)
    labels = result.plan.settings.period_labels()
    ini = next(i for i in result.plan.initiatives if i.latest is not None and i.latest < len(labels) - 1)
    too_late = labels[ini.latest + 1]
    _edit(path, tmp_path / "late.xlsx", {ini.id: True}, {ini.id: too_late})
    with pytest.raises(InvalidWorkbook) as caught:
        read_plans([tmp_path / "late.xlsx"], marked=True)
    (problem,) = caught.value.problems
    header = [c.value for c in load_workbook(path)["Ranking"][1]]
    letter = get_column_letter(header.index(RANKING.your_start) + 1)
    assert problem.code == "start-outside-window" and problem.where.startswith(f"late.xlsx: Ranking!{letter}")
    assert ini.id in problem.message and too_late in problem.message and labels[ini.latest] in problem.message


def test_review_reads_last_quarters_edited_workbook_as_its_plan(tmp_path):
    result, path = _write(tmp_path, SINGLE)
    dropped = next(r.id for r in result.initiatives if r.selected)
    edited = tmp_path / "edited.xlsx"
    _edit(path, edited, {dropped: False})
    (_, last), (_, this) = read_plans([edited, ROOT / "data" / "sample_q2.xlsx"])
    assert dropped not in last.selection
    assert set(last.selection) == {r.id for r in result.initiatives if r.selected} - {dropped}


def test_a_damaged_in_plan_column_is_refused_naming_its_cell(tmp_path):
    _, path = _write(tmp_path, SINGLE)
    wb = load_workbook(path)
    ws = wb["Ranking"]
    col = [c.value for c in ws[1]].index(RANKING.in_plan) + 1
    ws.cell(3, col).value = "maybe"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(InvalidWorkbook) as caught:
        read_plans([tmp_path / "bad.xlsx"], marked=True)
    (problem,) = caught.value.problems
    letter = get_column_letter(col)
    assert problem.code == "bad-in-plan" and problem.where == f"bad.xlsx: Ranking!{letter}3"
    assert "maybe" in problem.message and "Yes or No" in problem.message
    ws.cell(3, col).value = "Yes"
    ws.cell(1, col).value = "Plan?"  # the header renamed: the column is not silently ignored
    wb.save(tmp_path / "renamed.xlsx")
    with pytest.raises(InvalidWorkbook) as caught:
        read_plans([tmp_path / "renamed.xlsx"], marked=True)
    assert [p.code for p in caught.value.problems] == ["no-in-plan"]
    assert caught.value.problems[0].where == "renamed.xlsx: Ranking!A1"


# --------------------------------------------------------------------------- the file itself


ALLOWED = {"SUMIFS", "COUNTIFS", "IF"}


@pytest.mark.parametrize("sample", [SINGLE, QUARTERLY], ids=["single", "quarterly"])
def test_only_our_formulas_are_formulas_and_only_in_plan_is_editable(tmp_path, sample):
    plan = read_plan(sample)
    first = plan.initiatives[0]
    hostile = '=HYPERLINK("http://x","y")'
    plan = plan.with_initiatives((replace(first, name=hostile), *plan.initiatives[1:]))
    result = optimize(plan)
    path = tmp_path / "r.xlsx"
    save_results(result, path)
    wb = load_workbook(path)
    rank = wb["Ranking"]
    header = [c.value for c in rank[1]]
    names = [rank.cell(r, header.index(RANKING.name) + 1) for r in range(2, rank.max_row + 1)]
    assert any(c.value == hostile and c.data_type == "s" for c in names)  # the user's text stays text
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert ws.title in ("Summary", "Ranking"), (ws.title, cell.coordinate)
                    used = set(re.findall(r"([A-Z]+)\(", cell.value))
                    assert used <= ALLOWED, (cell.coordinate, used)
    editable = [RANKING.in_plan] + ([RANKING.your_start] if plan.settings.periods else [])
    for c, h in enumerate(header, start=1):
        locked = rank.cell(2, c).protection.locked
        assert locked == (h not in editable), h
    assert rank.protection.sheet and not rank.protection.sort and not rank.protection.autoFilter
    assert wb["Summary"].protection.sheet
    in_col = get_column_letter(header.index(RANKING.in_plan) + 1)
    lists = [dv for dv in rank.data_validations.dataValidation if f"{in_col}2" in str(dv.sqref)]
    assert lists and lists[0].formula1 == '"Yes,No"'
    hidden = [h for h in header if h.startswith("What-if:")]
    assert hidden and all(rank.column_dimensions[get_column_letter(header.index(h) + 1)].hidden for h in hidden)
    # the filter (and so a sort through it) spans the hidden columns: they move with their rows
    assert rank.auto_filter.ref == f"A1:{get_column_letter(len(header))}{rank.max_row}"


@needs_soffice
@pytest.mark.slow
def test_libreoffice_computes_soft_share_and_change_limits_as_the_library_does(tmp_path):
    """The limit kinds beyond a plain sum: a soft Max (its penalty in the objective value), share
    limits (a ratio of two sums) and a per-period change limit (the size of a move)."""
    from test_change_limit import _quarterly_with
    from test_limit_kinds import _plan_with

    samples = [
        _plan_with(
            tmp_path,
            [
                {"Column": "ML eng FTE", "Scope": "All", "Max": 14, "Tolerance": "25%", "Penalty": 50_000},
                {"Column": "Cost", "Scope": "Probability<0.5", "Max share": 0.1},
                {"Column": "Cost", "Scope": "Theme=Platform", "Min share": "20%"},
            ],
            name="kinds.xlsx",
        ),
        _quarterly_with(tmp_path, 800_000, name="change.xlsx"),
    ]
    edited = []
    for sample in samples:
        result, path = _write(tmp_path, sample)
        plan = result.plan
        assert any(r.name in ("soft", "share", "change") for r in limit_rules(plan))
        out_ids = [r.id for r in result.initiatives if not r.selected][:3]
        in_ids = [r.id for r in result.initiatives if r.selected][:2]
        for k, flips in enumerate([{}, {**dict.fromkeys(out_ids, True), **dict.fromkeys(in_ids, False)}]):
            target = tmp_path / "edited" / f"{sample.stem}-{k}.xlsx"
            target.parent.mkdir(exist_ok=True)
            _edit(path, target, flips)
            edited.append((plan, target))
    done = convert([p for _, p in edited], "xlsx", tmp_path / "computed")
    for (plan, target), computed in zip(edited, done):
        _assert_agrees(plan, _computed(computed), _library(plan, *_selection(target)))


@needs_soffice
@pytest.mark.slow
def test_libreoffice_computes_npv_and_a_reviews_stop_costs_as_the_library_does(tmp_path):
    """Under npv the objective is score less cost; a review's in-flight initiatives carry stop or
    retire costs paid whatever is chosen (in every Cost sum and the objective's constant)."""
    from portfolio_opt.model.plan import Objective

    edited = []
    for sample in (ROOT / "data" / "sample_q2.xlsx", QUARTERLY):
        plan = read_plan(sample).with_settings(objective=Objective.NPV)
        result = optimize(plan)
        path = tmp_path / f"{sample.stem}.xlsx"
        save_results(result, path)
        outs = [r.id for r in result.initiatives if not r.selected][:3]
        ins = [r.id for r in result.initiatives if r.selected][:3]
        for k, flips in enumerate([{}, {**dict.fromkeys(outs, True), **dict.fromkeys(ins, False)}]):
            target = tmp_path / "edited" / f"{sample.stem}-{k}.xlsx"
            target.parent.mkdir(exist_ok=True)
            _edit(path, target, flips)
            edited.append((plan, target))
    assert any(ini.out_cost for ini in edited[0][0].initiatives)  # the review has stop costs to count
    done = convert([p for _, p in edited], "xlsx", tmp_path / "computed")
    for (plan, target), computed in zip(edited, done):
        _assert_agrees(plan, _computed(computed), _library(plan, *_selection(target)))


@needs_soffice
@pytest.mark.slow
def test_libreoffice_flags_a_start_outside_its_window_as_a_broken_rule(tmp_path):
    result, path = _write(tmp_path, QUARTERLY)
    plan = result.plan
    labels = plan.settings.period_labels()
    narrowed = [i for i in plan.initiatives if len(window(i, plan.settings)) < len(labels)]
    late = next(i for i in narrowed if i.latest is not None and i.id in result.selected)
    early = next(i for i in narrowed if i.earliest)
    cases = {
        "none": ({}, {}),
        "too late": ({}, {late.id: labels[late.latest + 1]}),
        "too early": ({early.id: True}, {early.id: labels[early.earliest - 1]}),
        "early but out": ({early.id: False}, {early.id: labels[0]}),  # not in the plan: nothing broken
    }
    edited = []
    for name, (flips, moves) in cases.items():
        out = tmp_path / "edited" / f"{name.replace(' ', '-')}.xlsx"
        out.parent.mkdir(exist_ok=True)
        _edit(path, out, flips, moves)
        edited.append(out)
    done = convert(edited, "xlsx", tmp_path / "computed")
    flagged = {}
    for name, out, computed_path in zip(cases, edited, done):
        in_plan, starts = _selection(out)
        library = _library(plan, in_plan, starts)
        outside = {
            i.id
            for i in plan.initiatives
            if in_plan[i.id] and labels.index(starts[i.id]) not in window(i, plan.settings)
        }
        computed = _computed(computed_path)
        rows = {text.split()[0]: broken for text, broken in computed["rules"].items() if "Earliest and Latest" in text}
        assert set(rows) == {i.id for i in narrowed}
        assert {k for k, v in rows.items() if v == "Yes"} == outside, name
        assert computed["measures"][WHATIF.rules_broken] == len(library["rules"]) + len(outside), name
        flagged[name] = outside
    assert flagged == {"none": set(), "too late": {late.id}, "too early": {early.id}, "early but out": set()}


@needs_soffice
@pytest.mark.slow
def test_reviews_workbook_has_the_what_if_of_its_new_optimum_and_reads_back_as_a_hand_made_plan(tmp_path):
    _, q1 = _write(tmp_path, SINGLE)
    this = ROOT / "data" / "sample_q2.xlsx"
    review = review_quarters(read_plan(q1), read_plan(this))
    result, plan = review.result, review.result.plan
    path = tmp_path / "review.xlsx"
    save_review(review, path)
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["Quarter review", "Estimate changes", "Value realization"]
    assert {"Ranking", "Initiatives", "Settings"} <= set(wb.sheetnames) and wb["Quarter review"].protection.sheet
    selected = {r.id for r in result.initiatives if r.selected}
    out_one = sorted(selected)[0]
    extra = next(r.id for r in result.initiatives if not r.selected and r.decision != "stopped")
    cases = {"none": {}, "edited": {out_one: False, extra: True}}
    edited = []
    for name, flips in cases.items():
        edited.append(tmp_path / f"{name}.xlsx")
        _edit(path, edited[-1], flips)
    done = convert(edited, "xlsx", tmp_path / "computed")
    for out, computed_path in zip(edited, done):
        _assert_agrees(plan, _computed(computed_path, "Quarter review"), _library(plan, *_selection(out)))
    m = _computed(done[0], "Quarter review")["measures"]
    assert _close(m[SUMMARY.total_cost], result.total_cost) and _close(m[WHATIF.share], 1.0)
    # the edited review workbook is this quarter's plan with In plan as the selection, as compare reads it
    mine = (selected - {out_one}) | {extra}
    hand = tmp_path / "hand.xlsx"
    _hand_made(this, hand, mine)
    plans = read_plans([edited[1], hand], marked=True)
    assert set(plans[0][1].selection) == mine
    a, b = compare(plans).plans
    _same_comparison(a, b)


def test_a_plan_without_limits_or_rules_gets_a_what_if_that_says_so(tmp_path):
    from conftest import write_plan

    path = write_plan(
        tmp_path / "bare.xlsx",
        [("A", "a", 1000, 1, 0, 10), ("B", "b", 500, 1, 0, 20)],
        headers=("ID", "Name", "Impact", "Probability", "Time to value", "Cost"),
    )
    result = optimize(read_plan(path))
    save_results(result, tmp_path / "r.xlsx")
    rows = [[c.value for c in row] for row in load_workbook(tmp_path / "r.xlsx")["Summary"].iter_rows()]
    firsts = [r[0] for r in rows]
    assert WHATIF.title in firsts and SUMMARY.budget_left not in firsts[firsts.index(WHATIF.title) :]
    assert firsts[firsts.index(WHATIF.limit) + 1] == "No limits"
    assert firsts[firsts.index(WHATIF.rule) + 1] == "No rules beyond the limits"
    counts = {
        r[0]: r[2] for r in rows[firsts.index(WHATIF.title) :] if r[0] in (WHATIF.limits_broken, WHATIF.rules_broken)
    }
    assert counts == {WHATIF.limits_broken: "=0", WHATIF.rules_broken: "=0"}


def test_a_hand_made_plans_results_keep_its_selection_until_in_plan_is_edited(tmp_path):
    """The results of a hand-made plan copy its Selected column: unedited, that is still the plan
    (as before there was an In plan); once In plan is edited, In plan is."""
    cto = ROOT / "data" / "plan_cto.xlsx"
    own = set(read_plan(cto).selection)
    result, path = _write(tmp_path, cto)
    assert set(read_plan(path).selection) == own != {r.id for r in result.initiatives if r.selected}
    flip = next(r.id for r in result.initiatives if r.selected)
    _edit(path, tmp_path / "edited.xlsx", {flip: False})
    assert set(read_plan(tmp_path / "edited.xlsx").selection) == {
        r.id for r in result.initiatives if r.selected and r.id != flip
    }


def test_workbooks_of_several_portfolios_say_why_they_have_no_what_if(tmp_path):
    """compare, alternatives and scenarios hold several portfolios: no In plan (which one would it
    edit?), and a note on their first sheet saying how to try edits on one of them."""
    from portfolio_opt import alternatives, run_scenarios, save_alternatives, save_comparison, save_scenarios
    from portfolio_opt.workbook.whatif import NO_WHATIF_ALTERNATIVES, NO_WHATIF_COMPARE, NO_WHATIF_SCENARIOS

    plan = read_plan(SINGLE)
    written = {
        NO_WHATIF_COMPARE: tmp_path / "compare.xlsx",
        NO_WHATIF_ALTERNATIVES: tmp_path / "alternatives.xlsx",
        NO_WHATIF_SCENARIOS: tmp_path / "scenarios.xlsx",
    }
    save_comparison(
        compare(read_plans([ROOT / "data" / "plan_cto.xlsx", ROOT / "data" / "plan_cfo.xlsx"])),
        written[NO_WHATIF_COMPARE],
    )
    save_alternatives(alternatives(plan, 2), written[NO_WHATIF_ALTERNATIVES])
    save_scenarios(run_scenarios(plan), written[NO_WHATIF_SCENARIOS])
    for note, path in written.items():
        wb = load_workbook(path)
        assert "Ranking" not in wb.sheetnames, path.name
        first = [c.value for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None]
        assert note in first, path.name
        assert not any(isinstance(v, str) and v.startswith("=") for v in first), path.name
