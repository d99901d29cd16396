"""Settings of the live service: from the environment (``VERBUND_*``) and an optional TOML file.

Precedence: explicit arguments (the command line) > environment > TOML file > defaults.

======================================  ==========================  ===============================
setting                                 environment                 default
======================================  ==========================  ===============================
``database_url``                        ``VERBUND_DATABASE_URL``    ``sqlite:///verbund.db``
``host``                                ``VERBUND_HOST``            ``127.0.0.1``
``port``                                ``VERBUND_PORT``            ``8000``
``secret_key``                          ``VERBUND_SECRET_KEY``      generated, kept next to SQLite
``token_lifetime`` (seconds)            ``VERBUND_TOKEN_LIFETIME``  ``43200`` (12 h)
``flush_interval`` (seconds)            ``VERBUND_FLUSH_INTERVAL``  ``0.002``
``snapshot_every`` (commands)           ``VERBUND_SNAPSHOT_EVERY``  ``20000``
``max_pending`` (commands)              ``VERBUND_MAX_PENDING``     ``5000``
``max_inflight`` (requests)             ``VERBUND_MAX_INFLIGHT``    ``2000``
``log_level``                           ``VERBUND_LOG_LEVEL``       ``info``
``service_level_target`` (seconds)      ``VERBUND_SL_TARGET``       ``20``
``chat_starts_per_minute``              ``VERBUND_CHAT_STARTS``     ``30`` per client address
``chat_messages_per_minute``            ``VERBUND_CHAT_MESSAGES``   ``30`` per web chat
``gc_deep_interval`` (seconds)          ``VERBUND_GC_DEEP``         ``3600`` (``0``: never)
``trusted_proxies``                     ``VERBUND_TRUSTED_PROXIES`` ``127.0.0.1,::1``
======================================  ==========================  ===============================

The chat limits count per client address. Behind a reverse proxy or load balancer, that is the
address in its ``X-Forwarded-For``, believed only from the addresses or networks in
``trusted_proxies`` (comma-separated, e.g. ``10.0.0.0/8,127.0.0.1``; ``none`` to believe nobody,
``*`` everybody): name the proxies there, or every citizen shares the proxy's allowance.

The TOML file (``verbund serve --config verbund.toml``) holds the same names at top level.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from verbund.errors import VerbundError
from verbund.store import DEFAULT_URL

__all__ = ["Settings", "SettingsError", "load_settings"]


class SettingsError(VerbundError):
    """A setting has a value the service cannot run with; the message names it."""


ENVIRONMENT = {
    "database_url": "VERBUND_DATABASE_URL",
    "host": "VERBUND_HOST",
    "port": "VERBUND_PORT",
    "secret_key": "VERBUND_SECRET_KEY",
    "token_lifetime": "VERBUND_TOKEN_LIFETIME",
    "flush_interval": "VERBUND_FLUSH_INTERVAL",
    "snapshot_every": "VERBUND_SNAPSHOT_EVERY",
    "max_pending": "VERBUND_MAX_PENDING",
    "max_inflight": "VERBUND_MAX_INFLIGHT",
    "log_level": "VERBUND_LOG_LEVEL",
    "service_level_target": "VERBUND_SL_TARGET",
    "chat_starts_per_minute": "VERBUND_CHAT_STARTS",
    "chat_messages_per_minute": "VERBUND_CHAT_MESSAGES",
    "gc_deep_interval": "VERBUND_GC_DEEP",
    "trusted_proxies": "VERBUND_TRUSTED_PROXIES",
}
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""  # empty: generated once and kept in a file next to the SQLite database
    token_lifetime: float = 12 * 3600.0
    flush_interval: float = 0.002  # group commit: how long the writer gathers commands at most
    snapshot_every: int = 20_000  # journal entries between engine snapshots
    max_pending: int = 5000  # commands waiting for the writer before requests are shed (503)
    max_inflight: int = 2000  # API requests in progress before new ones are shed (503)
    log_level: str = "info"
    service_level_target: float = 20.0  # answered within this counts for the service level
    chat_starts_per_minute: int = 30  # web chats a client address may start (then 429)
    chat_messages_per_minute: int = 30  # messages a citizen may write in one chat (then 429)
    gc_deep_interval: float = 3600.0  # between deep garbage collections (service/collector.py)
    trusted_proxies: str = "127.0.0.1,::1"  # whose X-Forwarded-For is believed ("none", "*")

    def __post_init__(self) -> None:
        try:
            make_url(self.database_url)
        except Exception as exc:
            raise SettingsError(
                f"database_url {self.database_url!r}: not a database URL; expected e.g. "
                "sqlite:///verbund.db or postgresql+psycopg://user:password@host/dbname"
            ) from exc
        if not 0 < self.port < 65536:
            raise SettingsError(f"port {self.port}: expected 1 to 65535")
        for name in ("token_lifetime", "service_level_target"):
            if not getattr(self, name) > 0:
                raise SettingsError(f"{name} {getattr(self, name)!r}: expected seconds > 0")
        if not self.gc_deep_interval >= 0:
            raise SettingsError(
                f"gc_deep_interval {self.gc_deep_interval!r}: expected seconds >= 0 (0: never)"
            )
        if not 0 <= self.flush_interval <= 1:
            raise SettingsError(f"flush_interval {self.flush_interval!r}: expected 0 to 1 s")
        for name in (
            "snapshot_every",
            "max_pending",
            "max_inflight",
            "chat_starts_per_minute",
            "chat_messages_per_minute",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} {getattr(self, name)!r}: expected at least 1")
        self.forwarded_allow_ips()  # refuses what is not an address or a network
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(
                f"log_level {self.log_level!r}: expected one of {', '.join(LOG_LEVELS)}"
            )

    def forwarded_allow_ips(self) -> list[str]:
        """``trusted_proxies`` as uvicorn takes it: addresses and networks, ``*``, or none."""
        text = self.trusted_proxies.strip()
        if text.lower() == "none":
            return []
        items = [item.strip() for item in text.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise SettingsError(
                    f"trusted_proxies: {item!r} is not an IP address or network; expected "
                    "e.g. 10.0.0.0/8,127.0.0.1, or * (everybody), or none"
                ) from None
        if not items:
            raise SettingsError("trusted_proxies: empty; write none to believe no proxy")
        return items

    def with_secret(self) -> Settings:
        """These settings with a secret key: the given one, or one kept in a file beside the
        SQLite database (created on first use), so that logins survive a restart."""
        if self.secret_key:
            return self
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(f"{url.database}.secret")
            if path.exists():
                return replace(self, secret_key=path.read_text().strip())
            key = secrets.token_urlsafe(32)
            path.write_text(key + "\n")
            path.chmod(0o600)
            return replace(self, secret_key=key)
        raise SettingsError(
            "secret_key: set VERBUND_SECRET_KEY (or secret_key in the settings file) when the "
            "database is not a SQLite file, so that every node signs logins with the same key"
        )


def _coerce(name: str, value: Any, source: str) -> Any:
    kind = str({f.name: f.type for f in fields(Settings)}[name])
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError) as exc:
        expected = {"int": "a whole number", "float": "a number"}.get(kind, "a string")
        raise SettingsError(f"{source}: {value!r} is not {expected}") from exc


def load_settings(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings from ``path`` (TOML), then ``environ`` (default: ``os.environ``), then
    ``overrides`` whose value is not None."""
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}
    if path is not None:
        try:
            document = tomllib.loads(path.read_text())
        except OSError as exc:
            raise SettingsError(f"settings file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {path}: not valid TOML ({exc})") from exc
        for key, value in document.items():
            if key not in known:
                raise SettingsError(
                    f"settings file {path}: unknown setting {key!r}; "
                    f"known ones: {', '.join(sorted(known))}"
                )
            values[key] = _coerce(key, value, f"settings file {path}, {key}")
    environ = os.environ if environ is None else environ
    for name, variable in ENVIRONMENT.items():
        if variable in environ and environ[variable] != "":
            values[name] = _coerce(name, environ[variable], variable)
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return Settings(**values)
