"""Configuration in the tables: a hotline's configuration and its pledges go in and come back
out unchanged; the tables refuse what the roles and modes forbid."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from verbund.engine import (
    AgentSpec,
    Channel,
    Engine,
    HotlineConfig,
    ProviderMode,
    ProviderSpec,
    RoutingRules,
    TopicSpec,
    replay,
)
from verbund.planning.pledges import Pledge
from verbund.store import (
    Database,
    StoreError,
    configuration_commands,
    load_config,
    load_pledges,
    save_config,
    save_pledges,
)
from verbund.store.tables import pledges, users

from .workload import hotline_config


def test_a_configuration_comes_back_as_it_was_saved(database: Database, hotline: str) -> None:
    loaded = load_config(database, hotline)

    assert loaded == hotline_config(hotline)
    assert [list(a.skills) for a in loaded.agents] == [
        list(a.skills) for a in hotline_config(hotline).agents
    ]


def test_saving_again_replaces_what_changed(database: Database, hotline: str) -> None:
    first = hotline_config(hotline)
    save_pledges(
        database,
        hotline,
        [Pledge(datetime(2021, 1, 12, 7, 0), p, 10, 0.5) for p in ("alpha", "beta")],
    )
    changed = dataclasses.replace(
        first,
        topics=(TopicSpec("impfung", ("de", "en", "tr")),),
        providers=(first.providers[1], ProviderSpec("gamma", share=0.25)),
        agents=(
            AgentSpec("b1", "gamma", {("impfung", "tr"): 1}, {Channel.SOCIAL: 5}),
            AgentSpec("g1", "gamma", {("impfung", "de"): 2, ("impfung", "en"): 1}),
        ),
        rules=RoutingRules(max_ewt=600.0, strategy="global-longest-idle"),
    )

    save_config(database, changed, title="Impfhotline")

    assert load_config(database, hotline) == changed
    # alpha left the hotline, and its pledges with it; beta's stayed.
    assert [p.provider for p in load_pledges(database, hotline)] == ["beta"]


def test_an_unknown_hotline_is_a_store_error(database: Database) -> None:
    with pytest.raises(StoreError, match="hotline 'nowhere' is not configured"):
        load_config(database, "nowhere")


def test_pledges_come_back_by_interval_in_provider_order(database: Database, hotline: str) -> None:
    seven, quarter = datetime(2021, 1, 12, 7, 0), datetime(2021, 1, 12, 7, 15)
    given = [
        Pledge(quarter, "beta", 150, 0.3),
        Pledge(seven, "beta", 150, 0.3),
        Pledge(seven, "alpha", 240, 0.5),
        Pledge(quarter, "alpha", 0, 0.0),
    ]

    assert save_pledges(database, hotline, given) == 4
    save_pledges(database, hotline, [Pledge(seven, "alpha", 250, 0.5)])  # replaces

    assert load_pledges(database, hotline) == [
        Pledge(seven, "alpha", 250, 0.5),
        Pledge(seven, "beta", 150, 0.3),
        Pledge(quarter, "alpha", 0, 0.0),
        Pledge(quarter, "beta", 150, 0.3),
    ]
    assert load_pledges(database, hotline, start=quarter) == [
        Pledge(quarter, "alpha", 0, 0.0),
        Pledge(quarter, "beta", 150, 0.3),
    ]
    assert load_pledges(database, hotline, end=quarter)[-1] == Pledge(seven, "beta", 150, 0.3)


def test_pledges_must_name_providers_of_the_hotline(database: Database, hotline: str) -> None:
    with pytest.raises(StoreError, match="name providers it does not have: nobody"):
        save_pledges(database, hotline, [Pledge(datetime(2021, 1, 12, 7), "nobody", 1, 0.1)])
    with pytest.raises(StoreError, match="without a time zone"):
        save_pledges(
            database, hotline, [Pledge(datetime(2021, 1, 12, 7, tzinfo=UTC), "beta", 1, 0)]
        )


def test_the_tables_refuse_what_the_model_forbids(database: Database, hotline: str) -> None:
    bad_rows = [
        (
            users,
            {"name": f"{hotline}-u1", "password_hash": "x", "role": "emperor", "provider": None},
        ),
        (
            users,
            {
                "name": f"{hotline}-u2",
                "password_hash": "x",
                "role": "coordinator",
                "provider": "alpha",
            },
        ),
        (users, {"name": f"{hotline}-u3", "password_hash": "x", "role": "agent", "provider": None}),
        (
            pledges,
            {
                "hotline": hotline,
                "provider": "alpha",
                "interval_start": datetime(2021, 1, 1),
                "agents": -1,
                "share": 0.5,
            },
        ),
    ]
    for table, row in bad_rows:
        with pytest.raises(sa.exc.IntegrityError), database.write() as c:
            c.execute(table.insert().values(**row))

    with database.write() as c:
        c.execute(
            users.insert(),
            [
                {
                    "name": f"{hotline}-koordination",
                    "password_hash": "$argon2id$…",
                    "role": "coordinator",
                    "provider": None,
                },
                {
                    "name": "lea",
                    "password_hash": "$argon2id$…",
                    "role": "agent",
                    "provider": "alpha",
                },
            ],
        )


def test_configuration_commands_build_the_same_engine_from_nothing() -> None:
    config = hotline_config("h")
    connected_only = dataclasses.replace(
        config,
        providers=(
            *config.providers,
            ProviderSpec("far", ProviderMode.CONNECTED, 0.1, "tel:+49", frozenset({("x", "y")})),
        ),
    )
    for wanted in (config, connected_only):
        empty = HotlineConfig(wanted.name, topics=())
        built, effects = replay(empty, [(0.0, c) for c in configuration_commands(wanted)])

        assert built.snapshot() == Engine(wanted).snapshot()
        assert effects == []
