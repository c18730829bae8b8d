"""Alembic's entry for the record's migrations: they run on the connection the store hands over
(``config.attributes["connection"]``), inside its transaction, so a migration is whole or absent."""

from alembic import context


def run() -> None:
    """Run the migrations Alembic was asked for, on the store's connection."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


run()
