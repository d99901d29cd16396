"""Opening a database: the embedded SQLite default or PostgreSQL, migrated by Alembic.

    database = open_database()                                  # ./verbund.db, created if new
    database = open_database(sqlite_url("/var/lib/verbund/verbund.db"))
    database = open_database("postgresql+psycopg://verbund:secret@db:5432/verbund")
    upgrade("postgresql+psycopg://…")                           # `verbund db upgrade`

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a commit survives the process being killed;
``?synchronous=full`` in the URL makes it survive a power cut too), foreign keys on and a busy
timeout. Transactions begin explicitly (``BEGIN``; ``BEGIN IMMEDIATE`` for :meth:`Database.write`,
so that two writers queue for the lock instead of failing half-way).

A fresh SQLite database is created and migrated on first open. Any other database must be at the
code's schema revision: an empty or older one is upgraded only when asked (``upgrade`` or
``open_database(..., upgrade_schema=True)``), one written by a newer Verbund is refused.
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from verbund.store import tables
from verbund.store.errors import StoreError

DEFAULT_PATH = "verbund.db"
DEFAULT_URL = f"sqlite:///{DEFAULT_PATH}"
VERSION_TABLE = "verbund_schema_version"  # not "alembic_version": the database may be shared
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_S = 10
_SYNCHRONOUS = ("off", "normal", "full", "extra")
_WRITE = "verbund_write"  # execution option: this transaction will write (BEGIN IMMEDIATE)
_MIGRATION_LOCK = zlib.crc32(b"verbund schema migration")  # pg_advisory_xact_lock key
_HINT_URL = (
    "expected sqlite:///path/to/verbund.db or postgresql+psycopg://user:password@host:5432/dbname"
)

json_dumps = functools.partial(
    json.dumps, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


class Database:
    """An open database: a SQLAlchemy engine and the Verbund tables (``metadata``).

    Use :meth:`write` for a transaction that writes and :meth:`read` for one that only reads;
    :meth:`close` (or ``with``) releases the connections.
    """

    metadata = tables.metadata

    def __init__(self, url: URL, engine: sa.Engine) -> None:
        self.url = url
        self.engine = engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def display_url(self) -> str:
        """The URL with its password hidden, for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a transaction that will write; committed when the block ends."""
        with self.engine.connect() as connection:
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read-only transaction (rolled back at the end)."""
        with self.engine.connect() as connection, connection.begin() as transaction:
            yield connection
            transaction.rollback()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"


def sqlite_url(path: str | Path = DEFAULT_PATH) -> str:
    """The URL of the SQLite database file at ``path``."""
    return URL.create("sqlite", database=str(path)).render_as_string()


def open_database(url: str | URL = DEFAULT_URL, *, upgrade_schema: bool = False) -> Database:
    """Open the database at ``url``, check its schema revision and return it.

    A new SQLite database is created and migrated. With ``upgrade_schema`` an empty or older
    database of any kind is migrated to the code's revision; without it, that is a
    :class:`StoreError` saying to run ``verbund db upgrade``.
    """
    database = _connect(url)
    try:
        current, empty = _schema_state(database)
        head = head_revision()
        if current == head:
            return database
        if current is None and not empty:
            raise StoreError(
                f"the database at {database.display_url} holds tables but no Verbund schema "
                f"version (table {VERSION_TABLE}): point Verbund at its own database"
            )
        if current is not None and not _known_revision(current):
            raise StoreError(
                f"the database at {database.display_url} has schema revision {current}, "
                f"written by a newer Verbund than this one (which knows up to {head}): "
                "upgrade Verbund, or use a database that matches it"
            )
        if upgrade_schema or (empty and database.is_sqlite):
            upgrade(database)
            return database
        what = "is empty" if current is None else f"is at schema revision {current}"
        raise StoreError(
            f"the database at {database.display_url} {what}; this Verbund needs revision {head}: "
            "run `verbund db upgrade` (back the database up first)"
        )
    except BaseException:
        database.close()
        raise


def upgrade(target: str | URL | Database = DEFAULT_URL, revision: str = "head") -> None:
    """Run the Alembic migrations of ``target`` up to ``revision`` (default: the newest)."""
    _migrate(target, "upgrade", revision)


def downgrade(target: str | URL | Database, revision: str) -> None:
    """Run the Alembic migrations of ``target`` down to ``revision`` (``"base"``: nothing)."""
    _migrate(target, "downgrade", revision)


def head_revision() -> str:
    """The schema revision this code writes and reads."""
    head = _script_directory().get_current_head()
    assert head is not None, "the migrations have one head"
    return head


def schema_revision(database: Database) -> str | None:
    """The schema revision the database is at; None when it has none yet."""
    return _schema_state(database)[0]


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ``alembic.ini``: the migrations are package data."""
    config = Config()
    config.set_main_option("script_location", "verbund.store:migrations")
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


@functools.cache
def _script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _known_revision(revision: str) -> bool:
    try:
        return _script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def _migrate(target: str | URL | Database, direction: str, revision: str) -> None:
    database = target if isinstance(target, Database) else _connect(target)
    try:
        with (
            translate_errors(f"migrating the database at {database.display_url}"),
            database.write() as connection,
        ):
            if database.dialect == "postgresql":  # one migration at a time per database
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            config = alembic_config(connection)
            try:
                if direction == "upgrade":
                    alembic_command.upgrade(config, revision)
                else:
                    alembic_command.downgrade(config, revision)
            except CommandError as exc:
                raise StoreError(
                    f"cannot {direction} the database at {database.display_url} to "
                    f"{revision}: {exc}. If it was written by a newer Verbund, upgrade "
                    "Verbund instead"
                ) from exc
    finally:
        if database is not target:
            database.close()


def _schema_state(database: Database) -> tuple[str | None, bool]:
    """(current revision or None, whether the database holds no tables at all)."""
    with (
        translate_errors(f"reading the schema of {database.display_url}"),
        database.read() as connection,
    ):
        heads = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        ).get_current_heads()
        empty = not sa.inspect(connection).get_table_names()
    if len(heads) > 1:
        raise StoreError(
            f"the database at {database.display_url} has several schema revisions "
            f"({', '.join(heads)}): it was migrated by diverging Verbund versions; restore a backup"
        )
    return (heads[0] if heads else None), empty


# --- URLs and engines ----------------------------------------------------------------------------


def _redact(text: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def _parse(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"database URL {_redact(str(url))!r} is not a URL: {_HINT_URL}") from exc
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    shown = parsed.render_as_string(hide_password=True)
    if backend == "sqlite":
        if driver not in ("pysqlite", ""):
            raise StoreError(
                f"database URL {shown!r}: use plain sqlite:///path ({driver} is not supported)"
            )
        return parsed.set(drivername="sqlite")
    if backend in ("postgresql", "postgres"):
        if driver not in ("psycopg", "psycopg2", ""):
            raise StoreError(f"database URL {shown!r}: the driver is psycopg 3, {_HINT_URL}")
        if driver == "psycopg2":
            raise StoreError(
                f"database URL {shown!r}: Verbund talks to PostgreSQL through psycopg 3; "
                "write postgresql+psycopg://…"
            )
        return parsed.set(drivername="postgresql+psycopg")
    raise StoreError(
        f"database URL {shown!r}: {backend} is not supported; Verbund runs on SQLite and "
        f"PostgreSQL, {_HINT_URL}"
    )


def _connect(url: str | URL) -> Database:
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        engine = _postgres_engine(parsed)
    database = Database(parsed, engine)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(
            f"cannot open the database at {database.display_url}: {_reason(exc)}. "
            + (
                "Check that the directory exists and is writable"
                if database.is_sqlite
                else "Check that the server runs and accepts connections, and that host, port, "
                "user, password and database name in the URL are right"
            )
        ) from exc
    return database


def _sqlite_engine(url: URL) -> sa.Engine:
    query = dict(url.query)
    synchronous = str(query.pop("synchronous", "normal")).lower()
    if synchronous not in _SYNCHRONOUS:
        raise StoreError(
            f"database URL: synchronous={synchronous!r}, expected one of {', '.join(_SYNCHRONOUS)}"
        )
    url = url.set(query=query)
    path = url.database or ""
    memory = path in ("", ":memory:")
    if not memory and not path.startswith("file:"):
        directory = Path(path).expanduser().resolve().parent
        if not directory.is_dir():
            raise StoreError(
                f"cannot create the SQLite database {path!r}: directory {str(directory)!r} does "
                "not exist; create it or choose another path"
            )
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False},
        "json_serializer": json_dumps,
    }
    if memory:
        options["poolclass"] = StaticPool  # one connection: every user sees the same database
    engine = sa.create_engine(url, **options)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> sa.Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return sa.create_engine(
        url, connect_args=connect_args, json_serializer=json_dumps, pool_pre_ping=True
    )


def _reason(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return _redact(text.strip().splitlines()[0] if text.strip() else type(exc).__name__)


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Turn a database driver's failure during ``action`` into a :class:`StoreError`."""
    try:
        yield
    except DBAPIError as exc:
        raise StoreError(
            f"{action} failed: {_reason(exc)}. Check that the database is reachable and at the "
            "schema revision of this Verbund (`verbund db upgrade`)"
        ) from exc
