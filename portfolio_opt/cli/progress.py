"""How far a command has got, on stderr: the line a person watches on a terminal, and one line
per long stage in a log. Never anything on stdout (it is for results and --json)."""

from __future__ import annotations

import shutil
import sys
import time

import portfolio_opt as po


class ProgressLine:
    """Progress on stderr: a line redrawn in place on a terminal; elsewhere (CI logs, files) one
    line per stage that took a second or more, when it ends. Listens to the library's events
    (:func:`portfolio_opt.on_progress`)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.depth = 0
        self.shown = 0
        self.last = 0.0
        self.outer: po.ProgressEvent | None = None  # the outermost open stage, as it began
        self.began = 0.0

    def __call__(self, e: po.ProgressEvent) -> None:
        if e.note:
            # how a long solve stands: said on the line of a single job (Solving, Finding the
            # budget range), never on a sweep's count, whose solves each have their own
            if self.tty and self.outer is not None and not self.outer.total:
                self._draw(
                    po.ProgressEvent(
                        self.outer.stage, self.outer.done, None, time.perf_counter() - self.began, note=e.note
                    )
                )
            return
        if e.done == 0 and not e.finished:
            self.depth += 1
            if self.depth == 1:
                self.outer, self.began = e, time.perf_counter()
        outer = self.depth == 1
        if e.finished:
            self.depth -= 1
        if not outer:
            return  # a stage inside another (a solve within a sweep): the outer one speaks
        if e.finished:
            self.outer = None
        if not self.tty:
            if e.finished and e.seconds >= 1.0:
                count = f" {e.done:,}/{e.total:,}" if e.total else ""
                self.stream.write(f"{e.stage}:{count} done in {e.seconds:.1f} s\n")
                self.stream.flush()
            return
        if e.finished:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
        elif e.done == 0 or e.seconds - self.last >= 0.1 or e.done == e.total:
            self._draw(e)

    def _draw(self, e: po.ProgressEvent) -> None:
        self.last = e.seconds
        count = f" {e.done:,}/{e.total:,}" if e.total else ""
        # a stage that never steps (one long solve) is drawn when it begins and when its solve
        # says how it stands: a clock drawn only once would stand at 0 s, so then it has none
        if e.note:
            text = f"{e.stage}:{count} {e.seconds:.0f} s, {e.note}"
        else:
            clock = f"  {e.seconds:.0f} s" if e.total or e.done else ""
            text = f"{e.stage}:{count}" + ("" if e.total else " ...") + clock
        # a line longer than the terminal wraps, and "\r" then redraws only its last part: a
        # closing aside goes first, then the end of the line
        width = max(20, shutil.get_terminal_size().columns - 1)
        if len(text) > width and text.endswith(")") and " (" in text:
            text = text.rsplit(" (", 1)[0]
        text = text[:width]
        self.stream.write("\r" + text.ljust(self.shown))
        self.shown = len(text)
        self.stream.flush()
