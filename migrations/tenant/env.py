"""Alembic environment of the tenant tables; the connection comes from engine.store.migrate."""

from alembic import context

from engine.store.tables import tenant_metadata as target_metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
