"""The portfolio room in a real browser (Playwright driving Debian's Chromium) against a real server:
what a finance user does, checked against a fresh solve. Skipped when Playwright or Chromium is absent."""

from __future__ import annotations

import dataclasses
import os
import re

import openpyxl
import pytest
from conftest import SAMPLE, ini, write_plan
from webserver import TOKEN, room

import portfolio_opt as po

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

#: what a headless Chromium needs here: no sandbox (containers), and nothing fetched from the internet
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "record.db"
    with room([str(SAMPLE)], f"sqlite:///{db}") as running:
        yield running


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        except Exception as exc:  # a Chromium that does not start is an absent one
            pytest.skip(f"Chromium does not start: {exc}")
        yield chromium
        chromium.close()


def expect(locator):
    """Playwright's waiting assertions: they read the page without evaluating strings, which the
    room's Content-Security-Policy (no unsafe-eval) would refuse."""
    return sync_api.expect(locator)


@pytest.fixture
def page(server, chromium):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    page.goto(f"{server.url}/?token={TOKEN}")
    page.wait_for_selector("body[data-ready=yes]")
    yield page
    context.close()
    assert errors == [], "no script error, no dialog"


def _money(x: float) -> str:
    return f"{round(x):,}"


def _funded(page) -> list[str]:
    return sorted(page.eval_on_selector_all("#initiatives tbody tr.in", "rows => rows.map(r => r.dataset.id)"))


def _changed(plan: po.Plan, out=(), budget=None) -> po.Result:
    inis = tuple(dataclasses.replace(i, decision=po.Decision.EXCLUDE) if i.id in out else i for i in plan.initiatives)
    return po.optimize(dataclasses.replace(plan, initiatives=inis), budget=budget)


def _ids(result: po.Result) -> list[str]:
    return sorted(r.id for r in result.initiatives if r.selected)


def test_the_page_opens_with_the_token_and_shows_the_optimum(page):
    fresh = po.optimize(po.read_plan(SAMPLE))
    expect(page.locator("#objective")).to_have_text(_money(fresh.objective))
    assert page.locator("#initiatives tbody tr").count() == 40
    assert _funded(page) == _ids(fresh)
    assert page.locator("#limits .limit.binding").count() >= 1
    expect(page.locator("#frontier svg #budget-mark")).to_have_count(1)


def test_forcing_out_shows_the_fresh_optimum(page):
    fresh = _changed(po.read_plan(SAMPLE), out=("INI-001",))
    page.click("#initiatives tr[data-id='INI-001'] button[data-action=force_out]")
    expect(page.locator("#left")).to_contain_text("INI-001")
    expect(page.locator("#objective")).to_have_text(_money(fresh.objective))
    assert page.text_content("#cost").startswith(_money(fresh.total_cost))
    assert _funded(page) == _ids(fresh)
    page.click("#undo")
    expect(page.locator("#left")).to_have_text("none")
    plan = po.read_plan(SAMPLE)
    k = [lim.name for lim in plan.limits].index("ML eng FTE")
    limits = tuple(dataclasses.replace(lim, max=12.0) if j == k else lim for j, lim in enumerate(plan.limits))
    tighter = po.optimize(dataclasses.replace(plan, limits=limits))
    page.locator("input.bound[data-limit='ML eng FTE']").fill("12")
    page.locator("input.bound[data-limit='ML eng FTE']").dispatch_event("change")
    expect(page.locator("#objective")).to_have_text(_money(tighter.objective))
    page.click("#reset")
    expect(page.locator("#changes")).to_have_text("The plan as given")
    expect(page.locator("#objective")).to_have_text(_money(po.optimize(po.read_plan(SAMPLE)).objective))


def test_clicking_an_initiative_tells_its_story_under_the_what_if_on_the_page(page):
    plan = po.read_plan(SAMPLE)
    base, fresh = po.optimize(plan), _changed(plan, out=("INI-001",))
    entered = sorted(set(_ids(fresh)) - set(_ids(base)))[0]
    page.click(f"#initiatives tr[data-id='{entered}'] button[data-action=story]")
    expect(page.locator("#story p.under")).to_have_text("Of the plan as given (no what-if).")
    expect(page.locator("#story")).to_contain_text("is NOT selected")
    page.click("#initiatives tr[data-id='INI-001'] button[data-action=force_out]")
    expect(page.locator("#objective")).to_have_text(_money(fresh.objective))
    # the story on show follows the what-if: now that of the changed plan, where it is in
    expect(page.locator("#story p.under")).to_have_text("Under your what-if: Force out INI-001")
    told = po.story(po.explain(fresh, initiative_ids=[entered], limits=False), entered)
    expect(page.locator("#story p:not(.under)")).to_have_text(told)
    page.click("#undo")
    expect(page.locator("#story p.under")).to_have_text("Of the plan as given (no what-if).")
    expect(page.locator("#story")).to_contain_text("is NOT selected")


@pytest.mark.slow
def test_dragging_the_budget_and_saving_a_scenario_whose_link_reloads_it(page, server, tmp_path):
    fresh = po.optimize(po.read_plan(SAMPLE), budget=8_000_000)
    page.locator("#budget-range").fill("8000000")
    expect(page.locator("#objective")).to_have_text(_money(fresh.objective))
    assert _funded(page) == _ids(fresh)
    page.fill("#scenario-name", "Budget 8M <b>")
    page.click("#save")
    link = page.wait_for_selector("#scenario-link")
    href = link.get_attribute("href")
    assert re.fullmatch(r"/#scenario=\d+", href) and "Budget 8M <b>" in link.text_content()
    with page.expect_download() as download:
        page.click("#result-link")
    path = tmp_path / "result.xlsx"
    download.value.save_as(path)
    assert po.read_plan(path).settings.budget == 8_000_000
    assert page.get_attribute("#page-link", "href") == href.replace("/#scenario=", "/api/scenarios/") + "/page.html"
    page.fill("#approve-by", "Dana <i>")
    page.fill("#approve-role", "Finance")
    page.fill("#approve-period", "2031-Q4")
    page.click("#approve button")
    expect(page.locator("#approved")).to_contain_text("Approved by Dana <i> (Finance) for 2031-Q4")
    expect(page.locator("#record")).to_contain_text("2031-Q4: run ")
    expect(page.locator("#record")).to_contain_text(_money(fresh.objective))
    again = page.context.new_page()
    again.goto(server.url + href)
    again.wait_for_selector("body[data-ready=yes]")
    expect(again.locator("#objective")).to_have_text(_money(fresh.objective))
    assert again.input_value("#budget") == "8000000" and again.input_value("#scenario-name") == "Budget 8M <b>"


def test_an_upload_with_a_typo_names_the_cell(page, tmp_path):
    bad = write_plan(tmp_path / "typo.xlsx", [ini("A", "12O0"), ini("B", 200)])
    page.set_input_files("#file", str(bad))
    page.click("#upload button")
    page.wait_for_selector("#problems li")
    assert "Initiatives!G2" in page.text_content("#problems")


def test_workbook_text_shows_as_text(page, tmp_path):
    names = ["<script>alert(1)</script>", '=HYPERLINK("http://evil.example","x")']
    path = write_plan(tmp_path / "xss.xlsx", [ini("A", 100, name=names[0]), ini("B", 100)], settings=[("Budget", 150)])
    book = openpyxl.load_workbook(path)
    cell = book["Initiatives"]["B3"]
    cell.value, cell.data_type = names[1], "s"
    book.save(path)
    page.set_input_files("#file", str(path))
    page.click("#upload button")
    expect(page.locator("#initiatives tbody tr")).to_have_count(2)
    shown = page.eval_on_selector_all("#initiatives tbody button.link", "bs => bs.map(b => b.textContent)")
    assert sorted(shown) == sorted(names)
    assert page.locator("#initiatives script, #initiatives a").count() == 0


@pytest.mark.slow
def test_a_big_plan_shows_its_first_rows_until_asked_for_all(page, tmp_path):
    # values per cost spread wide, so the plan (and its frontier) solves at once
    rows = [ini(f"B{k:03d}", 100 + k, impact=1000 * ((37 * k) % 97 + 1)) for k in range(250)]
    path = write_plan(tmp_path / "big.xlsx", rows, settings=[("Budget", 5000)])
    page.set_input_files("#file", str(path))
    page.click("#upload button")
    expect(page.locator("#initiatives tbody tr")).to_have_count(200)
    page.click("#more-rows")
    expect(page.locator("#initiatives tbody tr")).to_have_count(250)
    page.click("#initiatives tr[data-id='B249'] button[data-action=force_in]")
    expect(page.locator("#entered")).to_contain_text("B249")


@pytest.fixture
def two_saved(server) -> list[int]:
    """Two scenarios saved through the API (before the page opens, so it lists them)."""
    pid = server.client.get("/api/plans").json()[0]["id"]
    return [
        server.client.post(f"/api/plans/{pid}/scenarios", json=body).json()["id"]
        for body in ({"name": "Lean <i>", "budget": 7_000_000}, {"name": "No Must", "force_out": ["INI-011"]})
    ]


def test_ticking_two_saved_scenarios_shows_them_beside_the_optimum(two_saved, page):
    ids = two_saved
    for sid in ids:
        page.check(f"#compare-list input[value='{sid}']")
    page.click("#compare")
    table = page.locator("#compare-table")
    expect(table.locator("thead th")).to_have_count(4)
    heads = [h.split("\n")[0] for h in table.locator("thead th").all_inner_texts()[1:]]
    assert heads == ["Optimum", "Lean <i>", "No Must"], "names shown as text"
    plan = po.read_plan(SAMPLE)
    lean = po.optimize(plan, budget=7_000_000)
    values = table.locator("tr[data-row=value] td").all_inner_texts()
    assert values == [_money(po.optimize(plan).objective), _money(lean.objective), values[2]]
    breaks = table.locator("tr[data-row=breaks] td")
    assert breaks.nth(2).get_attribute("class") == "broken" and "Must INI-011" in breaks.nth(2).inner_text()
    assert breaks.nth(1).inner_text() == "none" and breaks.nth(1).get_attribute("class") is None
    assert table.locator("tr[data-row=efficiency] td").nth(2).inner_text().startswith("none")
    differ = page.locator("#compare-differ tbody tr[data-id='INI-011'] td")
    assert differ.all_inner_texts()[-3:] == ["In", "In", "–"]
    assert page.locator("#compare-result script, #compare-result i").count() == 0


def test_an_uploaded_hand_made_plan_stands_beside_the_optimum(page, tmp_path):
    result = po.optimize(po.read_plan(SAMPLE))
    path = tmp_path / "cfo_plan.xlsx"
    po.save_results(result, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Ranking"]
    heads = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, heads.index("ID") + 1).value == "INI-011")
    sheet.cell(row, heads.index("In plan") + 1).value = "No"  # the Must left out by hand
    book.save(path)
    page.set_input_files("#compare-file", str(path))
    page.click("#compare-upload button")
    table = page.locator("#compare-table")
    expect(table.locator("thead th")).to_have_count(3)
    assert table.locator("thead th").nth(2).inner_text().startswith("cfo_plan")
    broken = table.locator("tr[data-row=breaks] td").nth(1)
    expect(broken).to_have_class("broken")
    assert "Must INI-011" in broken.inner_text()
    assert table.locator("tr[data-row=left] td").nth(1).inner_text() == "INI-011"
