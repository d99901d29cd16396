"""Real databases for the store tests: a temporary SQLite file and a PostgreSQL database.

PostgreSQL: ``VERBUND_TEST_DATABASE_URL`` when set (a database the tests may migrate and write
to); otherwise the local server at ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, in
which the session creates a throwaway database and drops it at the end. When neither is
possible, every PostgreSQL test fails (never skips) and says what to install or set.

Fixtures: ``database_url`` and ``database`` (migrated) run a test once per backend;
``fresh_url`` is an empty database (a new SQLite file, a new PostgreSQL schema); ``hotline`` is a
configured hotline with a name of its own, so that tests sharing a PostgreSQL database never meet.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from verbund.store import Database, open_database, save_config, sqlite_url

from .workload import hotline_config

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def _libpq(url: sa.URL) -> str:
    """A SQLAlchemy URL as a libpq connection string for psycopg."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("VERBUND_TEST_DATABASE_URL")
    if given:
        yield given
        return
    server = make_url(LOCAL_SERVER)
    name = f"verbund_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(_libpq(server), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.fail(
            "The PostgreSQL store tests need a server, and they must run (CI included): "
            "set VERBUND_TEST_DATABASE_URL=postgresql+psycopg://user:password@host:5432/dbname, "
            f"or run PostgreSQL locally so that {LOCAL_SERVER} connects without a password and "
            "may CREATE DATABASE (e.g. `apt install postgresql` and trust auth for 127.0.0.1). "
            f"Connecting failed: {exc}",
            pytrace=False,
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(server), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    with psycopg.connect(_libpq(base), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def hotline(database: Database) -> str:
    name = f"h-{uuid.uuid4().hex[:12]}"
    save_config(database, hotline_config(name))
    return name
