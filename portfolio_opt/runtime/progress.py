"""How far a long run has got, as events: the library says what it is doing, the caller decides
how to show it (the command line draws a line on a terminal; a library user may pass anything).

    with progress.stage("Frontier", total=25) as step:
        for point in points:
            solve(point)
            step()

Work inside a stage may also say how it stands (a long solve: how close its best portfolio is
to the best possible) through :func:`noting`; that arrives as an event with a ``note``, and a
solve's figures (the best value found, the bound, the gap) beside it for a listener that draws
its own line (the portfolio room's page does).

Nothing is shown unless a listener is installed with :func:`listening`; the events cost next to
nothing otherwise. Worker processes never report: their parent counts what comes back.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Event:
    """A stage began (``done`` 0), moved on, or ended (``finished``)."""

    stage: str
    done: int
    total: int | None
    seconds: float
    finished: bool = False
    #: how the stage's current work stands, in words (see :func:`noting`); "" when not said
    note: str = ""
    #: a long solve's figures with its note: the best objective value found so far, the bound
    #: (no portfolio can be worth more) and the relative gap between them; None when not known
    best: float | None = None
    bound: float | None = None
    gap: float | None = None


Listener = Callable[[Event], None]


class Standing(str):
    """A long solve's note: its words (it is the string), with its figures beside them (the best
    value found, the bound, the gap), so whoever says a note may pass either."""

    best: float | None
    bound: float | None
    gap: float | None

    def __new__(
        cls, text: str, best: float | None = None, bound: float | None = None, gap: float | None = None
    ) -> Standing:
        said = super().__new__(cls, text)
        said.best, said.bound, said.gap = best, bound, gap
        return said


#: how work inside a stage says how it stands (see :func:`noting`): words, or a :class:`Standing`
Note = Callable[[str], None]


class Step(Protocol):
    """A stage's counter: ``step()`` counts one item done, ``step(n)`` counts ``n``."""

    def __call__(self, n: int = 1) -> None:
        """Count ``n`` items of the stage done."""


_listener: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("portfolio_opt_progress", default=None)
#: the innermost open stage's way of saying how its work stands (see :func:`noting`)
_noter: contextvars.ContextVar[Note | None] = contextvars.ContextVar("portfolio_opt_progress_note", default=None)


@contextlib.contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send the progress events of everything run inside to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def silence() -> None:
    """No events from here on in this process (worker processes call it when they start)."""
    _listener.set(None)


def _uncounted(n: int = 1) -> None:
    """A stage's counter when no one listens."""


@contextlib.contextmanager
def stage(name: str, total: int | None = None) -> Iterator[Step]:
    """A stage of work; the yielded function counts items done (``step()`` or ``step(n)``)."""
    listener = _listener.get()
    if listener is None:
        yield _uncounted
        return
    started = time.perf_counter()
    done = 0

    def step(n: int = 1) -> None:
        nonlocal done
        done += n
        listener(Event(name, done, total, time.perf_counter() - started))

    def say(text: str) -> None:
        best, bound, gap = (text.best, text.bound, text.gap) if isinstance(text, Standing) else (None, None, None)
        seconds = time.perf_counter() - started
        listener(Event(name, done, total, seconds, note=str(text), best=best, bound=bound, gap=gap))

    listener(Event(name, 0, total, 0.0))
    token = _noter.set(say)
    try:
        yield step
    finally:
        _noter.reset(token)
        listener(Event(name, done, total, time.perf_counter() - started, finished=True))


def noting() -> Note | None:
    """How to say how the innermost open stage's work stands (a long solve: how close its best
    portfolio is to the best possible), or None when nobody listens: callers skip the work of
    saying it then."""
    return _noter.get() if _listener.get() is not None else None
