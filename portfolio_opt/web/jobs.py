"""Long what-ifs as jobs a page follows: how far the search has got, and a stop that keeps the
best portfolio found. No web framework here: the app (:mod:`portfolio_opt.web.app`) calls this.

A what-if asked with ``"wait": false`` runs in a thread of its own; the request waits a
:data:`MOMENT` for it and answers inline if it is done by then (the same JSON as a waiting
what-if), else ``202`` with the job's id. ``GET /api/jobs/{job}`` says how it stands (the best
value found so far, the bound, the gap, in figures and in words) and holds the answer once
done; ``POST /api/jobs/{job}/cancel`` stops the search as the plan's time limit would.

Bounded as the pool is: at most its workers and queue of jobs run at once (more is
:class:`~portfolio_opt.web.room.Busy`), and a finished job is forgotten after
:data:`FORGET_AFTER` seconds, or sooner when more than :data:`FINISHED_KEPT` have finished.
"""

from __future__ import annotations

import collections
import json
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import portfolio_opt as po
from portfolio_opt.web.room import Busy, Refusal, Refused, Room, SolvePool, answer_dict, dumps, unsolved_dict

#: how long (seconds) a what-if asked with ``"wait": false`` may take and still answer inline
MOMENT = 0.5
#: how long (seconds) a finished job's answer stays to be fetched
FORGET_AFTER = 600.0
#: the most finished jobs kept at once (the oldest are forgotten first)
FINISHED_KEPT = 64
#: how long (seconds) a cancel waits for the search to end before it answers anyway (the job
#: still running then; the page follows it): a HiGHS search stops within moments, while a CBC
#: search or one still building its program runs on, and a request thread is not held for it
CANCEL_WAIT = 5.0
#: the states of a job: running, then one of the others
STATES = ("running", "done", "stopped", "failed")


@dataclass
class Job:
    """One what-if solving in a thread: what is known of its search, and its answer once done."""

    id: str
    plan: str
    changes: tuple[str, ...]
    target: float
    time_limit: float | None
    started: float = field(default_factory=time.monotonic)
    state: str = "running"
    best: float | None = None
    bound: float | None = None
    gap: float | None = None
    ended: float | None = None
    #: the answer as JSON (the solve route's), once done or stopped with a portfolio
    answer: bytes | None = None
    #: the answer's status, gap and message (read once, for the job's words)
    outcome: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Refusal, ...] = ()
    status_code: int = 200
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def hear(self, event: po.ProgressEvent) -> None:
        """Keep a progress event's figures (the solver's, at most once a second)."""
        if event.best is not None:
            self.best, self.bound, self.gap = event.best, event.bound, event.gap

    def elapsed(self) -> float:
        """Seconds since the job began, up to its end once it has ended."""
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    def to_json(self) -> bytes:
        """How the job stands, as ``GET /api/jobs/{job}`` answers (the answer spliced in as it is)."""
        data: dict[str, Any] = {
            "job": self.id,
            "plan": self.plan,
            "status": self.state,
            "changes": list(self.changes),
            "elapsed": round(self.elapsed(), 2),
            "best": self.best,
            "bound": self.bound,
            "gap": self.gap,
            "gap_percent": None if self.gap is None else round(100 * self.gap, 4),
            "target_gap_percent": round(100 * self.target, 6),
            "message": self.message(),
        }
        if self.problems:
            data["problems"] = [p.to_dict() for p in self.problems]
        text = dumps(data)
        return text[:-1] + b',"answer":' + (self.answer or b"null") + b"}"

    def message(self) -> str:
        """How the job stands, in plain words for the page."""
        took = f"{self.elapsed():.1f} s"
        if self.state == "failed":
            return f"The what-if failed after {took}: " + "; ".join(p.message for p in self.problems)
        if self.state == "running":
            if self.stop.is_set():
                return f"Stopping after {took}..."
            if self.gap is None:
                return f"Solving for {took}: no portfolio found yet."
            within = _share(self.gap)
            return f"Solving for {took}: the best portfolio found so far is within {within} of the best possible."
        status, gap = self.outcome.get("status"), self.outcome.get("gap")
        if self.state == "stopped":
            if not self.answer:
                return f"Stopped at your request after {took}, before any portfolio was found."
            within = f"within {_share(gap)} of" if gap is not None else "at an unknown distance from"
            return f"Stopped at your request after {took}: the best portfolio found is {within} the best possible."
        if status == "feasible":
            limit = f" ({self.time_limit:g} s)" if self.time_limit is not None else ""
            within = f"within {_share(gap)} of" if gap is not None else "at an unknown distance from"
            return f"Stopped at the plan's time limit{limit}: the best portfolio found is {within} the best possible."
        if status in ("infeasible", "no_portfolio"):
            return f"Finished in {took}: {self.outcome.get('message') or 'no portfolio keeps every limit'}"
        return f"Solved in {took}."


def _share(gap: float) -> str:
    """A gap as a percentage people read: 0.57%, 0.0089%, 12%."""
    pct = 100 * max(gap, 0.0)
    return f"{pct:.2g}%" if pct < 10 else f"{pct:.0f}%"


class Jobs:
    """The what-ifs solving as jobs, by id; thread-safe and bounded (see the module's docstring)."""

    def __init__(self, pool: SolvePool):
        self.pool = pool
        self._jobs: collections.OrderedDict[str, Job] = collections.OrderedDict()
        self._lock = threading.Lock()

    def start(self, room: Room, changes: Sequence[po.Change]) -> Job:
        """A job solving ``changes`` to ``room``'s plan in a thread of its own; :class:`Busy`
        when as many jobs run as the pool has workers and queue."""
        s = room.plan.settings
        job = Job(secrets.token_urlsafe(12), room.id, tuple(c.label for c in changes), s.gap, s.time_limit)
        with self._lock:
            self._forget()
            running = sum(1 for j in self._jobs.values() if j.state == "running")
            if running >= self.pool.workers + self.pool.queue:
                raise Busy()
            self._jobs[job.id] = job
        worker = threading.Thread(target=self._run, args=(job, room, changes), daemon=True, name="portfolio-opt-job")
        worker.start()
        return job

    def get(self, job_id: str) -> Job:
        """The job with ``job_id``; refused (404) when there is none (or it was forgotten)."""
        with self._lock:
            self._forget()
            job = self._jobs.get(job_id)
        if job is None:
            fix = f"A finished job is kept {FORGET_AFTER:g} s: ask the what-if again"
            raise Refused([Refusal("job", f"no job has the id {job_id[:80]!r}", fix)], 404)
        return job

    def cancel(self, job_id: str) -> Job:
        """Stop the job's search (it keeps the best portfolio found) and wait for it to end."""
        job = self.get(job_id)
        job.stop.set()
        job.finished.wait(CANCEL_WAIT)
        return job

    def _run(self, job: Job, room: Room, changes: Sequence[po.Change]) -> None:
        """Solve the job's what-if, hearing its progress, and keep how it ended."""
        try:
            with po.on_progress(job.hear):
                answer = room.answer(changes, self.pool, answer_dict, job.stop)
            data = json.loads(answer)
            job.outcome = {"status": data.get("status"), "gap": (data.get("solver") or {}).get("gap")}
            job.answer = answer
            job.state = "stopped" if job.stop.is_set() and data.get("status") != "optimal" else "done"
        except (po.Infeasible, po.NoPortfolioFound) as exc:
            if job.stop.is_set() and isinstance(exc, po.NoPortfolioFound):
                job.state = "stopped"
            else:
                data = unsolved_dict(room.id, exc)
                job.outcome = {"status": data.get("status"), "message": data.get("message")}
                job.answer, job.state = dumps(data), "done"
        except Busy:
            problem = Refusal("server", "every solve slot is busy and the queue is full", "Try again in a moment")
            job.problems, job.status_code, job.state = (problem,), 503, "failed"
        except Exception as exc:  # a job's thread has no one above it: its failure is its answer
            if not isinstance(exc, po.PortfolioError):
                logging.getLogger(__name__).exception("what-if job %s failed", job.id)
            job.problems, job.status_code, job.state = (_failure(exc),), 422, "failed"
        finally:
            job.ended = time.monotonic()
            job.finished.set()

    def _forget(self) -> None:
        """Forget finished jobs older than :data:`FORGET_AFTER`, and the oldest past :data:`FINISHED_KEPT`."""
        now = time.monotonic()
        finished = [j for j in self._jobs.values() if j.ended is not None]
        finished.sort(key=lambda j: j.ended or 0.0)
        for k, job in enumerate(finished):
            if now - (job.ended or now) > FORGET_AFTER or k < len(finished) - FINISHED_KEPT:
                del self._jobs[job.id]


def _failure(exc: Exception) -> Refusal:
    """What went wrong in a job, as the API's refusals say it."""
    if isinstance(exc, po.PortfolioError):
        return Refusal("request", str(exc), "See the message; the server's log has no more")
    return Refusal("server", f"the solve failed ({type(exc).__name__})", "Try again; report it if it keeps failing")
