"""The record's schema migrations, run by Alembic on first use (see :mod:`portfolio_opt.store.migrate`)."""
