"""Defaults that ``portfolio-opt --help`` prints, kept apart from the modules that use them.

The help text is built when the CLI module loads; reading these figures from
:mod:`.explain` would load the program builder and numpy for ``--help`` too. This module
imports nothing. :mod:`.explain` uses and re-exports them.
"""

#: plans up to this many initiatives are explained in full by default: re-solving each one
#: stays a short wait on a two-core laptop (benchmarks/bench_explain.py measures it)
FULL_UP_TO = 500
#: beyond that, about the same work: this many divided by the plan's initiatives
WORK = FULL_UP_TO * FULL_UP_TO
#: ``max_initiatives`` that means "the default for the plan's size"
AUTO = "auto"
#: The default time for explanations: this many times the main solve, and at least MIN_TIME
#: seconds (``explain(time_budget=...)``, ``--explain-time``)
TIME_FACTOR = 20
MIN_TIME = 60.0  #: the least time explanations get, in seconds
