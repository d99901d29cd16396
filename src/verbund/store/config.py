"""A hotline's configuration in the tables: ``HotlineConfig`` in and out, pledges in and out.

    save_config(database, config)            # hotlines, topics, providers, agents (+ children)
    config = load_config(database, "116117")
    save_pledges(database, "116117", pledges)   # verbund.planning.Pledge rows
    configuration_commands(config)           # the same configuration as journal commands

``save_config`` makes the tables say exactly what ``config`` says: what it does not name any more
is deleted (a provider with its pledges), the rest is updated in place. The order of topics,
languages, providers, agents and skills is kept, since the engine breaks some ties by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from verbund.engine.commands import (
    AgentConfigured,
    Command,
    ProviderConfigured,
    RulesChanged,
    TopicConfigured,
)
from verbund.engine.config import (
    AgentSpec,
    Channel,
    HotlineConfig,
    ProviderMode,
    ProviderSpec,
    TopicSpec,
)
from verbund.planning.pledges import Pledge
from verbund.store.codec import decode_rules, encode_rules
from verbund.store.database import Database, translate_errors
from verbund.store.errors import StoreError
from verbund.store.tables import (
    agent_capacities,
    agent_skills,
    agents,
    hotlines,
    pledges,
    provider_skills,
    providers,
    topic_languages,
    topics,
)

__all__ = [
    "configuration_commands",
    "hotline_names",
    "load_config",
    "load_pledges",
    "load_title",
    "save_config",
    "save_pledges",
]


def _upsert(
    connection: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
) -> None:
    if not rows:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    if updates:
        connection.execute(
            statement.on_conflict_do_update(index_elements=list(keys), set_=updates), rows
        )
    else:
        connection.execute(statement.on_conflict_do_nothing(index_elements=list(keys)), rows)


def save_config(database: Database, config: HotlineConfig, *, title: str | None = None) -> None:
    """Write ``config`` to the tables, replacing what they held for this hotline."""
    name = config.name
    with translate_errors(f"saving the configuration of hotline {name!r}"), database.write() as c:
        hotline_row: dict[str, Any] = {"name": name, "rules": encode_rules(config.rules)}
        if title is not None:
            hotline_row["title"] = title
        _upsert(c, hotlines, [hotline_row], ["name"])

        c.execute(sa.delete(topics).where(topics.c.hotline == name))  # languages go with them
        _insert(
            c,
            topics,
            [{"hotline": name, "name": t.name, "position": i} for i, t in enumerate(config.topics)],
        )
        _insert(
            c,
            topic_languages,
            [
                {"hotline": name, "topic": t.name, "language": language, "position": j}
                for t in config.topics
                for j, language in enumerate(t.languages)
            ],
        )

        agent_names = [a.name for a in config.agents]
        provider_names = [p.name for p in config.providers]
        c.execute(
            sa.delete(agents).where(agents.c.hotline == name, agents.c.name.not_in(agent_names))
        )
        c.execute(
            sa.delete(providers).where(
                providers.c.hotline == name, providers.c.name.not_in(provider_names)
            )
        )
        _upsert(
            c,
            providers,
            [
                {
                    "hotline": name,
                    "name": p.name,
                    "position": i,
                    "mode": p.mode.value,
                    "share": p.share,
                    "label": p.label,
                }
                for i, p in enumerate(config.providers)
            ],
            ["hotline", "name"],
        )
        c.execute(sa.delete(provider_skills).where(provider_skills.c.hotline == name))
        _insert(
            c,
            provider_skills,
            [
                {"hotline": name, "provider": p.name, "topic": topic, "language": language}
                for p in config.providers
                for topic, language in sorted(p.serves)
            ],
        )
        _upsert(
            c,
            agents,
            [
                {"hotline": name, "name": a.name, "position": i, "provider": a.provider}
                for i, a in enumerate(config.agents)
            ],
            ["hotline", "name"],
        )
        c.execute(sa.delete(agent_skills).where(agent_skills.c.hotline == name))
        c.execute(sa.delete(agent_capacities).where(agent_capacities.c.hotline == name))
        _insert(
            c,
            agent_skills,
            [
                {
                    "hotline": name,
                    "agent": a.name,
                    "topic": topic,
                    "language": language,
                    "level": level,
                    "position": j,
                }
                for a in config.agents
                for j, ((topic, language), level) in enumerate(a.skills.items())
            ],
        )
        _insert(
            c,
            agent_capacities,
            [
                {"hotline": name, "agent": a.name, "channel": channel.value, "capacity": capacity}
                for a in config.agents
                for channel, capacity in a.capacity.items()
            ],
        )


def _insert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(table.insert(), rows)


def load_config(database: Database, hotline: str) -> HotlineConfig:
    """The hotline's configuration as the tables hold it."""
    with (
        translate_errors(f"loading the configuration of hotline {hotline!r}"),
        database.read() as c,
    ):
        rules = c.execute(sa.select(hotlines.c.rules).where(hotlines.c.name == hotline)).scalar()
        if rules is None:
            raise StoreError(f"hotline {hotline!r} is not configured")
        languages: dict[str, list[str]] = {}
        for topic, language in c.execute(
            sa.select(topic_languages.c.topic, topic_languages.c.language)
            .where(topic_languages.c.hotline == hotline)
            .order_by(topic_languages.c.position)
        ):
            languages.setdefault(topic, []).append(language)
        topic_specs = tuple(
            TopicSpec(topic, tuple(languages.get(topic, ())))
            for topic in c.execute(
                sa.select(topics.c.name)
                .where(topics.c.hotline == hotline)
                .order_by(topics.c.position)
            ).scalars()
        )
        serves: dict[str, set[tuple[str, str]]] = {}
        for provider, topic, language in c.execute(
            sa.select(
                provider_skills.c.provider, provider_skills.c.topic, provider_skills.c.language
            ).where(provider_skills.c.hotline == hotline)
        ):
            serves.setdefault(provider, set()).add((topic, language))
        provider_specs = tuple(
            ProviderSpec(
                row.name,
                ProviderMode(row.mode),
                row.share,
                row.label,
                frozenset(serves.get(row.name, ())),
            )
            for row in c.execute(
                sa.select(providers)
                .where(providers.c.hotline == hotline)
                .order_by(providers.c.position)
            )
        )
        skills: dict[str, dict[tuple[str, str], int]] = {}
        for agent, topic, language, level in c.execute(
            sa.select(
                agent_skills.c.agent,
                agent_skills.c.topic,
                agent_skills.c.language,
                agent_skills.c.level,
            )
            .where(agent_skills.c.hotline == hotline)
            .order_by(agent_skills.c.agent, agent_skills.c.position)
        ):
            skills.setdefault(agent, {})[(topic, language)] = level
        capacities: dict[str, dict[Channel, int]] = {}
        for agent, channel, capacity in c.execute(
            sa.select(
                agent_capacities.c.agent, agent_capacities.c.channel, agent_capacities.c.capacity
            ).where(agent_capacities.c.hotline == hotline)
        ):
            capacities.setdefault(agent, {})[Channel(channel)] = capacity
        order = list(Channel)
        agent_specs = tuple(
            AgentSpec(
                row.name,
                row.provider,
                skills.get(row.name, {}),
                dict(
                    sorted(capacities.get(row.name, {}).items(), key=lambda kv: order.index(kv[0]))
                ),
            )
            for row in c.execute(
                sa.select(agents.c.name, agents.c.provider)
                .where(agents.c.hotline == hotline)
                .order_by(agents.c.position)
            )
        )
    return HotlineConfig(hotline, topic_specs, provider_specs, agent_specs, decode_rules(rules))


def save_pledges(database: Database, hotline: str, rows: Iterable[Pledge]) -> int:
    """Write pledges (a provider's agents and share for an interval), replacing the same
    provider × interval; return how many were written."""
    values: list[dict[str, Any]] = []
    for pledge in rows:
        if pledge.interval_start.tzinfo is not None:
            raise StoreError(
                f"pledge of {pledge.provider!r} at {pledge.interval_start.isoformat()}: "
                "interval_start is the hotline's local time, without a time zone"
            )
        values.append(
            {
                "hotline": hotline,
                "provider": pledge.provider,
                "interval_start": pledge.interval_start,
                "agents": pledge.agents,
                "share": pledge.share,
            }
        )
    with translate_errors(f"saving pledges of hotline {hotline!r}"), database.write() as c:
        known = set(
            c.execute(sa.select(providers.c.name).where(providers.c.hotline == hotline)).scalars()
        )
        unknown = sorted({str(v["provider"]) for v in values} - known)
        if unknown:
            raise StoreError(
                f"pledges of hotline {hotline!r} name providers it does not have: "
                f"{', '.join(unknown)}; configure them first"
            )
        _upsert(c, pledges, values, ["hotline", "provider", "interval_start"])
    return len(values)


def load_pledges(
    database: Database,
    hotline: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Pledge]:
    """Pledges with ``start <= interval_start < end``, by interval, then provider order."""
    query = (
        sa.select(pledges.c.interval_start, pledges.c.provider, pledges.c.agents, pledges.c.share)
        .join(
            providers,
            (providers.c.hotline == pledges.c.hotline) & (providers.c.name == pledges.c.provider),
        )
        .where(pledges.c.hotline == hotline)
        .order_by(pledges.c.interval_start, providers.c.position)
    )
    if start is not None:
        query = query.where(pledges.c.interval_start >= start)
    if end is not None:
        query = query.where(pledges.c.interval_start < end)
    with translate_errors(f"loading pledges of hotline {hotline!r}"), database.read() as c:
        return [Pledge(*row) for row in c.execute(query)]


def configuration_commands(config: HotlineConfig) -> list[Command]:
    """``config`` as commands: handled by an engine built on ``HotlineConfig(config.name, ())``,
    they leave it as ``Engine(config)`` starts. A journal that begins with them can be replayed
    from that empty configuration, whatever the tables say later."""
    return [
        RulesChanged(config.rules),
        *(TopicConfigured(topic) for topic in config.topics),
        *(ProviderConfigured(provider) for provider in config.providers),
        *(AgentConfigured(agent) for agent in config.agents),
    ]


def hotline_names(database: Database) -> list[str]:
    """The configured hotlines, by name."""
    with translate_errors("listing hotlines"), database.read() as c:
        return list(c.execute(sa.select(hotlines.c.name).order_by(hotlines.c.name)).scalars())


def load_title(database: Database, hotline: str) -> str:
    """The hotline's title ("" when it has none or does not exist)."""
    with translate_errors(f"reading the title of hotline {hotline!r}"), database.read() as c:
        found = c.execute(sa.select(hotlines.c.title).where(hotlines.c.name == hotline)).scalar()
    return str(found or "")
