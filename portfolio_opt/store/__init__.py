"""The plan of record: a store of the portfolio's history (plans, runs, approvals, plans of
record, named scenarios) in SQLite or PostgreSQL, append-only and hash-chained. Above every
other layer but the command line; :mod:`.api` is its face (:func:`portfolio_opt.open_store`)."""
