"""Real databases for the store tests: a temporary SQLite file and a PostgreSQL database.

PostgreSQL: ``postgres_url`` from ``tests/conftest.py`` (``VERBUND_TEST_DATABASE_URL`` or a
throwaway database on the local server; a failure, never a skip, when neither works).

Fixtures: ``database_url`` and ``database`` (migrated) run a test once per backend;
``fresh_url`` is an empty database (a new SQLite file, a new PostgreSQL schema); ``hotline`` is a
configured hotline with a name of its own, so that tests sharing a PostgreSQL database never meet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import libpq
from verbund.store import Database, open_database, save_config, sqlite_url

from .workload import hotline_config

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path_factory.mktemp("sqlite") / "verbund.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = open_database(database_url, upgrade_schema=True)
    yield database
    database.close()


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database: a SQLite file not created yet, or a new schema on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("fresh") / "verbund.db")
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq(base), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(libpq(base), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def hotline(database: Database) -> str:
    name = f"h-{uuid.uuid4().hex[:12]}"
    save_config(database, hotline_config(name))
    return name
