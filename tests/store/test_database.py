"""Opening databases: URLs, the SQLite settings, schema revisions and the migrations."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from verbund.store import (
    Database,
    StoreError,
    downgrade,
    head_revision,
    open_database,
    schema_revision,
    sqlite_url,
    upgrade,
)
from verbund.store.database import VERSION_TABLE
from verbund.store.tables import metadata


def test_a_fresh_sqlite_database_is_created_and_migrated_on_first_open(tmp_path: Path) -> None:
    path = tmp_path / "verbund.db"

    with open_database(sqlite_url(path)) as database:
        assert path.exists()
        assert schema_revision(database) == head_revision()
        assert {"journal", "snapshots", "contact_history", "hotlines"} <= set(
            sa.inspect(database.engine).get_table_names()
        )

    with open_database(sqlite_url(path)) as again:  # and opens as it is the second time
        assert schema_revision(again) == head_revision()


def test_sqlite_runs_in_wal_mode_with_normal_sync_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    with open_database(sqlite_url(tmp_path / "verbund.db")) as database, database.read() as c:
        pragma = {
            name: c.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }

    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 10000,
    }


def test_synchronous_full_can_be_asked_for_in_the_url(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "verbund.db") + "?synchronous=full"

    with open_database(url) as database, database.read() as c:
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_an_in_memory_sqlite_database_works_for_tests() -> None:
    with open_database("sqlite://") as database:
        assert schema_revision(database) == head_revision()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a database url", "is not a URL: expected sqlite:///"),
        ("mysql://u@host/db", "mysql is not supported; Verbund runs on SQLite and PostgreSQL"),
        ("postgresql+psycopg2://u@host/db", "write postgresql+psycopg://"),
        ("postgresql+asyncpg://u@host/db", "the driver is psycopg 3"),
        ("sqlite+aiosqlite:///x.db", "use plain sqlite:///path"),
        ("sqlite:///x.db?synchronous=sometimes", "expected one of off, normal, full, extra"),
    ],
)
def test_a_bad_url_says_what_to_write(url: str, message: str) -> None:
    with pytest.raises(StoreError) as error:
        open_database(url)

    assert message in str(error.value)


def test_a_password_never_shows_in_an_error() -> None:
    with pytest.raises(StoreError) as error:
        open_database("mysql://verbund:s3cret@db/verbund")

    assert "s3cret" not in str(error.value)
    assert "***" in str(error.value)


def test_an_unreachable_server_is_a_store_error_saying_what_to_check() -> None:
    started = time.monotonic()
    with pytest.raises(StoreError) as error:
        open_database("postgresql+psycopg://verbund:s3cret@127.0.0.1:1/verbund")

    assert "cannot open the database at postgresql+psycopg://verbund:***@127.0.0.1:1" in str(
        error.value
    )
    assert "Check that the server runs" in str(error.value)
    assert "s3cret" not in str(error.value)
    assert time.monotonic() - started < 10


def test_a_plain_postgresql_url_uses_psycopg(postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")

    with open_database(plain, upgrade_schema=True) as database:
        assert database.engine.dialect.driver == "psycopg"


def test_a_sqlite_file_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as error:
        open_database(sqlite_url(tmp_path / "nowhere" / "verbund.db"))

    assert "does not exist; create it or choose another path" in str(error.value)


@pytest.mark.parametrize("fresh_url", ["postgresql"], indirect=True)
def test_an_empty_server_database_is_not_migrated_unless_asked(fresh_url: str) -> None:
    with pytest.raises(StoreError) as error:
        open_database(fresh_url)
    assert "is empty; this Verbund needs revision" in str(error.value)
    assert "run `verbund db upgrade`" in str(error.value)

    upgrade(fresh_url)

    with open_database(fresh_url) as database:
        assert schema_revision(database) == head_revision()


def test_a_database_written_by_a_newer_verbund_is_refused(fresh_url: str) -> None:
    with open_database(fresh_url, upgrade_schema=True) as database, database.write() as c:
        c.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = 'f00dfeed'"))

    with pytest.raises(StoreError) as error:
        open_database(fresh_url)

    assert "schema revision f00dfeed, written by a newer Verbund" in str(error.value)
    assert "upgrade Verbund" in str(error.value)


def test_a_database_of_something_else_is_refused(fresh_url: str) -> None:
    engine = sa.create_engine(fresh_url)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()

    with pytest.raises(StoreError) as error:
        open_database(fresh_url, upgrade_schema=True)

    assert "holds tables but no Verbund schema version" in str(error.value)


def test_the_migrations_build_exactly_the_tables_of_the_code(database: Database) -> None:
    with database.read() as c:
        context = MigrationContext.configure(
            c, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_the_migrations_go_down_to_nothing_and_up_again(fresh_url: str) -> None:
    upgrade(fresh_url)
    with open_database(fresh_url) as database:
        downgrade(database, "base")
        assert set(sa.inspect(database.engine).get_table_names()) == {VERSION_TABLE}
        assert schema_revision(database) is None

        upgrade(database)

        assert schema_revision(database) == head_revision()
        assert "journal" in sa.inspect(database.engine).get_table_names()


def test_foreign_keys_hold_on_both_databases(database: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError), database.write() as c:
        c.execute(sa.text("INSERT INTO topics (hotline, name, position) VALUES ('nope', 't', 0)"))
