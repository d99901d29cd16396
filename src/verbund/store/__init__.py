"""Persistence: configuration tables, the command journal, engine snapshots, contact history.

    database = open_database()                       # ./verbund.db (SQLite, WAL), created if new
    save_config(database, config)
    journal = Journal(database, config.name)
    last = journal.append([(now, command), ...])     # one transaction per batch (group commit)
    save_snapshot(database, config.name, last, engine, history=recorder)
    engine, last = recover(database, config.name, genesis_config, history=recorder)

Only ``verbund.engine``, ``verbund.planning`` and ``verbund.errors`` are imported from Verbund.
Every error a person can act on is a :class:`StoreError`.
"""

from verbund.store.codec import COMMAND_TYPES, decode_command, encode_command
from verbund.store.config import (
    configuration_commands,
    hotline_names,
    load_config,
    load_pledges,
    load_title,
    save_config,
    save_pledges,
)
from verbund.store.database import (
    DEFAULT_PATH,
    DEFAULT_URL,
    Database,
    downgrade,
    head_revision,
    open_database,
    schema_revision,
    sqlite_url,
    upgrade,
)
from verbund.store.errors import StoreError
from verbund.store.forecasts import StoredForecast, load_forecast, save_forecast
from verbund.store.history import DUPLICATE, HistoryRecorder, read_history
from verbund.store.journal import Journal, JournalEntry
from verbund.store.snapshots import (
    Pickled,
    pickle_state,
    prune_snapshots,
    recover,
    save_snapshot,
    snapshot_seqs,
)
from verbund.store.users import User, add_user, delete_user, get_user, list_users, update_user

__all__ = [
    "COMMAND_TYPES",
    "DEFAULT_PATH",
    "DEFAULT_URL",
    "DUPLICATE",
    "Database",
    "HistoryRecorder",
    "Journal",
    "JournalEntry",
    "Pickled",
    "StoreError",
    "StoredForecast",
    "User",
    "add_user",
    "configuration_commands",
    "decode_command",
    "delete_user",
    "downgrade",
    "encode_command",
    "get_user",
    "head_revision",
    "hotline_names",
    "list_users",
    "load_config",
    "load_forecast",
    "load_pledges",
    "load_title",
    "open_database",
    "pickle_state",
    "prune_snapshots",
    "read_history",
    "recover",
    "save_config",
    "save_forecast",
    "save_pledges",
    "save_snapshot",
    "schema_revision",
    "snapshot_seqs",
    "sqlite_url",
    "update_user",
    "upgrade",
]
