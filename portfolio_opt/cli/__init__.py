"""The ``portfolio-opt`` command: a face of the library, nothing more.

Each command parses its options, calls the public library (only names in
:data:`portfolio_opt.__all__`; a test holds every module here to it), and prints what comes
back: lines for people, or one JSON object with --json. :mod:`.commands` holds the commands,
:mod:`.governance` those of the plan of record, :mod:`.recording` how a run is recorded,
:mod:`.options` the options they share (each declared once), :mod:`.running` how every command
runs (errors, exit codes, stops) and :mod:`.progress` the progress line.
"""

from portfolio_opt.cli import governance  # noqa: F401  (its commands join main)
from portfolio_opt.cli.commands import main

__all__ = ["main"]
