"""The room's side-by-side view and a scenario's leadership page: saved scenarios and uploaded
hand-made plans compared with the plan's optimum (as ``portfolio-opt compare`` compares plans),
and ``optimize --report``'s page of a scenario, as downloads.

Every column is evaluated on the room's plan as given, its rules and figures: a scenario's
column is the portfolio its what-if chose, an upload's the selection its ``Selected`` or
``In plan`` column marks. So a scenario that forced a Must out, or raised the budget, shows that
rule broken, and every column's share of the optimum is against the same optimum.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

import portfolio_opt as po
from portfolio_opt.web.records import Scenarios
from portfolio_opt.web.room import Plans, Refusal, Refused, Room, SolvePool, changes_of, dumps, read_upload

#: the most saved scenarios one comparison may hold (each is a solve, and an optimum at its cost)
MAX_COMPARED = 12
#: the name of the optimum's column
OPTIMUM = "Optimum"
#: the media type of the leadership page
HTML = "text/html; charset=utf-8"


class Compared(BaseModel):
    """The saved scenarios to compare with the plan's optimum, by id (``GET /api/scenarios``)."""

    model_config = ConfigDict(extra="forbid")
    scenarios: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, max_length=MAX_COMPARED)


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the comparison before it is evaluated: its name, what it is, and the
    initiatives it selects."""

    name: str
    kind: str  #: ``optimum``, ``scenario`` or ``upload``
    selected: tuple[str, ...]
    scenario: int | None = None
    changes: tuple[str, ...] = ()


def register(app: FastAPI, need: Callable[[Request, str], None], max_upload: int) -> None:
    """Add the compare and leadership-page routes to the room's ``app``; ``need`` refuses a role
    below the one named (as the app's other routes do)."""
    plans: Plans = app.state.plans
    pool: SolvePool = app.state.pool
    scenarios: Scenarios = app.state.scenarios

    @app.post("/api/plans/{plan_id}/compare")
    def compare(plan_id: str, asked: Compared) -> Response:
        """The plan's optimum and the saved scenarios side by side, as ``compare --json`` answers,
        each column also against the plan's optimum (its share, what entered and left)."""
        room = plans.get(plan_id)
        columns = scenario_columns(room, scenarios, pool, asked.scenarios)
        return _json(comparison(room, pool, columns))

    @app.post("/api/plans/{plan_id}/compare/upload")
    def compare_upload(
        request: Request,
        plan_id: str,
        file: Annotated[UploadFile, File()],
        scenarios_: Annotated[list[int] | None, Form(alias="scenarios")] = None,
    ) -> Response:
        """A hand-made plan (a workbook whose ``Selected`` or ``In plan`` column marks it) beside
        the optimum and any saved ``scenarios``; its problems by sheet and cell (422)."""
        need(request, "editor")
        room = plans.get(plan_id)
        data = file.file.read(max_upload + 1)
        if len(data) > max_upload:
            raise Refused([Refusal("file", "the workbook is too large", f"Upload at most {max_upload:,} bytes")], 413)
        ids = list(scenarios_ or ())
        if len(ids) > MAX_COMPARED:
            raise Refused([Refusal("scenarios", f"{len(ids)} scenarios", f"Compare at most {MAX_COMPARED}")])
        name = file.filename or "upload.xlsx"
        uploaded = upload_column(room, name, read_upload(name, data))
        columns = scenario_columns(room, scenarios, pool, ids) + [uploaded]
        return _json(comparison(room, pool, columns))

    @app.get("/api/scenarios/{scenario_id}/page.html", response_class=Response)
    def leadership_page(scenario_id: int) -> Response:
        """The scenario's leadership page, as ``optimize --report`` writes it with its changes
        made: a download (the page carries its own styles, so it is never shown under the room's
        policy, which would refuse them)."""
        room, data = scenarios.get(scenario_id)
        changes = changes_of(room.plan, data["what_if"])
        title = f"Portfolio report: {room.name}, scenario {data['name']}"
        # the workbook and the page are made in the slot too: on a large plan they take longer
        # than the solve, and the pool is what bounds the server's work
        with pool.slot(), tempfile.TemporaryDirectory(prefix="portfolio-opt-page-") as folder:
            result = room.warm.solve(changes).result()
            workbook, page = os.path.join(folder, "result.xlsx"), os.path.join(folder, "page.html")
            po.save_results(result, workbook)
            po.write_report(workbook, page, title=title)
            with open(page, "rb") as f:
                content = f.read()
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{room.name}-{data['name']}")[:80] or "page"
        disposition = f'attachment; filename="{name}.html"'
        return Response(content, media_type=HTML, headers={"content-disposition": disposition})


def _json(data: Any) -> Response:
    return Response(dumps(data), media_type="application/json")


def scenario_columns(room: Room, scenarios: Scenarios, pool: SolvePool, ids: Sequence[int]) -> list[Column]:
    """The saved scenarios ``ids`` as columns: each one's optimum on its what-if. Refused naming
    ``scenarios[k]`` for one that does not exist, belongs to another plan, or has no portfolio."""
    problems: list[Refusal] = []
    found: list[tuple[int, dict[str, Any]]] = []
    for k, sid in enumerate(ids):
        where = f"scenarios[{k}]"
        try:
            owner, data = scenarios.get(sid)
        except Refused:
            problems.append(Refusal(where, f"no scenario has the id {sid}", "GET /api/scenarios lists them"))
            continue
        if owner.id != room.id:
            fix = f"Compare it on its own plan (POST /api/plans/{owner.id}/compare), or leave it out"
            problems.append(Refusal(where, f"scenario {sid} ({data['name']!r}) is of another plan", fix))
            continue
        found.append((k, data))
    if problems:
        raise Refused(problems)
    columns = []
    for k, data in found:
        changes = changes_of(room.plan, data["what_if"])
        try:
            with pool.slot():
                result = room.warm.solve(changes).result()
        except (po.Infeasible, po.NoPortfolioFound) as exc:
            fix = "Open its link to see why, or leave it out"
            raise Refused([Refusal(f"scenarios[{k}]", f"scenario {data['id']} has no portfolio: {exc}", fix)]) from None
        selected = tuple(r.id for r in result.initiatives if r.selected)
        columns.append(Column(data["name"], "scenario", selected, data["id"], tuple(data["changes"])))
    return columns


def upload_column(room: Room, name: str, plan: po.Plan) -> Column:
    """The hand-made plan an uploaded workbook marks, as a column; refused (422) when it marks
    none or names initiatives the room's plan lacks."""
    file = os.path.basename(name.replace("\\", "/"))
    if plan.selection is None:  # as `compare` refuses it (analyses.compare.unmarked)
        fix = "Add a column 'Selected' to Initiatives with Yes for each one in the plan, or upload a results workbook"
        raise Refused([Refusal(f"{file}: Initiatives", "the workbook marks no plan: it has no Selected column", fix)])
    unknown = [i for i in plan.selection if i not in room.plan]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        fix = f"Mark initiatives of the plan {room.name!r} only (upload a plan made from its workbook)"
        raise Refused([Refusal(f"{file}: Initiatives", f"the plan selects {shown}, which this plan lacks", fix)])
    stem = re.sub(r"[^A-Za-z0-9_. -]+", "-", os.path.splitext(file)[0])[:100].strip(" .") or "upload"
    return Column(stem, "upload", tuple(plan.selection))


def comparison(room: Room, pool: SolvePool, columns: Sequence[Column]) -> dict[str, Any]:
    """The ``compare --json`` object of the plan's optimum and ``columns``, each evaluated on the
    room's plan; each column also says its kind, its scenario, its share of the optimum
    (``of_optimum``) and what ``entered`` and ``left`` against the optimum."""
    with pool.slot():
        best = room.warm.solve([]).result()
        optimum = Column(OPTIMUM, "optimum", tuple(r.id for r in best.initiatives if r.selected))
        everything = [optimum, *columns]
        plans = [(c.name, dataclasses.replace(room.plan, selection=c.selected)) for c in everything]
        data: dict[str, Any] = po.to_dict(po.compare(plans, workers=1))
    order = {ini.id: k for k, ini in enumerate(room.plan.initiatives)}
    mine = set(optimum.selected)
    for shown, column in zip(data["plans"], everything):
        chosen = set(column.selected)
        shown.update(
            kind=column.kind,
            scenario=column.scenario,
            changes=list(column.changes),
            of_optimum=shown["objective"] / best.objective if best.objective else None,
            entered=sorted(chosen - mine, key=order.__getitem__),
            left=sorted(mine - chosen, key=order.__getitem__),
        )
    data["plan"] = room.id
    data["optimum"] = {"objective": best.objective, "total_cost": best.total_cost, "budget": room.plan.settings.budget}
    return data
