"""Alembic environment: runs on the connection the front door hands over (see database.upgrade)."""
from alembic import context

from servicedesk.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `frontdoor db upgrade`, which supplies the connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
