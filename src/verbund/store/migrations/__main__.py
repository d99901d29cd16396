"""Write a new migration from the difference between ``tables.py`` and a database at head.

    python -m verbund.store.migrations "add a column"   # uses a temporary SQLite database

Review what it wrote: autogenerate misses renames and some constraint changes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from verbund.store.database import alembic_config, head_revision, open_database, sqlite_url


def main() -> None:
    message = " ".join(sys.argv[1:]) or "schema change"
    with tempfile.TemporaryDirectory() as directory:
        database = open_database(sqlite_url(Path(directory) / "head.db"))
        with database.write() as connection:
            command.revision(
                alembic_config(connection),
                message=message,
                autogenerate=True,
                rev_id=f"{int(head_revision()) + 1:04d}",  # revisions are numbered 0001, 0002…
            )
        database.close()


if __name__ == "__main__":
    main()
