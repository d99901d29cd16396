"""The configuration API: changes reach the running engine at once, without a restart, and are
kept in the tables; bad values are refused with the field and what is expected."""

from __future__ import annotations

import pytest

from tests.web.server import Server
from verbund.store import load_config, load_pledges, open_database

H = "/api/v1/hotlines/h1"


def test_a_new_hotline_with_topics_and_rules_runs_at_once(sqlite_server: Server) -> None:
    body = {
        "name": "h2",
        "title": "Zweite Hotline",
        "topics": {"fragen": {"languages": ["de", "tr"]}},
        "rules": {"callback_offer_ewt": 60, "max_queue_length": 0},
    }
    created = sqlite_server.post("/api/v1/hotlines", "koordination", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["rules"]["max_queue_length"] == 0
    assert "fragen:tr:voice" in created.json()["queues"]
    shown = sqlite_server.get("/api/v1/hotlines/h2", "chef-a").json()
    assert shown["title"] == "Zweite Hotline"
    # The engine runs: max_queue_length 0 refuses every arrival as "queue_full".
    answer = sqlite_server.post(
        "/api/v1/hotlines/h2/contacts", "koordination", json={"topic": "fragen"}
    )
    assert (answer.status_code, answer.json()["reason"]) == (201, "queue_full")
    again = sqlite_server.post("/api/v1/hotlines", "koordination", json=body)
    assert again.status_code == 409


def test_an_agent_added_while_running_takes_contacts_without_a_restart(
    sqlite_server: Server,
) -> None:
    body = {"provider": "A", "skills": {"termin:en": 1}, "capacity": {"voice": 1}}
    put = sqlite_server.put(f"{H}/agents/a9", "admin-a", json=body)
    assert put.status_code == 200, put.text
    assert sqlite_server.post(f"{H}/agents/a9/login", "admin-a").status_code == 200
    assert sqlite_server.post(f"{H}/agents/a9/ready", "admin-a").status_code == 200
    answer = sqlite_server.post(
        f"{H}/contacts", "koordination", json={"topic": "termin", "language": "en"}
    ).json()
    assert (answer["status"], answer["agent"]) == ("offered", "a9")
    with open_database(sqlite_server.database_url) as database:
        agents = {a.name: a for a in load_config(database, "h1").agents}
    assert agents["a9"].provider == "A"
    assert dict(agents["a9"].skills) == {("termin", "en"): 1}


def test_rule_changes_reach_the_engine_and_keep_the_other_rules(sqlite_server: Server) -> None:
    before = sqlite_server.get(H, "koordination").json()["rules"]
    patched = sqlite_server.request(
        "PATCH", H, "koordination", json={"rules": {"redial_window": 900}}
    )
    assert patched.status_code == 200, patched.text
    after = patched.json()["rules"]
    assert after["redial_window"] == 900
    assert {k: v for k, v in after.items() if k != "redial_window"} == {
        k: v for k, v in before.items() if k != "redial_window"
    }


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ({"max_ewt": -5}, "max_ewt"),
        ({"strategy": "random"}, "strategy"),
        ({"no_such_rule": 1}, "no_such_rule"),
        ({"offer_timeout": "soon"}, "offer_timeout"),
    ],
)
def test_bad_rules_are_refused_naming_the_rule(
    sqlite_server: Server, rules: dict[str, object], words: str
) -> None:
    response = sqlite_server.request("PATCH", H, "koordination", json={"rules": rules})
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]


def test_topics_gain_languages_and_providers_change_share(sqlite_server: Server) -> None:
    topic = sqlite_server.put(f"{H}/topics/termin", "koordination", json={"languages": ["tr"]})
    assert topic.json() == {"name": "termin", "languages": ["de", "en", "tr"]}
    provider = sqlite_server.put(f"{H}/providers/B", "koordination", json={"share": 0.7})
    assert provider.status_code == 200, provider.text
    shares = {p["name"]: p["share"] for p in sqlite_server.get(f"{H}/providers", "chef-a").json()}
    assert shares["B"] == 0.7


def test_a_connected_provider_needs_a_label(sqlite_server: Server) -> None:
    response = sqlite_server.put(
        f"{H}/providers/D", "koordination", json={"mode": "connected", "serves": ["termin:de"]}
    )
    assert response.status_code == 422
    assert "label" in response.json()["detail"]


def test_pledges_are_kept_per_interval_and_refused_off_the_boundary(
    sqlite_server: Server,
) -> None:
    rows = [
        {"provider": "A", "interval_start": "2026-12-02T08:00:00", "agents": 40, "share": 0.5},
        {"provider": "A", "interval_start": "2026-12-02T08:15:00", "agents": 45, "share": 0.5},
    ]
    assert sqlite_server.put(f"{H}/pledges", "admin-a", json=rows).json() == {"written": 2}
    with open_database(sqlite_server.database_url) as database:
        kept = [
            (p.provider, p.interval_start.minute, p.agents) for p in load_pledges(database, "h1")
        ]
    assert ("A", 15, 45) in kept
    odd = [{"provider": "A", "interval_start": "2026-12-02T08:07:00", "agents": 1, "share": 0.5}]
    response = sqlite_server.put(f"{H}/pledges", "admin-a", json=odd)
    assert response.status_code == 422
    assert "15-minute boundary" in response.json()["detail"]
    other = [{"provider": "B", "interval_start": "2026-12-02T08:00:00", "agents": 1, "share": 0.5}]
    assert sqlite_server.put(f"{H}/pledges", "admin-a", json=other).status_code == 403


def test_users_are_created_with_roles_and_can_log_in(sqlite_server: Server) -> None:
    body = {"name": "neu-a", "password": "lang-genug-1", "role": "supervisor", "provider": "A"}
    created = sqlite_server.post("/api/v1/users", "admin-a", json=body)
    assert created.status_code == 201, created.text
    assert created.json() == {"name": "neu-a", "role": "supervisor", "provider": "A"}
    assert sqlite_server.login("neu-a", "lang-genug-1")
    short = {**body, "name": "kurz", "password": "kurz"}
    assert sqlite_server.post("/api/v1/users", "admin-a", json=short).status_code == 422
    duplicate = sqlite_server.post("/api/v1/users", "admin-a", json=body)
    assert duplicate.status_code == 409
    names = {u["name"] for u in sqlite_server.get("/api/v1/users", "admin-a").json()}
    assert "neu-a" in names
    assert "chef-b" not in names  # another provider's users stay hidden


def test_a_changed_password_ends_the_old_logins(sqlite_server: Server) -> None:
    body = {"name": "wechsel", "password": "erstes-passwort", "role": "agent", "provider": "A"}
    sqlite_server.post("/api/v1/users", "admin-a", json=body)
    old = sqlite_server.login("wechsel", "erstes-passwort")
    assert sqlite_server.get("/api/v1/auth/me", None, headers=_bearer(old)).status_code == 200
    patched = sqlite_server.request(
        "PATCH", "/api/v1/users/wechsel", "admin-a", json={"password": "zweites-passwort"}
    )
    assert patched.status_code == 200
    stale = sqlite_server.get("/api/v1/auth/me", None, headers=_bearer(old))
    assert stale.status_code == 401
    assert "no longer valid" in stale.json()["detail"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
