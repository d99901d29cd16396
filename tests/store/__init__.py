"""Tests of verbund.store, each on SQLite and on PostgreSQL."""
