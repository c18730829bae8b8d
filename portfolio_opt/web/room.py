"""The portfolio room's state: plans held in memory, each warm for what-ifs, and the bounded pool
their solves run in. No web framework here: the app (:mod:`portfolio_opt.web.app`) calls this.

A plan is kept under an id that is the content hash of its workbook, so the same file uploaded
twice is the same plan and its links stay valid. A what-if arrives as the request body of
``POST /api/plans/{id}/solve`` and becomes the library's :class:`~portfolio_opt.Change` list
(:func:`changes_of`), checked against the plan: an unknown ID or limit name is refused with the
field, the value and the fix, never a traceback.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import portfolio_opt as po

#: what an upload may be called: the reader's formats (the name only picks the reader; it is
#: never a path on the server)
SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls")
#: how many answers each plan keeps for a what-if asked again
ANSWERS_KEPT = 256
#: how many stories each plan keeps told under a what-if (one per what-if and initiative): each
#: is a few KB, and telling one again costs its regret and break-even re-solves
STORIES_KEPT = 256
#: how many warm programs each plan may hold, its what-ifs solved in whichever is free: a second
#: is made the first time two what-ifs of the plan would otherwise queue for one
WARM_PLANS = 2
#: the most an uploaded workbook's parts may inflate to, all together (bytes): the archive
#: checks allow much more for a file a user opens on purpose; a server bounds what anyone sends
MAX_INFLATED = 128 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Refusal:
    """One thing wrong with a request: where (a field or ``Sheet!Cell``), what, and the fix."""

    where: str
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        """The refusal as the API's problems list holds it."""
        return {"where": self.where, "message": self.message, "fix": self.fix}


class Refused(Exception):
    """A request the room refuses; ``problems`` says every reason (answered as 422)."""

    def __init__(self, problems: Sequence[Refusal], status: int = 422):
        self.problems = tuple(problems)
        self.status = status
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in self.problems))


class Busy(Exception):
    """Every solve slot is taken and the queue is full (answered as 503)."""


@dataclasses.dataclass
class Room:
    """A plan held for what-ifs: its id, a name for people, the plan and its warm solver."""

    id: str
    name: str
    plan: po.Plan
    warm: po.WarmPlan
    story_cache: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: the latest answers as JSON, by their changes: undo, reset and a budget dragged back and
    #: forth ask the same what-ifs again, and an answer never changes (the plan does not)
    answers: collections.OrderedDict[tuple, bytes] = dataclasses.field(default_factory=collections.OrderedDict)
    #: the latest stories told under a what-if, by (its changes, the initiative), the oldest
    #: dropped past :data:`STORIES_KEPT`
    stories: collections.OrderedDict[tuple, dict[str, Any]] = dataclasses.field(default_factory=collections.OrderedDict)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    #: the warm programs free for a what-if, how many are made, and the turn to take one
    _idle: list[po.WarmPlan] = dataclasses.field(default_factory=list)
    _made: int = 1
    _turn: threading.Condition = dataclasses.field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self._idle.append(self.warm)

    @property
    def warm_plans(self) -> int:
        """How many warm programs the plan holds (each a copy of its program in memory)."""
        with self._turn:
            return self._made

    @contextlib.contextmanager
    def free_warm(self) -> Iterator[po.WarmPlan]:
        """A warm program of the plan that no what-if is using, for the ``with`` block: one held
        already, a new one while fewer than :data:`WARM_PLANS` are, else the first given back."""
        with self._turn:
            while not self._idle and self._made >= WARM_PLANS:
                self._turn.wait()
            warm = self._idle.pop() if self._idle else None
            if warm is None:
                self._made += 1
        if warm is None:
            try:
                warm = po.WarmPlan(self.plan)  # solves the plan as given, outside the turn
            except BaseException:
                with self._turn:
                    self._made -= 1
                    self._turn.notify()
                raise
        try:
            yield warm
        finally:
            with self._turn:
                self._idle.append(warm)
                self._turn.notify()

    def answer(
        self,
        changes: Sequence[po.Change],
        pool: SolvePool,
        shape: Callable[[Room, Any], dict],
        stop: threading.Event | None = None,
    ) -> bytes:
        """The what-if's answer as JSON (``shape`` makes it of the warm answer), solved in a slot
        of ``pool`` unless it was answered already. Raises what :meth:`WarmPlan.solve` raises.

        Setting ``stop`` (from another thread) ends the solve as its time limit would, with the
        best portfolio found: such an answer is not kept for the what-if asked again."""
        key = _key(changes)
        with self._lock:
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]
        with pool.slot(stop), po.stop_when(stop or threading.Event()), self.free_warm() as warm:
            answer = warm.solve(changes)
            data = shape(self, answer)
        text = dumps(data)
        if stop is not None and stop.is_set() and answer.solved.solution.status is not po.Status.OPTIMAL:
            return text  # cut short by the user: another time it may run to its end
        with self._lock:
            self.answers[key] = text
            while len(self.answers) > ANSWERS_KEPT:
                self.answers.popitem(last=False)
        return text

    def story(self, changes: Sequence[po.Change], initiative_id: str, pool: SolvePool) -> dict[str, Any]:
        """The story of ``initiative_id`` (an ID of the plan) in the optimum of the plan with
        ``changes`` made: why it is in or out, what it would take, the value lost if flipped, all
        of the changed plan. Told in a slot of ``pool`` unless it was told already; raises what
        :meth:`WarmPlan.solve` raises (an infeasible what-if has no story)."""
        key = (_key(changes), initiative_id)
        with self._lock:
            if key in self.stories:
                self.stories.move_to_end(key)
                return self.stories[key]
        with pool.slot(), self.free_warm() as warm:  # the what-if's solve, then its re-solves
            answer = warm.solve(changes)
            result = po.explain(answer.result(), initiative_ids=[initiative_id], limits=False)
        row = next(r for r in po.to_dict(result)["initiatives"] if r["id"] == initiative_id)
        told = {
            "id": initiative_id,
            "plan": self.id,
            "changes": [c.label for c in answer.changes],
            "story": po.story(result, initiative_id),
            "figures": row,
        }
        with self._lock:
            self.stories[key] = told
            while len(self.stories) > STORIES_KEPT:
                self.stories.popitem(last=False)
        return told

    def summary(self) -> dict[str, Any]:
        """The plan as ``GET /api/plans`` lists it."""
        return {
            "id": self.id,
            "name": self.name,
            "initiatives": len(self.plan.initiatives),
            "budget": self.plan.settings.budget,
            "limits": [lim.name for lim in self.plan.limits],
        }


def _key(changes: Sequence[po.Change]) -> tuple:
    """A what-if's changes as a key: the same changes asked again find the same answer."""
    return tuple((str(c.kind), repr(c.value), repr(c.target)) for c in changes)


class SolvePool:
    """At most ``workers`` solves at once and ``queue`` more waiting; past that :class:`Busy`.

    Bounded so that a flood of what-ifs waits or is turned away (503) instead of piling threads
    and memory on the server; each solve keeps its plan's own time limit.
    """

    def __init__(self, workers: int = 2, queue: int = 64):
        self.workers = workers
        self.slots = threading.BoundedSemaphore(workers)
        self.queue = queue
        self._waiting = 0
        self._lock = threading.Lock()

    def idle(self, timeout: float) -> bool:
        """Wait until no solve runs (at most ``timeout`` seconds); True when none does. A solve
        left running when the process ends would be cut inside the solver's threads."""
        taken = 0
        for _ in range(self.workers):
            if not self.slots.acquire(timeout=timeout):
                break
            taken += 1
        for _ in range(taken):
            self.slots.release()
        return taken == self.workers

    @contextlib.contextmanager
    def slot(self, stop: threading.Event | None = None) -> Iterator[None]:
        """Hold a solve slot for the ``with`` block, waiting in the queue; :class:`Busy` when full.
        Setting ``stop`` while it waits gives up the wait (:class:`~portfolio_opt.NoPortfolioFound`)."""
        if not self.slots.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.queue:
                    raise Busy()
                self._waiting += 1
            try:
                while not self.slots.acquire(timeout=0.05 if stop is not None else None):
                    if stop is not None and stop.is_set():  # cancelled before its search began
                        raise po.NoPortfolioFound("stopped at the user's request before the search began")
            finally:
                with self._lock:
                    self._waiting -= 1
        try:
            yield
        finally:
            self.slots.release()


class Plans:
    """Every plan the server holds, by id; thread-safe."""

    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[Room]:
        with self._lock:
            return iter(list(self._rooms.values()))

    def get(self, plan_id: str) -> Room:
        """The plan with ``plan_id``; refused (404) when the server holds none."""
        with self._lock:
            room = self._rooms.get(plan_id)
        if room is None:
            raise Refused([Refusal("id", f"no plan has the id {plan_id!r}", "GET /api/plans lists the plans")], 404)
        return room

    def add(self, name: str, data: bytes, plan: po.Plan | None = None) -> Room:
        """Keep a workbook's plan (read from ``data`` unless given) under its content hash."""
        if plan is None:
            _check_name(name)
        plan_id = hashlib.sha256(data).hexdigest()[:16]
        with self._lock:
            if plan_id in self._rooms:
                return self._rooms[plan_id]
        plan = plan if plan is not None else read_upload(name, data)
        room = Room(plan_id, _harmless(name), plan, po.WarmPlan(plan))
        with self._lock:
            return self._rooms.setdefault(plan_id, room)

    def load(self, path: str) -> Room:
        """Keep the workbook at ``path`` (given on the command line, by the server's owner)."""
        with open(path, "rb") as f:
            data = f.read()
        return self.add(os.path.basename(path), data, po.read_plan(path))


def read_upload(name: str, data: bytes) -> po.Plan:
    """The plan in an uploaded workbook, read from a private temporary file that is gone after.

    Refused with every problem by sheet and cell (as ``validate`` lists them) when it is not a
    planning workbook, and before any XML is parsed when its archive would inflate past
    :data:`MAX_INFLATED`.
    """
    suffix = _check_name(name)
    _check_inflated(name, data)
    with tempfile.TemporaryDirectory(prefix="portfolio-opt-upload-") as folder:
        # the name the user gave, made harmless: the plan keeps it as its source's name
        path = os.path.join(folder, _harmless(name) + suffix)
        with open(path, "wb") as f:
            f.write(data)
        try:
            return po.read_plan(path)
        except po.InvalidWorkbook as exc:
            raise Refused([Refusal(p.where, p.message, p.fix) for p in exc.problems]) from None


def _harmless(name: str) -> str:
    """An upload's name without its suffix, reduced to letters, digits and ``_.- `` (a file name
    on the server and a label on the page, never a path).

    >>> _harmless("<img src=x>.xlsx"), _harmless("../../etc/passwd.xlsx")
    ('-img src-x-', 'passwd')
    """
    stem = os.path.splitext(os.path.basename(name.replace("\\", "/")))[0]
    return re.sub(r"[^A-Za-z0-9_. -]+", "-", stem)[:100].strip(" .") or "upload"


def _check_name(name: str) -> str:
    """The suffix of an upload's name; refused when it names no workbook the reader reads."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in SUFFIXES:
        fix = f"Upload a planning workbook ({', '.join(SUFFIXES)})"
        raise Refused([Refusal("file", f"{name[:200]!r} is not a workbook file name", fix)])
    return suffix


def _check_inflated(name: str, data: bytes) -> None:
    """Refuse an archive whose parts declare more than :data:`MAX_INFLATED` bytes in all."""
    if not data.startswith(b"PK"):
        return  # not an archive: an .xls, or not a workbook (the reader says which)
    try:
        import io

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # the reader names the damage
    if total > MAX_INFLATED:
        raise Refused(
            [
                Refusal(
                    "file",
                    f"{name!r} would inflate to {total:,} bytes, over the server's {MAX_INFLATED:,}",
                    "Upload the workbook itself (a planning workbook is a few MB at most)",
                )
            ],
            413,
        )


# ---------------------------------------------------------------------------- what-ifs


def choices(plan: po.Plan, scoring: po.Scoring | None = None) -> dict[str, list[str]]:
    """The objectives and scorings a what-if on ``plan`` may switch to (with ``scoring``, the
    objectives that scoring allows): what the plan's columns can score.

    Expected value needs only the columns every plan has; the plan's own scoring is always
    there; weighted and blend need the criteria scores, which a plan read with either has (a
    WSJF or RICE plan's scores are figures of their own, not criteria). NPV (benefit minus
    cost) needs a scoring in money.

    >>> from portfolio_opt import Initiative, Plan
    >>> choices(Plan((Initiative("A", "a", 1e6, 0.6, 6, 4e5),)))
    {'objective': ['value', 'npv'], 'scoring': ['expected value']}
    """
    own = plan.settings.scoring
    scorings = [po.Scoring.EXPECTED_VALUE, own]
    if own.uses_criteria:
        scorings += [po.Scoring.WEIGHTED, po.Scoring.BLEND]
    scoring = own if scoring is None else scoring
    objectives = [po.Objective.VALUE] + ([po.Objective.NPV] if scoring.is_money else [])
    return {
        "objective": [o.value for o in objectives],
        "scoring": [str(s) for s in po.Scoring if s in scorings],
    }


def _settings_of(plan: po.Plan, body: Mapping[str, Any], problems: list[Refusal]) -> list[po.Change]:
    """The setting changes a what-if asks for (``scoring``, then ``objective``), each checked
    against :func:`choices`; a refusal names the field, the value and the choices."""
    changes: list[po.Change] = []
    scoring = body.get("scoring")
    allowed = choices(plan)["scoring"]
    if scoring is not None:
        if scoring not in allowed:
            problems.append(_not_a_choice("scoring", scoring, allowed))
            scoring = None
        elif scoring != plan.settings.scoring:
            kind = po.Scoring(scoring)
            changes.append(po.Change(po.ChangeKind.SETTING, kind, f"Scoring {kind}", "scoring"))
    objective = body.get("objective")
    if objective is not None:
        allowed = choices(plan, None if scoring is None else po.Scoring(scoring))["objective"]
        if objective not in allowed:
            problems.append(_not_a_choice("objective", objective, allowed))
        elif objective != plan.settings.objective.value:
            aim = po.Objective(objective)
            changes.append(po.Change(po.ChangeKind.SETTING, aim, f"Objective {aim.value}", "objective"))
    return changes


def _not_a_choice(field: str, value: Any, allowed: Sequence[str]) -> Refusal:
    """A setting the plan does not allow, with the ones it does."""
    article = "an" if field[0] in "aeiou" else "a"
    return Refusal(field, f"{value!r} is not {article} {field} this plan allows", f"Use one of: {', '.join(allowed)}")


def changes_of(plan: po.Plan, body: Mapping[str, Any]) -> list[po.Change]:
    """The library's changes a what-if body asks for (scoring, objective, budget, force_in,
    force_out, clear, limits), in that order; :class:`Refused` naming every unknown ID, limit
    name or setting the plan does not allow."""
    problems: list[Refusal] = []
    changes: list[po.Change] = _settings_of(plan, body, problems)
    budget = body.get("budget")
    if budget is not None:
        changes.append(po.Change(po.ChangeKind.BUDGET, float(budget), f"Budget {float(budget):,.0f}"))
    for field, label in (("force_in", "Force in"), ("force_out", "Force out"), ("clear", "Clear")):
        for k, typed in enumerate(body.get(field) or ()):
            try:
                ini = plan.find(typed)  # as the command line finds it: ini-7 is INI-007
            except po.UnknownInitiative as exc:
                problems.append(_unknown_id(f"{field}[{k}]", exc))
                continue
            changes.append(po.Change(po.ChangeKind(field), None, f"{label} {ini}", ini))
    by_name: dict[str, list[int]] = {}
    for k, lim in enumerate(plan.limits):
        by_name.setdefault(lim.name, []).append(k)
    for name, bounds in (body.get("limits") or {}).items():
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            problems.append(Refusal(f"limits.{name}", f"{name!r} is not a limit of the plan", f"Use one of: {known}"))
            continue
        for side in ("min", "max"):
            value = (bounds or {}).get(side)
            if value is not None:
                ks = tuple(by_name[name])
                label = f"{side.capitalize()} {name} {float(value):,g}"
                changes.append(po.Change(po.ChangeKind(f"limit_{side}"), float(value), label, ks))
    if problems:
        raise Refused(problems)
    return changes


def initiative_of(plan: po.Plan, typed: str) -> str:
    """The ID of the initiative ``typed`` names (as the command line finds it: ini-7 is INI-007);
    refused (404) naming it, with the IDs most likely meant."""
    try:
        return plan.find(typed)
    except po.UnknownInitiative as exc:
        raise Refused([_unknown_id("initiative", exc)], 404) from None


def _unknown_id(where: str, exc: po.UnknownInitiative) -> Refusal:
    """An ID the plan lacks, with the ones most likely meant as the fix."""
    if exc.suggestions:
        fix = f"Did you mean {', '.join(exc.suggestions)}?"
    else:
        fix = "Use an ID from the plan's Initiatives (GET /api/plans/{id})"
    return Refusal(where, f"{exc.typed!r} is not an initiative ID of the plan", fix)


def body_of(plan: po.Plan, changes: Sequence[po.Change]) -> dict[str, Any]:
    """The what-if body that makes ``changes`` to ``plan`` (the inverse of :func:`changes_of`),
    for a saved scenario."""
    body: dict[str, Any] = {"budget": None, "force_in": [], "force_out": [], "clear": [], "limits": {}}
    for c in changes:
        kind = str(c.kind)
        if kind == "setting":
            body[c.target] = c.value.value if isinstance(c.value, po.Objective) else str(c.value)
        elif kind == "budget":
            body["budget"] = c.value
        elif kind in ("force_in", "force_out", "clear"):
            body[kind].append(c.target)
        elif kind in ("limit_min", "limit_max"):
            name = plan.limits[c.target[0]].name
            body["limits"].setdefault(name, {})[kind.removeprefix("limit_")] = c.value
    return body


def unsolved_dict(plan_id: str, exc: Exception) -> dict[str, Any]:
    """A what-if without a portfolio: infeasible (the conflict named) or stopped at its time limit."""
    if isinstance(exc, po.Infeasible):
        data = exc.to_dict()
    else:
        data = {"status": "no_portfolio", "message": str(exc)}
    return data | {"plan": plan_id, "entered": [], "left": [], "value_change": None}


def dumps(data: Any) -> bytes:
    """``data`` as JSON: plain and compact when it is plain (the library's dicts are: a tenth of
    the time of a generic encoder on a 1,000-initiative answer), else through the library's own
    :func:`~portfolio_opt.to_json`, which cleans NaN, infinity and enums."""
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = po.to_json(data)
    return text.encode()


def answer_dict(room: Room, answer: Any) -> dict[str, Any]:
    """A what-if's answer: the ``optimize --json`` object plus what moved against the plan as
    given, and the objective and scoring it was solved with. ``value_change`` is None when they
    are not the plan's own: values measured two ways do not subtract."""
    result = answer.result()
    data = po.to_dict(result)
    s, given = answer.plan.settings, room.plan.settings
    same = (s.objective, s.scoring) == (given.objective, given.scoring)
    data.update(
        plan=room.id,
        entered=list(answer.entered),
        left=list(answer.left),
        value_change=round(answer.value_change, 6) if same else None,
        settings={"objective": s.objective.value, "scoring": str(s.scoring)},
        baseline_objective=round(answer.baseline.objective, 6),
        changes=[c.label for c in answer.changes],
        seconds=round(answer.seconds, 4),
        warm=answer.warm,
        # regret and break-even need a re-solve per initiative: asked for one at a time
        # (GET /api/plans/{id}/initiatives/{iid}), never delaying the answer
        pending=["regret", "break_even"],
    )
    return data
