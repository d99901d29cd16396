"""Alembic's environment: runs the migrations on the connection that ``verbund.store`` passes in."""

from __future__ import annotations

from alembic import context

from verbund.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run Verbund's migrations through verbund.store.upgrade (`verbund db upgrade`), "
        "not the alembic command: they need an open connection"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=config.get_main_option("version_table", "verbund_schema_version"),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
