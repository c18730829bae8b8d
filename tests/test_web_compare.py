"""The room's compare view and a scenario's leadership page against a real server (uvicorn on a
free loopback port): saved scenarios and uploaded hand-made plans equal ``po.compare`` of the
same selections, broken rules are named, bad uploads are refused by their cell, and the roles
and CSRF check hold for the new routes."""

from __future__ import annotations

import dataclasses
import re

import openpyxl
import pytest
from conftest import SAMPLE
from webserver import EDITOR, TOKEN, VIEWER, room

import portfolio_opt as po


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("compare") / "record.db"
    with room([str(SAMPLE)], f"sqlite:///{db}") as running:
        yield running


@pytest.fixture(scope="module")
def plan_id(server) -> str:
    return server.client.get("/api/plans").json()[0]["id"]


@pytest.fixture(scope="module")
def saved(server, plan_id) -> dict[str, int]:
    """Three saved scenarios of the sample: a cut budget, INI-001 forced out, the Must INI-011 forced out."""
    bodies = {
        "Cut to 8M": {"budget": 8_000_000},
        "Without churn v2": {"force_out": ["INI-001"]},
        "Drop the Must": {"force_out": ["INI-011"]},
    }
    ids = {}
    for name, body in bodies.items():
        reply = server.client.post(f"/api/plans/{plan_id}/scenarios", json={"name": name} | body)
        assert reply.status_code == 201, reply.text
        ids[name] = reply.json()["id"]
    return ids


def _selected(plan: po.Plan, out: tuple[str, ...] = (), budget: float | None = None) -> tuple[str, ...]:
    """The optimum's selection of the plan with ``out`` excluded (what a scenario chose)."""
    changed = tuple(
        dataclasses.replace(i, decision=po.Decision.EXCLUDE) if i.id in out else i for i in plan.initiatives
    )
    result = po.optimize(dataclasses.replace(plan, initiatives=changed), budget=budget)
    return tuple(r.id for r in result.initiatives if r.selected)


def _library(*columns: tuple[str, tuple[str, ...]]) -> dict:
    """``po.compare`` of the sample with each selection, as ``compare --json`` says it."""
    plan = po.read_plan(SAMPLE)
    return po.to_dict(po.compare([(name, dataclasses.replace(plan, selection=sel)) for name, sel in columns]))


def test_two_scenarios_side_by_side_equal_the_librarys_compare(server, plan_id, saved):
    ids = [saved["Cut to 8M"], saved["Without churn v2"]]
    reply = server.client.post(f"/api/plans/{plan_id}/compare", json={"scenarios": ids})
    assert reply.status_code == 200, reply.text
    data = reply.json()
    plan = po.read_plan(SAMPLE)
    optimum = _selected(plan)
    cut, without = _selected(plan, budget=8_000_000), _selected(plan, out=("INI-001",))
    expected = _library(("Optimum", optimum), ("Cut to 8M", cut), ("Without churn v2", without))
    assert [c["name"] for c in data["plans"]] == ["Optimum", "Cut to 8M", "Without churn v2"]
    assert [c["kind"] for c in data["plans"]] == ["optimum", "scenario", "scenario"]
    assert [c["scenario"] for c in data["plans"]] == [None, *ids]
    for got, want in zip(data["plans"], expected["plans"]):
        assert got["selected"] == want["selected"]
        assert got["objective"] == pytest.approx(want["objective"], rel=1e-9)
        assert got["total_cost"] == pytest.approx(want["total_cost"], rel=1e-12)
        assert got["efficiency"] == pytest.approx(want["efficiency"], rel=1e-6)
        assert got["violations"] == want["violations"] == []
    best = po.optimize(plan).objective
    assert data["optimum"]["objective"] == pytest.approx(best, rel=1e-9)
    assert data["plans"][0]["of_optimum"] == pytest.approx(1.0)
    assert data["plans"][1]["of_optimum"] == pytest.approx(expected["plans"][1]["objective"] / best, rel=1e-9)
    assert data["plans"][1]["of_optimum"] < 1
    assert "INI-001" in data["plans"][2]["left"] and data["plans"][2]["changes"] == ["Force out INI-001"]
    assert set(data["plans"][2]["entered"]) == set(without) - set(optimum)
    differ = {r["id"] for r in data["initiatives"] if r["differs"]}
    assert differ == (set(optimum) | set(cut) | set(without)) - (set(optimum) & set(cut) & set(without))


def test_a_scenario_that_forces_a_must_out_shows_that_rule_broken(server, plan_id, saved):
    reply = server.client.post(f"/api/plans/{plan_id}/compare", json={"scenarios": [saved["Drop the Must"]]})
    column = reply.json()["plans"][1]
    assert column["name"] == "Drop the Must" and "INI-011" in column["left"]
    assert any("INI-011" in v and "Must" in v for v in column["violations"]), column["violations"]
    assert column["efficiency"] is None, "a plan that breaks a rule has no efficiency"


def test_unknown_and_foreign_scenarios_are_refused_naming_the_field(server, plan_id, saved, tmp_path):
    from conftest import ini, write_plan

    other = write_plan(tmp_path / "other.xlsx", [ini("A", 100), ini("B", 200)], settings=[("Budget", 250)])
    other_id = server.client.post("/api/plans", files={"file": ("other.xlsx", other.read_bytes())}).json()["id"]
    foreign = server.client.post(f"/api/plans/{other_id}/scenarios", json={"name": "Other plan's"}).json()["id"]
    body = {"scenarios": [saved["Cut to 8M"], foreign, 999_999]}
    reply = server.client.post(f"/api/plans/{plan_id}/compare", json=body)
    assert reply.status_code == 422
    problems = reply.json()["problems"]
    assert [p["where"] for p in problems] == ["scenarios[1]", "scenarios[2]"]
    assert "of another plan" in problems[0]["message"] and other_id in problems[0]["fix"]
    assert "999999" in problems[1]["message"]
    bad = server.client.post(f"/api/plans/{plan_id}/compare", json={"scenarios": ["x"], "extra": 1})
    assert bad.status_code == 422 and {p["where"] for p in bad.json()["problems"]} == {"scenarios.0", "extra"}
    assert server.client.post("/api/plans/nope/compare", json={}).status_code == 404


def _hand_made(tmp_path, edits: dict[str, str]) -> tuple[bytes, tuple[str, ...]]:
    """The sample's results workbook with ``In plan`` edited by openpyxl (ID -> Yes/No): a
    hand-made plan as a planner makes one; its bytes and the selection it marks."""
    result = po.optimize(po.read_plan(SAMPLE))
    path = tmp_path / "results.xlsx"
    po.save_results(result, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Ranking"]
    heads = [c.value for c in sheet[1]]
    id_col, in_col = heads.index("ID") + 1, heads.index("In plan") + 1
    chosen = {r.id for r in result.initiatives if r.selected}
    for row in range(2, sheet.max_row + 1):
        ini_id = sheet.cell(row, id_col).value
        if ini_id in edits:
            sheet.cell(row, in_col).value = edits[ini_id]
            (chosen.add if edits[ini_id] == "Yes" else chosen.discard)(ini_id)
    edited = tmp_path / "cfo_plan.xlsx"
    book.save(edited)
    order = [i.id for i in result.plan.initiatives]
    return edited.read_bytes(), tuple(sorted(chosen, key=order.index))


def test_an_uploaded_hand_made_plan_is_a_column(server, plan_id, saved, tmp_path):
    data, chosen = _hand_made(tmp_path, {"INI-008": "No"})
    reply = server.client.post(
        f"/api/plans/{plan_id}/compare/upload",
        files={"file": ("cfo_plan.xlsx", data)},
        data={"scenarios": [str(saved["Cut to 8M"])]},
    )
    assert reply.status_code == 200, reply.text
    got = reply.json()
    assert [c["name"] for c in got["plans"]] == ["Optimum", "Cut to 8M", "cfo_plan"]
    column = got["plans"][2]
    plan = po.read_plan(SAMPLE)
    want = _library(("Optimum", _selected(plan)), ("cfo_plan", chosen))["plans"][1]
    assert column["kind"] == "upload" and column["selected"] == list(chosen) == want["selected"]
    assert column["objective"] == pytest.approx(want["objective"], rel=1e-9)
    assert column["violations"] == want["violations"] == []
    assert want["efficiency"] is not None and column["efficiency"] == pytest.approx(want["efficiency"], rel=1e-6)
    assert column["efficiency"] < 1 and column["left"] == ["INI-008"] and column["entered"] == []


def test_a_bad_upload_is_refused_naming_the_cell(server, plan_id, tmp_path):
    data, _ = _hand_made(tmp_path, {"INI-002": "Perhaps"})
    reply = server.client.post(f"/api/plans/{plan_id}/compare/upload", files={"file": ("cfo_plan.xlsx", data)})
    assert reply.status_code == 422, reply.text
    problems = reply.json()["problems"]
    assert any(p["where"].startswith("Ranking!F") and "Perhaps" in p["message"] for p in problems), problems
    plain = server.client.post(
        f"/api/plans/{plan_id}/compare/upload", files={"file": ("plan.xlsx", SAMPLE.read_bytes())}
    )
    assert plain.status_code == 422 and "Selected" in plain.json()["problems"][0]["fix"], "a plan that marks none"
    huge = server.client.post(f"/api/plans/{plan_id}/compare/upload", files={"file": ("h.xlsx", b"0" * (21 << 20))})
    assert huge.status_code == 413, "the upload's size limit, not the JSON body's"


def test_the_upload_needs_an_editor_and_the_pages_csrf(server, plan_id, tmp_path):
    data, _ = _hand_made(tmp_path, {})
    url = f"/api/plans/{plan_id}/compare/upload"
    files = {"file": ("cfo_plan.xlsx", data)}
    refused = server.as_(VIEWER).post(url, files=files)
    assert refused.status_code == 403 and refused.json()["problems"][0]["where"] == "token"
    assert server.as_(EDITOR).post(url, files=files).status_code == 200
    browser = server.as_(None)
    browser.get("/", params={"token": TOKEN})  # the cookie, as the page has it
    assert browser.post(url, files=files).status_code == 403, "no Origin and no X-CSRF"
    assert browser.post(f"/api/plans/{plan_id}/compare", json={}).status_code == 403
    csrf = browser.get("/api/session").json()["csrf"]
    assert browser.post(url, files=files, headers={"x-csrf": csrf}).status_code == 200


def test_a_scenarios_leadership_page_is_a_download_naming_its_portfolio(server, plan_id, saved):
    sid = saved["Without churn v2"]
    reply = server.client.get(f"/api/scenarios/{sid}/page.html")
    assert reply.status_code == 200, reply.text[:500]
    assert reply.headers["content-type"].startswith("text/html")
    assert (
        reply.headers["content-disposition"].startswith("attachment;")
        and ".html" in reply.headers["content-disposition"]
    )
    assert "unsafe-inline" not in reply.headers["content-security-policy"], "the room's policy is not weakened"
    page = reply.text
    assert page.lstrip().lower().startswith("<!doctype html")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Portfolio report: sample_plan, scenario Without churn v2" in text
    plan = po.read_plan(SAMPLE)
    changed = tuple(
        dataclasses.replace(i, decision=po.Decision.EXCLUDE) if i.id == "INI-001" else i for i in plan.initiatives
    )
    fresh = po.optimize(dataclasses.replace(plan, initiatives=changed))
    assert f"Expected value {round(fresh.objective):,}" in text, "the scenario's portfolio, not the plan's"
    assert f"Initiatives funded {len(fresh.selected)} of 40" in text
    assert f"Expected value {round(po.optimize(plan).objective):,}" not in text
    assert server.client.get("/api/scenarios/999999/page.html").status_code == 404
