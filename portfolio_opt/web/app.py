"""The portfolio room's JSON API and page: a FastAPI app over :mod:`portfolio_opt.web.room`.

Every route is guarded (:mod:`portfolio_opt.web.security`); no route takes a file path, only
ids the server made. Routes are plain functions: FastAPI runs them in its worker threads, and
a solve waits for a slot of the bounded pool (:class:`~portfolio_opt.web.room.SolvePool`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

import portfolio_opt as po
from portfolio_opt.web import compare, security
from portfolio_opt.web.jobs import MOMENT, Jobs
from portfolio_opt.web.records import Scenarios
from portfolio_opt.web.room import (
    Busy,
    Plans,
    Refusal,
    Refused,
    Room,
    SolvePool,
    answer_dict,
    changes_of,
    choices,
    dumps,
    initiative_of,
    unsolved_dict,
)

#: the most a JSON request body may be (bytes); uploads have their own limit
MAX_BODY = 64 * 1024
#: the most an uploaded workbook may be (bytes)
MAX_UPLOAD = 20 * 1024 * 1024
#: the most budgets a frontier request may ask for
MAX_STEPS = 60
#: the media type of a results workbook
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATIC = resources.files("portfolio_opt.web") / "static"


class Bounds(BaseModel):
    """A limit's new bounds in a what-if (either may be left out)."""

    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None


class Changes(BaseModel):
    """A what-if's changes to the plan as given, all optional (a story under a what-if asks with these)."""

    model_config = ConfigDict(extra="forbid")
    budget: float | None = Field(None, ge=0, allow_inf_nan=False)
    force_in: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=10_000)
    force_out: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=10_000)
    clear: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=10_000)
    limits: dict[str, Bounds] = Field(default_factory=dict)
    #: what to maximize and how to score, where the plan allows (checked against the plan)
    objective: str | None = Field(None, max_length=40)
    scoring: str | None = Field(None, max_length=40)


class WhatIf(Changes):
    """A what-if to solve: its changes, and whether to wait for a long solve."""

    #: False: a solve past a moment answers 202 with a job to follow (``GET /api/jobs/{job}``)
    wait: bool = True


class Verdict(BaseModel):
    """An approval of a scenario: who approves, in which role of the approval policy, for which period."""

    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    period: str | None = Field(None, max_length=40)
    note: str = Field("", max_length=2000)


class NewScenario(WhatIf):
    """A what-if saved under a name."""

    name: str = Field(min_length=1, max_length=200)


def create_app(
    workbooks: list[str] | tuple[str, ...] = (),
    tokens: dict[str, str] | None = None,
    db: str | None = None,
    workers: int = 2,
    queue: int = 64,
) -> Any:
    """The room's ASGI app, guarded: the ``workbooks`` loaded, ``tokens`` (token -> role) let in,
    scenarios kept in the store at ``db`` (default: the default store)."""
    app = FastAPI(title="portfolio-opt room", version=po.__version__, docs_url=None, redoc_url=None)
    plans = Plans()
    for path in workbooks:
        plans.load(path)
    app.state.plans, app.state.pool, app.state.scenarios = plans, SolvePool(workers, queue), Scenarios(db, plans)
    app.state.jobs = Jobs(app.state.pool)
    _errors(app)
    _routes(app)
    _solve_routes(app)
    _job_routes(app)
    _scenario_routes(app)
    compare.register(app, need, MAX_UPLOAD)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    guard = security.Guard(app, tokens or {}, MAX_BODY, MAX_UPLOAD)
    guard.state = app.state  # (tests reach the pool through the guard)
    return guard


def _errors(app: FastAPI) -> None:
    """Every refusal as ``{"problems": [{"where", "message", "fix"}]}``, never a traceback."""

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"problems": [p.to_dict() for p in exc.problems]}, exc.status)

    @app.exception_handler(Busy)
    def busy(request: Request, exc: Busy) -> JSONResponse:
        problem = Refusal("server", "every solve slot is busy and the queue is full", "Try again in a moment")
        return JSONResponse({"problems": [problem.to_dict()]}, 503, headers={"retry-after": "1"})

    @app.exception_handler(po.PortfolioError)
    def library(request: Request, exc: po.PortfolioError) -> JSONResponse:
        # the store unreachable or an extra missing is the server's state (503); the rest, the request's
        status = 503 if isinstance(exc, (po.StoreError, po.Unavailable)) else 422
        where = "store" if isinstance(exc, (po.StoreError, po.RecordRefused)) else "request"
        problem = Refusal(where, str(exc), "See the message; the server's log has no more")
        return JSONResponse({"problems": [problem.to_dict()]}, status)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            Refusal(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), _said(e), "Correct the field")
            for e in exc.errors()
        ]
        return JSONResponse({"problems": [p.to_dict() for p in problems]}, 422)


def as_json(data: Any, status: int = 200) -> Response:
    """``data`` as a JSON answer, without FastAPI's generic encoder (see :func:`~portfolio_opt.web.room.dumps`)."""
    return Response(dumps(data), status, media_type="application/json")


def _said(error: dict[str, Any]) -> str:
    value = error.get("input")
    shown = repr(value) if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__
    return f"{error['msg']} (got {shown[:80]})"


def need(request: Request, role: str) -> None:
    """Refuse (403) a request whose token's role is below ``role``."""
    have = request.scope["state"].get("role", "viewer")
    if not security.allows(have, role):
        raise Refused([Refusal("token", f"a {have} may not do this", f"Use a token with the {role} role")], 403)


def _routes(app: FastAPI) -> None:
    plans: Plans = app.state.plans
    pool: SolvePool = app.state.pool

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), media_type="text/html")

    @app.get("/api/session")
    def session(request: Request) -> dict[str, Any]:
        """The caller's role and the CSRF value its page sends with each POST."""
        state = request.scope["state"]
        return {"role": state["role"], "csrf": state["csrf"], "roles": list(security.ROLES)}

    @app.get("/api/plans")
    def list_plans() -> list[dict[str, Any]]:
        """Every plan the server holds."""
        return [room.summary() for room in plans]

    @app.post("/api/plans", status_code=201)
    def upload(request: Request, file: Annotated[UploadFile, File()]) -> dict[str, str]:
        """Upload a planning workbook: 201 with its id, or 422 with every problem by sheet and cell."""
        need(request, "editor")
        data = file.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise Refused([Refusal("file", "the workbook is too large", f"Upload at most {MAX_UPLOAD:,} bytes")], 413)
        return {"id": plans.add(file.filename or "upload.xlsx", data).id}

    @app.get("/api/plans/{plan_id}")
    def plan(plan_id: str) -> Response:
        """The plan's initiatives (with owner, outcome metric and status), limits and optimum."""
        room = plans.get(plan_id)
        result = json.loads(room.answer([], pool, answer_dict))
        settings = {"objective": room.plan.settings.objective.value, "scoring": str(room.plan.settings.scoring)}
        extra = {"rows": _rows(room.plan), "result": result, "settings": settings, "choices": choices(room.plan)}
        return as_json(room.summary() | extra)


def _solve_routes(app: FastAPI) -> None:
    plans: Plans = app.state.plans
    pool: SolvePool = app.state.pool

    @app.post("/api/plans/{plan_id}/solve")
    def solve(plan_id: str, what_if: WhatIf) -> Any:
        """The exact optimum with the what-if's changes, and what entered and left against the plan as given.

        With ``"wait": false`` a solve that takes more than a moment answers 202 with a job to follow."""
        room = plans.get(plan_id)
        changes = changes_of(room.plan, what_if.model_dump())
        if not what_if.wait:
            return _as_job(app.state.jobs, room, changes)
        try:
            text = room.answer(changes, pool, answer_dict)
        except (po.Infeasible, po.NoPortfolioFound) as exc:
            return _unsolved(room.id, exc)
        return Response(text, media_type="application/json")

    @app.get("/api/plans/{plan_id}/frontier")
    def frontier(plan_id: str, steps: Annotated[int, Query(ge=2, le=MAX_STEPS)] = 12) -> Response:
        """The efficient frontier: the best value at ``steps`` budgets, the plan's budget marked."""
        room = plans.get(plan_id)
        with pool.slot():
            f = po.frontier(room.plan, steps=steps, workers=1)
        return as_json(po.to_dict(f) | {"budget": room.plan.settings.budget})

    @app.get("/api/plans/{plan_id}/initiatives/{initiative_id}")
    def initiative(plan_id: str, initiative_id: str) -> dict[str, Any]:
        """An initiative's story: why it is in or out, what it would take, the value lost if flipped."""
        room = plans.get(plan_id)
        if initiative_id not in room.plan:
            raise Refused([Refusal("initiative", f"{initiative_id!r} is not an initiative ID of the plan", "")], 404)
        if initiative_id not in room.story_cache:
            with pool.slot():  # its re-solves only (regret, break-even), as `explain` does
                result = room.warm.solve([]).result()
                result = po.explain(result, initiative_ids=[initiative_id], limits=False)
            row = next(r for r in po.to_dict(result)["initiatives"] if r["id"] == initiative_id)
            room.story_cache[initiative_id] = {
                "id": initiative_id,
                "story": po.story(result, initiative_id),
                "figures": row,
            }
        return room.story_cache[initiative_id]

    @app.post("/api/plans/{plan_id}/initiatives/{initiative_id}/story")
    def story(plan_id: str, initiative_id: str, what_if: Changes) -> Any:
        """An initiative's story under a what-if (the ``/solve`` body's changes): why it is in or out,
        what it would take and the value lost if flipped, all in the changed plan's optimum; ``changes``
        says the what-if in words. A what-if without a portfolio answers as ``/solve`` does."""
        room = plans.get(plan_id)
        changes = changes_of(room.plan, what_if.model_dump())
        found = initiative_of(room.plan, initiative_id)
        try:
            return as_json(room.story(changes, found, pool))
        except (po.Infeasible, po.NoPortfolioFound) as exc:
            told = {"id": found, "changes": [c.label for c in changes], "story": [], "figures": None}
            return as_json(unsolved_dict(room.id, exc) | told)


def _as_job(jobs: Jobs, room: Room, changes: list[po.Change]) -> Response:
    """A what-if solving as a job: its answer when it is done within a moment (as a waiting
    what-if's), else 202 with the job to follow."""
    job = jobs.start(room, changes)
    if job.finished.wait(MOMENT) and job.state == "done" and job.answer is not None:
        return Response(job.answer, media_type="application/json")
    if job.state == "failed":
        return Response(job.to_json(), job.status_code, media_type="application/json")
    return Response(job.to_json(), 202, media_type="application/json", headers={"location": f"/api/jobs/{job.id}"})


def _job_routes(app: FastAPI) -> None:
    jobs: Jobs = app.state.jobs

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str) -> Response:
        """How a long what-if stands: elapsed, the best value found so far, the bound, the gap; the answer once done."""
        return Response(jobs.get(job_id).to_json(), media_type="application/json")

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> Response:
        """Stop a long what-if: it answers stopped, with the best portfolio found and its gap (if any)."""
        return Response(jobs.cancel(job_id).to_json(), media_type="application/json")


def _unsolved(plan_id: str, exc: Exception) -> JSONResponse:
    """A what-if without a portfolio: infeasible (the conflict named) or stopped at its time limit."""
    return JSONResponse(unsolved_dict(plan_id, exc), 200)


def _rows(plan: po.Plan) -> list[dict[str, Any]]:
    """Each initiative's columns the page filters by (strings as the workbook has them)."""

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return [
        {
            "id": ini.id,
            "name": ini.name,
            "theme": ini.theme,
            "owner": text(ini.values.get("Owner")),
            "metric": text(ini.values.get("Outcome metric")),
            "status": text(ini.status.value if ini.status is not None else ini.values.get("Status")),
            "decision": text(ini.values.get("Decision")),
        }
        for ini in plan.initiatives
    ]


def _scenario_routes(app: FastAPI) -> None:
    plans: Plans = app.state.plans
    pool: SolvePool = app.state.pool
    scenarios: Scenarios = app.state.scenarios

    @app.post("/api/plans/{plan_id}/scenarios", status_code=201)
    def save(request: Request, plan_id: str, scenario: NewScenario) -> dict[str, Any]:
        """Save the what-if as a named scenario in the plan of record; its link reloads it."""
        need(request, "editor")
        room = plans.get(plan_id)
        body = scenario.model_dump()
        changes = changes_of(room.plan, body)
        return scenarios.save(room, scenario.name, changes, request.scope["state"]["role"])

    @app.get("/api/scenarios")
    def list_scenarios() -> list[dict[str, Any]]:
        """Every saved scenario (the latest version of each name last)."""
        return scenarios.all()

    @app.get("/api/scenarios/{scenario_id}")
    def scenario(scenario_id: int) -> dict[str, Any]:
        """A saved scenario: its plan, its what-if and who saved it when."""
        return scenarios.get(scenario_id)[1]

    @app.post("/api/scenarios/{scenario_id}/approve")
    def approve(request: Request, scenario_id: int, verdict: Verdict) -> dict[str, Any]:
        """Approve a scenario's portfolio for a period (a token with the approver role): recorded
        as a run, and the period's plan of record once every role the policy requires approved."""
        need(request, "approver")
        room, data = scenarios.get(scenario_id)
        changes = changes_of(room.plan, data["what_if"])
        with pool.slot():
            result = room.warm.solve(changes).result()
        return scenarios.approve(room, result, data, verdict.model_dump())

    @app.get("/api/record")
    def record() -> dict[str, Any]:
        """The plan of record: each period's, the approvals and the policy."""
        return scenarios.record()

    @app.get("/api/scenarios/{scenario_id}/result.xlsx", response_class=Response)
    def workbook(scenario_id: int) -> Response:
        """The results workbook of a scenario, as ``optimize`` writes it, with its changes made."""
        room, data = scenarios.get(scenario_id)
        changes = changes_of(room.plan, data["what_if"])
        with pool.slot(), tempfile.TemporaryDirectory(prefix="portfolio-opt-result-") as folder:
            result = room.warm.solve(changes).result()  # (written in the slot too: see compare.py)
            path = os.path.join(folder, "result.xlsx")
            po.save_results(result, path)
            with open(path, "rb") as f:
                content = f.read()
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{room.name}-{data['name']}")[:80] or "result"
        disposition = f'attachment; filename="{name}.xlsx"'
        return Response(content, media_type=XLSX, headers={"content-disposition": disposition})
