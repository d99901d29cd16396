"""The store's database fixtures (one SQLite file and one PostgreSQL database per test)."""

from tests.store.conftest import database, database_url, hotline

__all__ = ["database", "database_url", "hotline"]
