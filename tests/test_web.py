"""The portfolio room's API against a real server (uvicorn on a free loopback port): what-ifs equal
a fresh solve, scenarios live in the plan of record, and the security list holds (tokens, roles,
CSRF, escaping, no server paths, hostile uploads, a full pool)."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import zipfile

import openpyxl
import pytest
from conftest import ROOT, SAMPLE, ini, write_plan
from webserver import EDITOR, TOKEN, VIEWER, room

import portfolio_opt as po
from portfolio_opt.web import room as rooms
from portfolio_opt.web.server import loopback, tokens_for


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("room") / "record.db"
    with room([str(SAMPLE)], f"sqlite:///{db}") as running:
        yield running


@pytest.fixture(scope="module")
def plan_id(server) -> str:
    return server.client.get("/api/plans").json()[0]["id"]


def _fresh(plan: po.Plan, out: tuple[str, ...] = (), budget: float | None = None) -> po.Result:
    """``optimize`` on the plan with ``out`` excluded: the answer a what-if must equal."""
    changed = tuple(
        dataclasses.replace(i, decision=po.Decision.EXCLUDE) if i.id in out else i for i in plan.initiatives
    )
    return po.optimize(dataclasses.replace(plan, initiatives=changed), budget=budget)


def _chosen(data: dict) -> list[str]:
    return [r["id"] for r in data["initiatives"] if r["selected"]]


def _ids(result: po.Result) -> list[str]:
    return [r.id for r in result.initiatives if r.selected]


# --------------------------------------------------------------------------- what-ifs


def test_the_plan_as_given_is_the_fresh_optimum(server, plan_id):
    data = server.client.post(f"/api/plans/{plan_id}/solve", json={}).json()
    fresh = po.optimize(po.read_plan(SAMPLE))
    assert data["objective"] == pytest.approx(fresh.objective, rel=1e-9)
    assert sorted(_chosen(data)) == sorted(_ids(fresh))
    assert data["entered"] == data["left"] == [] and data["value_change"] == 0
    assert set(po.to_dict(fresh)) <= set(data), "the answer is the optimize --json object, and more"


def test_forcing_out_changes_the_portfolio_to_the_fresh_optimum(server, plan_id):
    data = server.client.post(f"/api/plans/{plan_id}/solve", json={"force_out": ["INI-001"]}).json()
    fresh = _fresh(po.read_plan(SAMPLE), out=("INI-001",))
    base = po.optimize(po.read_plan(SAMPLE))
    assert "INI-001" in data["left"] and "INI-001" not in _chosen(data)
    assert sorted(_chosen(data)) == sorted(_ids(fresh))
    assert data["objective"] == pytest.approx(fresh.objective, rel=1e-9)
    assert data["value_change"] == pytest.approx(fresh.objective - base.objective, rel=1e-6)
    assert data["pending"] == ["regret", "break_even"] and data["warm"] is True


def test_a_budget_and_a_limit_combine_and_equal_a_fresh_solve(server, plan_id):
    plan = po.read_plan(SAMPLE)
    body = {"budget": 7_500_000, "limits": {"ML eng FTE": {"max": 6}}}
    data = server.client.post(f"/api/plans/{plan_id}/solve", json=body).json()
    k = [lim.name for lim in plan.limits].index("ML eng FTE")
    limits = tuple(dataclasses.replace(lim, max=6.0) if j == k else lim for j, lim in enumerate(plan.limits))
    fresh = po.optimize(dataclasses.replace(plan, limits=limits), budget=7_500_000)
    assert data["objective"] == pytest.approx(fresh.objective, rel=1e-9)
    assert data["total_cost"] <= 7_500_000 and data["budget"] == 7_500_000
    assert next(c for c in data["constraints"] if c["name"] == "ML eng FTE")["max"] == 6


def test_unknown_ids_and_limit_names_are_refused_naming_the_field_and_the_fix(server, plan_id):
    body = {"force_in": ["INI-0O1"], "limits": {"Nope": {"max": 1}}}
    reply = server.client.post(f"/api/plans/{plan_id}/solve", json=body)
    assert reply.status_code == 422
    problems = reply.json()["problems"]
    assert [p["where"] for p in problems] == ["force_in[0]", "limits.Nope"]
    assert "'INI-0O1'" in problems[0]["message"] and "INI-001" in problems[0]["fix"]
    assert "ML eng FTE" in problems[1]["fix"]
    typo = server.client.post(f"/api/plans/{plan_id}/solve", json={"budget": "lots", "extra": 1})
    assert typo.status_code == 422
    assert {p["where"] for p in typo.json()["problems"]} == {"budget", "extra"}
    assert server.client.post("/api/plans/nope/solve", json={}).status_code == 404


def test_an_infeasible_what_if_names_the_conflict(server, plan_id):
    data = server.client.post(f"/api/plans/{plan_id}/solve", json={"budget": 1000, "force_in": ["INI-001"]}).json()
    assert data["status"] == "infeasible" and data["conflict"] and data["relaxations"]


def test_the_frontier_and_an_initiatives_story(server, plan_id):
    f = server.client.get(f"/api/plans/{plan_id}/frontier", params={"steps": 4}).json()
    assert len(f["points"]) == 4 and f["budget"] == 10_000_000
    values = [p["objective"] for p in f["points"]]
    assert values == sorted(values)
    assert server.client.get(f"/api/plans/{plan_id}/frontier", params={"steps": 1}).status_code == 422
    story = server.client.get(f"/api/plans/{plan_id}/initiatives/INI-001").json()
    assert story["story"][0].startswith("INI-001 Churn prediction model v2") and "Dropping it" in story["story"][-1]
    assert server.client.get(f"/api/plans/{plan_id}/initiatives/INI-999").status_code == 404


def test_an_initiatives_story_under_a_what_if_is_the_changed_plans_story(server, plan_id):
    plan = po.read_plan(SAMPLE)
    base, fresh = po.optimize(plan), _fresh(plan, out=("INI-001",))
    entered = sorted(set(_ids(fresh)) - set(_ids(base)))
    assert entered, "forcing INI-001 out brings others in"
    body = {"force_out": ["INI-001"]}
    for iid in (entered[0], "INI-001"):
        told = server.client.post(f"/api/plans/{plan_id}/initiatives/{iid}/story", json=body)
        assert told.status_code == 200
        data = told.json()
        expected = po.explain(fresh, initiative_ids=[iid], limits=False)
        assert data["story"] == po.story(expected, iid)
        assert data["id"] == iid and data["plan"] == plan_id and data["changes"] == ["Force out INI-001"]
        row = next(r for r in expected.initiatives if r.id == iid)
        assert data["figures"]["selected"] == row.selected and data["figures"]["regret"] == pytest.approx(row.regret)
    told = server.client.post(f"/api/plans/{plan_id}/initiatives/{entered[0]}/story", json=body).json()
    assert "is SELECTED" in told["story"][0], "one that entered under the what-if now says it is in"
    # the plain GET still tells the plan as given: the same initiative is out there
    given = server.client.get(f"/api/plans/{plan_id}/initiatives/{entered[0]}").json()
    assert "is NOT selected" in given["story"][0] and "changes" not in given
    assert given["story"] == po.story(po.explain(base, initiative_ids=[entered[0]], limits=False), entered[0])
    # no changes is the plan as given, as the GET tells it
    plain = server.client.post(f"/api/plans/{plan_id}/initiatives/{entered[0]}/story", json={}).json()
    assert plain["story"] == given["story"] and plain["changes"] == []


def test_a_story_under_a_what_if_is_kept_bounded_and_refuses_what_the_plan_lacks(server, plan_id):
    room_ = server.app.state.plans.get(plan_id)
    body = {"budget": 8_000_000, "force_in": ["ini-031"]}
    first = server.client.post(f"/api/plans/{plan_id}/initiatives/ini-002/story", json=body).json()
    assert first["id"] == "INI-002" and first["changes"] == ["Budget 8,000,000", "Force in INI-031"]
    assert server.client.post(f"/api/plans/{plan_id}/initiatives/INI-002/story", json=body).json() == first
    assert len(room_.stories) <= rooms.STORIES_KEPT
    unknown = server.client.post(f"/api/plans/{plan_id}/initiatives/INI-0O1/story", json=body)
    assert unknown.status_code == 404
    problem = unknown.json()["problems"][0]
    assert problem["where"] == "initiative" and "'INI-0O1'" in problem["message"] and "INI-001" in problem["fix"]
    bad = server.client.post(f"/api/plans/{plan_id}/initiatives/INI-001/story", json={"force_out": ["nope"], "x": 1})
    assert bad.status_code == 422 and {p["where"] for p in bad.json()["problems"]} == {"x"}
    bad = server.client.post(f"/api/plans/{plan_id}/initiatives/INI-001/story", json={"force_out": ["INI-0O1"]})
    assert bad.status_code == 422 and bad.json()["problems"][0]["where"] == "force_out[0]"
    none = server.client.post(
        f"/api/plans/{plan_id}/initiatives/INI-001/story", json={"budget": 1000, "force_in": ["INI-001"]}
    ).json()
    assert none["status"] == "infeasible" and none["story"] == [] and none["conflict"]


def test_what_ifs_of_one_plan_at_once_share_a_bounded_set_of_warm_programs():
    plans, pool = rooms.Plans(), rooms.SolvePool(workers=4)
    room_ = plans.load(str(SAMPLE))
    plan = room_.plan
    budgets = [6e6, 7e6, 8e6, 9e6, 7.5e6, 8.5e6]
    answers: dict[float, dict] = {}

    def ask(budget: float) -> None:
        changes = rooms.changes_of(plan, {"budget": budget})
        answers[budget] = json.loads(room_.answer(changes, pool, rooms.answer_dict))

    with room_.free_warm() as held:  # one program busy: the next what-if makes the second
        threads = [threading.Thread(target=ask, args=(b,)) for b in budgets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "answered while the first program was busy"
        assert held is room_.warm
    assert room_.warm_plans == rooms.WARM_PLANS == len(room_._idle), "never more than the bound, all given back"
    for budget in budgets:
        fresh = po.optimize(plan, budget=budget)
        assert answers[budget]["objective"] == pytest.approx(fresh.objective, rel=1e-9)
        assert sorted(_chosen(answers[budget])) == sorted(_ids(fresh))


def test_the_stories_kept_are_bounded(monkeypatch):
    plans, pool = rooms.Plans(), rooms.SolvePool()
    room_ = plans.load(str(SAMPLE))
    monkeypatch.setattr(rooms, "STORIES_KEPT", 2)
    for budget in (7e6, 8e6, 9e6):
        room_.story(rooms.changes_of(room_.plan, {"budget": budget}), "INI-001", pool)
    assert [key[0][0][1] for key in room_.stories] == ["8000000.0", "9000000.0"], "the oldest is dropped"


def test_a_scenario_is_saved_in_the_store_reloaded_and_its_workbook_read_back(server, plan_id, tmp_path):
    body = {"name": "Cut to 8M", "budget": 8_000_000, "force_out": ["INI-001"]}
    saved = server.client.post(f"/api/plans/{plan_id}/scenarios", json=body)
    assert saved.status_code == 201
    sid = saved.json()["id"]
    assert saved.json()["link"] == f"/#scenario={sid}"
    got = server.client.get(f"/api/scenarios/{sid}").json()
    assert (
        got["plan"] == plan_id and got["what_if"]["budget"] == 8_000_000 and got["what_if"]["force_out"] == ["INI-001"]
    )
    with po.open_store(server.app.state.scenarios.db) as store:
        assert store.scenario("Cut to 8M").seq == sid
    xlsx = server.client.get(f"/api/scenarios/{sid}/result.xlsx")
    assert xlsx.headers["content-type"] == rooms_xlsx() and "attachment" in xlsx.headers["content-disposition"]
    path = tmp_path / "result.xlsx"
    path.write_bytes(xlsx.content)
    back = po.read_plan(path)
    assert back.settings.budget == 8_000_000
    assert back.initiatives[back.index("INI-001")].decision is po.Decision.EXCLUDE
    fresh = _fresh(po.read_plan(SAMPLE), out=("INI-001",), budget=8_000_000)
    assert po.optimize(back).objective == pytest.approx(fresh.objective, rel=1e-9)
    assert server.client.get("/api/scenarios/999999").status_code == 404


def rooms_xlsx() -> str:
    from portfolio_opt.web.app import XLSX

    return XLSX


def test_an_upload_is_a_plan_and_a_typo_is_named_by_its_cell(server, tmp_path):
    good = write_plan(tmp_path / "small.xlsx", [ini("A", 100), ini("B", 200)], settings=[("Budget", 250)])
    reply = server.client.post("/api/plans", files={"file": ("small.xlsx", good.read_bytes())})
    assert reply.status_code == 201
    again = server.client.post("/api/plans", files={"file": ("copy.xlsx", good.read_bytes())})
    assert again.json()["id"] == reply.json()["id"], "the id is the content's hash"
    bad = write_plan(tmp_path / "bad.xlsx", [ini("A", "12O0"), ini("B", 200)])
    refused = server.client.post("/api/plans", files={"file": ("bad.xlsx", bad.read_bytes())})
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert any(p["where"] == "Initiatives!G2" and p["fix"] for p in problems), problems


# --------------------------------------------------------------------------- security


def test_every_request_needs_the_token(server, plan_id):
    for client in (server.as_(None), server.as_("wrong-token")):
        for path in ("/", "/api/plans", f"/api/plans/{plan_id}", "/openapi.json", "/static/app.js"):
            reply = client.get(path)
            assert reply.status_code == 401, path
            assert "INI-" not in reply.text and "sample" not in reply.text
        assert client.post(f"/api/plans/{plan_id}/solve", json={}).status_code == 401


def test_the_token_in_the_url_becomes_a_strict_cookie(server):
    client = server.as_(None)
    reply = client.get("/", params={"token": TOKEN})
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/api/plans").status_code == 200, "the cookie lets the browser in"


def test_a_cross_site_post_is_refused_and_the_pages_own_is_not(server, plan_id):
    client = server.as_(None)
    client.get("/", params={"token": TOKEN})
    url = f"/api/plans/{plan_id}/solve"
    assert client.post(url, json={}, headers={"origin": "https://evil.example"}).status_code == 403
    assert client.post(url, json={}).status_code == 403, "no Origin and no X-CSRF"
    assert client.post(url, json={}, headers={"origin": server.url}).status_code == 200
    csrf = client.get("/api/session").json()["csrf"]
    assert client.post(url, json={}, headers={"x-csrf": csrf}).status_code == 200
    assert client.post(url, json={}, headers={"x-csrf": "0" * 32}).status_code == 403


def test_roles_bound_what_a_token_may_do(server, plan_id, tmp_path):
    viewer, editor = server.as_(VIEWER), server.as_(EDITOR)
    assert viewer.get("/api/session").json()["role"] == "viewer"
    assert viewer.post(f"/api/plans/{plan_id}/solve", json={"force_out": ["INI-002"]}).status_code == 200
    assert viewer.post(f"/api/plans/{plan_id}/scenarios", json={"name": "x"}).status_code == 403
    good = write_plan(tmp_path / "v.xlsx", [ini("A", 100)])
    assert viewer.post("/api/plans", files={"file": ("v.xlsx", good.read_bytes())}).status_code == 403
    assert editor.post(f"/api/plans/{plan_id}/scenarios", json={"name": "by editor"}).status_code == 201


def test_every_answer_carries_the_security_headers(server, plan_id):
    for path in ("/", "/api/plans", "/static/app.js"):
        headers = server.client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
    assert server.client.get("/api/plans").headers["cache-control"] == "no-store"
    page = server.client.get("/").text
    assert "<script>" not in page.replace(" ", "") and 'src="/static/app.js"' in page, "no inline script"


def test_workbook_text_comes_back_as_text(server, tmp_path):
    names = ["<script>alert(1)</script>", '=HYPERLINK("http://evil.example","x")']
    path = write_plan(tmp_path / "xss.xlsx", [ini("A", 100, name=names[0]), ini("B", 100)])
    book = openpyxl.load_workbook(path)
    cell = book["Initiatives"]["B3"]
    cell.value, cell.data_type = names[1], "s"  # typed as text (a formula would be refused)
    book.save(path)
    pid = server.client.post("/api/plans", files={"file": ("<img src=x>.xlsx", path.read_bytes())}).json()["id"]
    reply = server.client.get(f"/api/plans/{pid}")
    assert reply.headers["content-type"] == "application/json"
    rows = reply.json()["rows"]
    assert [r["name"] for r in rows] == names, "kept exactly, as text"
    listed = next(p for p in server.client.get("/api/plans").json() if p["id"] == pid)
    assert "<" not in listed["name"], "the upload's name is made harmless"


def test_no_request_reads_a_file_of_the_server(server, plan_id):
    for path in (
        "/static/../pyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2f..%2fpyproject.toml",
        "/api/plans/..%2f..%2fetc%2fpasswd",
        "/api/plans/%2Fetc%2Fpasswd/frontier",
        "/etc/passwd",
    ):
        reply = server.client.get(path)
        assert reply.status_code in (404, 422), path
        assert "root:" not in reply.text and "[project]" not in reply.text
    paths = server.client.get("/openapi.json").json()["paths"]
    names = {p["name"] for route in paths.values() for op in route.values() for p in op.get("parameters", [])}
    assert names == {"plan_id", "initiative_id", "scenario_id", "job_id", "steps"}, "ids the server made, never a path"


def _plans(server) -> list[str]:
    return sorted(p["id"] for p in server.client.get("/api/plans").json())


@pytest.mark.slow
def test_a_hostile_upload_is_refused_quickly_and_nothing_is_kept(server, tmp_path):
    import time

    before = _plans(server)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zipfile.ZipFile(SAMPLE) as sample:
            for info in sample.infolist():
                zf.writestr(info.filename, sample.read(info))
        zf.writestr("xl/media/filler.xml", b"<a>" + b"0" * (200 * 1024 * 1024) + b"</a>")
    ratio = io.BytesIO()
    with zipfile.ZipFile(ratio, "w", zipfile.ZIP_DEFLATED) as zf:
        with zipfile.ZipFile(SAMPLE) as sample:
            for info in sample.infolist():
                zf.writestr(info.filename, sample.read(info))
        zf.writestr("xl/media/filler.xml", b"<a>" + b"0" * (40 * 1024 * 1024) + b"</a>")
    cases = {
        "bomb.xlsx": (bomb.getvalue(), 413, "inflate"),
        "ratio.xlsx": (ratio.getvalue(), 422, "filler.xml"),
        "notes.xlsx": (b"this is not a workbook at all" * 100, 422, ""),
        "plan.exe": (SAMPLE.read_bytes(), 422, "not a workbook file name"),
        "huge.xlsx": (b"0" * (21 * 1024 * 1024), 413, "too large"),
    }
    for name, (data, status, said) in cases.items():
        started = time.perf_counter()
        reply = server.client.post("/api/plans", files={"file": (name, data)})
        assert reply.status_code == status, (name, reply.text[:500])
        assert time.perf_counter() - started < 20, name
        assert said in json.dumps(reply.json()["problems"]), (name, reply.text[:500])
    assert _plans(server) == before, "nothing refused is kept"


def test_a_full_pool_answers_503_and_the_server_lives_on(tmp_path):
    with room([str(SAMPLE)], f"sqlite:///{tmp_path / 'r.db'}", workers=1, queue=0) as running:
        pid = running.client.get("/api/plans").json()[0]["id"]
        pool = running.app.state.pool
        asked = running.client.post(f"/api/plans/{pid}/solve", json={"budget": 8e6})
        pool.slots.acquire()  # the one solve slot taken, as by a long solve
        try:
            busy = running.client.post(f"/api/plans/{pid}/solve", json={"budget": 9e6})
            assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
            assert busy.json()["problems"][0]["where"] == "server"
            assert running.client.get("/api/plans").status_code == 200, "pages are not blocked by solves"
            again = running.client.post(f"/api/plans/{pid}/solve", json={"budget": 8e6})
            assert again.status_code == 200 and again.content == asked.content, "a what-if asked again needs no slot"
        finally:
            pool.slots.release()
        assert running.client.post(f"/api/plans/{pid}/solve", json={"budget": 9e6}).status_code == 200


def test_a_weak_token_is_refused_beyond_this_machine():
    assert loopback("127.0.0.1") and loopback("::1") and not loopback("0.0.0.0")
    tokens, shown = tokens_for("127.0.0.1", {})
    assert len(shown) == 22 and tokens == {shown: "approver"}
    assert tokens_for("127.0.0.1", {"PORTFOLIO_OPT_TOKEN": "short"})[0] == {"short": "approver"}
    with pytest.raises(ValueError, match="128 bits"):
        tokens_for("0.0.0.0", {"PORTFOLIO_OPT_TOKEN": "short"})
    strong = "x" * 22
    assert tokens_for("0.0.0.0", {"PORTFOLIO_OPT_TOKEN": f"{strong}:viewer"})[0] == {strong: "viewer"}


def test_the_room_calls_only_the_public_api():
    from test_cli_api import _outside_the_api

    for path in sorted((ROOT / "portfolio_opt" / "web").glob("*.py")):
        wrong = [w for w in _outside_the_api(path.read_text()) if not w.startswith("from portfolio_opt.web")]
        assert wrong == [], path.name


def test_the_upload_reader_refuses_a_name_that_is_no_workbook():
    with pytest.raises(rooms.Refused) as caught:
        rooms.read_upload("../../etc/passwd", b"x")
    assert caught.value.problems[0].where == "file"


# --------------------------------------------------------------------------- the command


def test_serve_prints_its_address_with_the_token_and_stops_on_ctrl_c():
    import os
    import signal
    import subprocess
    import sys

    from webserver import free_port, httpx

    port = free_port()
    env = dict(os.environ, PORTFOLIO_OPT_TOKEN=TOKEN, PORTFOLIO_OPT_DB="sqlite://")
    command = [sys.executable, "-m", "portfolio_opt", "serve", str(SAMPLE), "--port", str(port), "--no-browser"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"The portfolio room is at http://127.0.0.1:{port}/?token={TOKEN}"
        url = f"http://127.0.0.1:{port}/api/plans"
        for _ in range(200):
            try:
                reply = httpx.get(url, headers={"authorization": f"Bearer {TOKEN}"})
                break
            except httpx.TransportError:
                import time

                time.sleep(0.05)
        assert reply.status_code == 200 and reply.json()[0]["initiatives"] == 40
        assert httpx.get(url).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == po.EXIT_INTERRUPTED, err
    assert "Traceback" not in err


def test_serve_without_the_web_extra_names_it():
    import subprocess
    import sys

    code = "import sys; sys.modules['fastapi'] = None\nimport portfolio_opt as po\npo.serve(open_browser=False)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "the web room needs the 'web' extra" in proc.stderr
    assert 'python -m pip install "portfolio-opt[web]"' in proc.stderr


def test_a_non_loopback_host_with_a_weak_token_does_not_start(monkeypatch):
    from click.testing import CliRunner

    from portfolio_opt.cli import main

    monkeypatch.setenv("PORTFOLIO_OPT_TOKEN", "short")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2 and "at least 22 url-safe characters" in result.output


def test_a_store_that_cannot_be_used_is_said_and_the_room_lives_on(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    with room([str(SAMPLE)], f"sqlite:///{blocked / 'record.db'}") as running:
        pid = running.client.get("/api/plans").json()[0]["id"]
        reply = running.client.post(f"/api/plans/{pid}/scenarios", json={"name": "x"})
        assert reply.status_code == 503, reply.text
        assert reply.json()["problems"][0]["where"] == "store" and "Traceback" not in reply.text
        assert running.client.post(f"/api/plans/{pid}/solve", json={"budget": 9e6}).status_code == 200


def test_an_approver_makes_a_scenario_the_plan_of_record(server, plan_id):
    sid = server.client.post(f"/api/plans/{plan_id}/scenarios", json={"name": "Q1", "budget": 9e6}).json()["id"]
    verdict = {"by": "Dana", "role": "Finance", "period": "2027-Q1"}
    editor = server.as_(EDITOR)
    assert editor.post(f"/api/scenarios/{sid}/approve", json=verdict).status_code == 403
    reply = server.client.post(f"/api/scenarios/{sid}/approve", json=verdict)
    assert reply.status_code == 200, reply.text
    fresh = po.optimize(po.read_plan(SAMPLE), budget=9e6)
    record = server.client.get("/api/record").json()
    of_record = next(p for p in record["plans_of_record"] if p["period"] == "2027-Q1")
    assert of_record["run_id"] == reply.json()["run"]
    assert of_record["objective"] == pytest.approx(fresh.objective, rel=1e-9)
    again = server.client.post(f"/api/scenarios/{sid}/approve", json=verdict)
    assert again.status_code == 422 and again.json()["problems"][0]["where"] == "store", "a settled period stays"
