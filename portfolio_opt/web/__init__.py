"""The portfolio room: a local web app for live what-ifs, exact at every click (``portfolio-opt serve``).

:mod:`.room` holds the plans and the bounded solve pool, :mod:`.records` the scenarios in the
plan of record, :mod:`.security` the tokens, roles, CSRF check and headers, :mod:`.app` the
JSON API and the page (FastAPI; the ``web`` extra), :mod:`.server` starts it. Like the command
line, it calls only the public API (:data:`portfolio_opt.__all__`).
"""
