"""Every endpoint, walked with every role: a provider's users never reach another provider's
agents, contacts, pledges or users — only alliance-wide aggregates.

The walk aims every request at provider B's things. Who may (``SCOPES``):

* ``public``: anyone, logged in or not;
* ``everyone``: every logged-in user (alliance-wide aggregates and configuration);
* ``coordinator``: the coordinator only;
* ``b-admin``: the coordinator and B's provider admin;
* ``b-staff``: the coordinator and B's admin and supervisor;
* ``b-agent``: the coordinator, B's admin and supervisor, and agent b1 themself;
* ``b4-chat``: a web chat held by B's agent b4 — the coordinator and B's admin and supervisor
  (not b1, another agent of the same provider).

The citizen's chat routes are ``public`` with the chat's token (``X-Chat-Token``; paths and
headers name the walk's chats as ``{chat}`` and ``{chat_token}``); without it they are 401 for
everyone (``test_api_conversations``).

A request that is allowed may still be refused by the engine (409: wrong state) or find nothing
(404 for a thing already deleted); one that is not allowed must be 401 (no login), 403 or 404
(hidden), and its answer must not carry B's data. A test also checks that the table covers every
route of the OpenAPI document, so a new endpoint cannot escape the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.web.server import Server

H = "/api/v1/hotlines/h1"
ROLES = {
    "anonymous": None,
    "koordination": "coordinator",
    "admin-a": "a-admin",
    "chef-a": "a-staff",
    "a1": "a-agent",
    "admin-b": "b-admin",
    "chef-b": "b-staff",
    "b1": "b-agent",
}
ALLOWED = {
    "public": set(ROLES),
    "everyone": set(ROLES) - {"anonymous"},
    "coordinator": {"koordination"},
    "b-admin": {"koordination", "admin-b"},
    "b-staff": {"koordination", "admin-b", "chef-b"},
    "b-agent": {"koordination", "admin-b", "chef-b", "b1"},
    "b4-chat": {"koordination", "admin-b", "chef-b"},
}
WALK: dict[str, str] = {}  # the walk's chats and their tokens, filled by the `walked` fixture
B_CALLER = "+4930555000111"  # the caller of the contact held by b1: never shown to A


@dataclass
class Call:
    method: str
    template: str  # as in the OpenAPI document
    path: str
    scope: str
    json: Any = None
    data: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    before: Callable[[Server], None] | None = field(default=None, repr=False)


def _recreate_agent_b2(server: Server) -> None:
    body = {"provider": "B", "skills": {"termin:de": 1}}
    assert server.put(f"{H}/agents/b2", "koordination", json=body).status_code == 200


def _recreate_user(server: Server) -> None:
    server.post(
        "/api/v1/users",
        "koordination",
        json={"name": "b-extra", "password": "passwort-b-1", "role": "agent", "provider": "B"},
    )


_created = iter(range(10_000))

CALLS = [
    Call("GET", "/healthz", "/healthz", "public"),
    Call("GET", "/metrics", "/metrics", "public"),
    Call("POST", "/api/v1/auth/token", "/api/v1/auth/token", "public",
         data={"username": "b1", "password": "wrong-password"}),
    Call("GET", "/api/v1/auth/me", "/api/v1/auth/me", "everyone"),
    Call("GET", "/api/v1/hotlines", "/api/v1/hotlines", "everyone"),
    Call("POST", "/api/v1/hotlines", "/api/v1/hotlines", "coordinator",
         json={"name": "walk", "topics": {"t": {"languages": ["de"]}}}),
    Call("GET", "/api/v1/hotlines/{hotline}", H, "everyone"),
    Call("PATCH", "/api/v1/hotlines/{hotline}", H, "coordinator", json={"title": "Walk"}),
    Call("PUT", "/api/v1/hotlines/{hotline}/topics/{topic}", f"{H}/topics/termin", "coordinator",
         json={"languages": ["de"]}),
    Call("GET", "/api/v1/hotlines/{hotline}/providers", f"{H}/providers", "everyone"),
    Call("PUT", "/api/v1/hotlines/{hotline}/providers/{provider}", f"{H}/providers/B",
         "coordinator", json={"share": 0.5}),
    Call("GET", "/api/v1/hotlines/{hotline}/agents/{agent}", f"{H}/agents/b1", "b-agent"),
    Call("PUT", "/api/v1/hotlines/{hotline}/agents/{agent}", f"{H}/agents/b3", "b-admin",
         json={"provider": "B", "skills": {"termin:de": 1}}),
    Call("DELETE", "/api/v1/hotlines/{hotline}/agents/{agent}", f"{H}/agents/b2", "b-admin",
         before=_recreate_agent_b2),
    Call("PUT", "/api/v1/hotlines/{hotline}/pledges", f"{H}/pledges", "b-admin",
         json=[{"provider": "B", "interval_start": "2026-12-02T10:00:00", "agents": 3,
                "share": 0.5}]),
    Call("GET", "/api/v1/users/{name}", "/api/v1/users/chef-b", "b-admin"),
    Call("PATCH", "/api/v1/users/{name}", "/api/v1/users/b-extra", "b-admin",
         json={"role": "agent"}, before=_recreate_user),
    Call("DELETE", "/api/v1/users/{name}", "/api/v1/users/b-extra", "b-admin",
         before=_recreate_user),
    Call("POST", "/api/v1/hotlines/{hotline}/contacts", f"{H}/contacts", "coordinator",
         json={"topic": "termin", "caller": "+4930777"}),
    Call("GET", "/api/v1/hotlines/{hotline}/contacts/{contact}", f"{H}/contacts/held-by-b1",
         "b-agent"),
    *(
        Call("POST", f"/api/v1/hotlines/{{hotline}}/contacts/{{contact}}/{action}",
             f"{H}/contacts/held-by-b1/{action}", "coordinator")
        for action in ("abandon", "callback", "callback-answered", "callback-not-answered")
    ),
    Call("POST", "/api/v1/hotlines/{hotline}/contacts/{contact}/end",
         f"{H}/contacts/held-by-b1/end", "b-agent"),
    Call("POST", "/api/v1/hotlines/{hotline}/contacts/{contact}/wrap-up-done",
         f"{H}/contacts/held-by-b1/wrap-up-done", "b-agent", json={"note": "x"}),
    *(
        Call("POST", f"/api/v1/hotlines/{{hotline}}/agents/{{agent}}/{action}",
             f"{H}/agents/b1/{action}", "b-agent")
        for action in ("login", "ready", "not-ready", "logout")
    ),
    Call("POST", "/api/v1/hotlines/{hotline}/agents/{agent}/offers/{contact}/accept",
         f"{H}/agents/b1/offers/held-by-b1/accept", "b-agent"),
    Call("POST", "/api/v1/hotlines/{hotline}/agents/{agent}/offers/{contact}/decline",
         f"{H}/agents/b1/offers/held-by-b1/decline", "b-agent"),
    Call("GET", "/api/v1/hotlines/{hotline}/agents/{agent}/desk", f"{H}/agents/b1/desk",
         "b-agent"),
    Call("GET", "/api/v1/hotlines/{hotline}/agents/{agent}/feedback", f"{H}/agents/b1/feedback",
         "b-agent"),
    Call("POST", "/api/v1/hotlines/{hotline}/contacts/{contact}/feedback",
         f"{H}/contacts/held-by-b1/feedback", "coordinator", json={"stars": 5}),
    Call("POST", "/api/v1/hotlines/{hotline}/providers/{provider}/status",
         f"{H}/providers/C/status", "c-staff",
         json={"ready_agents": 0, "waiting": 0, "handle_time": 200, "serving_agents": 1}),
    Call("POST", "/api/v1/hotlines/{hotline}/providers/{provider}/outcomes",
         f"{H}/providers/C/outcomes", "c-staff",
         json={"contact": "x1", "outcome": "answered", "waited": 3}),
    Call("GET", "/api/v1/hotlines/{hotline}/state", f"{H}/state", "everyone"),
    Call("GET", "/api/v1/hotlines/{hotline}/queues/{queue}", f"{H}/queues/termin:de:voice",
         "coordinator"),
    Call("POST", "/api/v1/hotlines/{hotline}/chats", f"{H}/chats", "public",
         json={"topic": "termin", "text": "Hallo"}),
    Call("GET", "/api/v1/hotlines/{hotline}/chats/{contact}", f"{H}/chats/{{chat}}", "public",
         headers={"X-Chat-Token": "{chat_token}"}),
    Call("POST", "/api/v1/hotlines/{hotline}/chats/{contact}/messages",
         f"{H}/chats/{{chat}}/messages", "public", json={"text": "Hallo"},
         headers={"X-Chat-Token": "{chat_token}"}),
    Call("POST", "/api/v1/hotlines/{hotline}/chats/{contact}/leave", f"{H}/chats/{{leaving}}/leave",
         "public", headers={"X-Chat-Token": "{leaving_token}"}),
    Call("GET", "/api/v1/hotlines/{hotline}/contacts/{contact}/messages",
         f"{H}/contacts/{{chat}}/messages", "b4-chat"),
    Call("POST", "/api/v1/hotlines/{hotline}/contacts/{contact}/messages",
         f"{H}/contacts/{{chat}}/messages", "b4-chat", json={"text": "Antwort"}),
    Call("POST", "/api/v1/hotlines/{hotline}/social/messages", f"{H}/social/messages",
         "coordinator", json={"platform": "x", "thread": "walk", "sender": "u1",
                              "topic": "termin", "text": "Hallo"}),
    Call("GET", "/api/v1/hotlines/{hotline}/social/outbox", f"{H}/social/outbox", "coordinator"),
    Call("POST", "/api/v1/hotlines/{hotline}/social/outbox/{message}/ack",
         f"{H}/social/outbox/999999/ack", "coordinator", json={"state": "sent"}),
]  # fmt: skip
ALLOWED["c-staff"] = {"koordination"}  # C's own users are not among the walkers
# Lists: everyone may ask, but sees only their own (checked by test_lists_show_only_ones_own).
LISTS = [
    Call("GET", "/api/v1/hotlines/{hotline}/agents", f"{H}/agents", "everyone"),
    Call("GET", "/api/v1/hotlines/{hotline}/pledges", f"{H}/pledges", "everyone"),
    Call("GET", "/api/v1/users", "/api/v1/users", "everyone"),
    Call("POST", "/api/v1/users", "/api/v1/users", "b-admin"),
]


def test_the_walk_covers_every_route(sqlite_server: Server) -> None:
    spec = sqlite_server.get("/openapi.json", None).json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    walked = {(c.method, c.template) for c in CALLS + LISTS}
    assert routes - walked == set(), "routes the authorization walk does not cover"
    assert walked - routes == set(), "walked routes that do not exist"


def _hold_contact_for_b1(server: Server) -> None:
    """Contact held-by-b1: offered to and accepted by b1 (caller B_CALLER)."""
    for name in ("a1", "a2", "a3"):
        server.post(f"{H}/agents/{name}/logout", "koordination")
    server.post(f"{H}/agents/b1/login", "koordination")
    server.post(f"{H}/agents/b1/ready", "koordination")
    answer = server.post(
        f"{H}/contacts",
        "koordination",
        json={"contact": "held-by-b1", "caller": B_CALLER, "topic": "termin"},
    )
    assert answer.json()["agent"] == "b1", answer.text
    accepted = server.post(f"{H}/agents/b1/offers/held-by-b1/accept", "b1")
    assert accepted.status_code == 200, accepted.text


def _chats_held_by_b4(server: Server) -> None:
    """Web chats: WALK["chat"] connected to b4 (a chat agent of B), WALK["leaving"] ringing."""
    spec = {"provider": "B", "skills": {"termin:de": 1}, "capacity": {"voice": 1, "chat": 3}}
    assert server.put(f"{H}/agents/b4", "koordination", json=spec).status_code == 200
    server.post(f"{H}/agents/b4/login", "koordination")
    server.post(f"{H}/agents/b4/ready", "koordination")
    for name in ("chat", "leaving"):
        started = server.post(f"{H}/chats", None, json={"topic": "termin", "text": "Hallo"})
        assert started.status_code == 201, started.text
        WALK[name], WALK[f"{name}_token"] = started.json()["contact"], started.json()["token"]
    accepted = server.post(f"{H}/agents/b4/offers/{WALK['chat']}/accept", "koordination")
    assert accepted.status_code == 200, accepted.text


@pytest.fixture(scope="module")
def walked(sqlite_server: Server) -> Server:
    _hold_contact_for_b1(sqlite_server)
    _chats_held_by_b4(sqlite_server)
    return sqlite_server


# Denied roles first, so that the thing is still there (and in its state) when they try.
ORDER = sorted(ROLES, key=lambda role: role in ("koordination", "admin-b", "chef-b", "b1"))


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.template}")
def test_every_role_gets_exactly_what_it_may(walked: Server, call: Call) -> None:
    allowed = ALLOWED[call.scope]
    outcomes = {}
    for role in ORDER:
        if call.before is not None:
            call.before(walked)
        path = call.path.format(**WALK)
        headers = {k: v.format(**WALK) for k, v in (call.headers or {}).items()}
        json = call.json
        if call.template == "/api/v1/hotlines" and call.method == "POST":
            json = {**call.json, "name": f"walk-{next(_created)}"}
        response = walked.request(
            call.method,
            path,
            None if role == "anonymous" else role,
            json=json,
            data=call.data,
            headers=headers,
        )
        outcomes[role] = response.status_code
        assert response.status_code < 500, f"{role}: {response.status_code} {response.text}"
        if call.template == "/api/v1/auth/token":  # a wrong password, for everyone
            assert response.status_code == 401
        elif role in allowed:
            assert response.status_code not in (401, 403), f"{role} refused: {response.text}"
            if response.status_code == 404:
                assert "you may see" not in response.text
                assert "of yours" not in response.text
        else:
            expected = {401} if role == "anonymous" else {403, 404}
            assert response.status_code in expected, (
                f"{role} got {response.status_code}: {response.text}"
            )
            assert B_CALLER not in response.text


def test_lists_show_only_ones_own(walked: Server) -> None:
    agents = {
        role: {a["name"] for a in walked.get(f"{H}/agents", role).json()}
        for role in ("admin-a", "chef-a", "a1", "chef-b")
    }
    assert agents["admin-a"]
    assert all(name.startswith("a") for name in agents["admin-a"])
    assert agents["chef-a"] == agents["admin-a"]
    assert agents["a1"] == {"a1"}
    assert "b1" in agents["chef-b"]
    assert not any(name.startswith("b") for name in agents["chef-a"])
    assert walked.get(f"{H}/pledges", "a1").status_code == 403
    pledges = walked.get(f"{H}/pledges", "chef-a").json()
    assert all(p["provider"] == "A" for p in pledges)
    assert walked.get("/api/v1/users", "chef-a").status_code == 403
    users = walked.get("/api/v1/users", "admin-a").json()
    assert users
    assert all(u["provider"] == "A" for u in users)
    other = {"name": "x-b", "password": "passwort-12", "role": "agent", "provider": "B"}
    assert walked.post("/api/v1/users", "admin-a", json=other).status_code == 403
    boss = {"name": "x-k", "password": "passwort-12", "role": "coordinator"}
    assert walked.post("/api/v1/users", "admin-a", json=boss).status_code == 403


def test_the_state_shows_other_providers_only_as_alliance_totals(walked: Server) -> None:
    mine = walked.get(f"{H}/state", "chef-a").json()
    assert set(mine["agents"]["by_provider"]) <= {"A"}
    assert set(mine["providers"]) <= {"A"}
    assert sum(mine["agents"]["alliance"].values()) >= 6  # B's agents are counted, not shown
    everything = walked.get(f"{H}/state", "koordination").json()
    assert {"A", "B"} <= set(everything["agents"]["by_provider"])


def test_a_contact_shows_the_caller_only_to_the_coordinator(walked: Server) -> None:
    caller = "+4930555000222"
    # A topic of its own and an agent of B who alone serves it: nothing else can take the agent.
    walked.put(f"{H}/topics/zeigen", "koordination", json={"languages": ["de"]})
    spec = {"provider": "B", "skills": {"zeigen:de": 1}}
    assert walked.put(f"{H}/agents/b9", "koordination", json=spec).status_code == 200
    walked.post(f"{H}/agents/b9/login", "koordination")
    walked.post(f"{H}/agents/b9/ready", "koordination")
    body = {"contact": "shown", "caller": caller, "topic": "zeigen"}
    answer = walked.post(f"{H}/contacts", "koordination", json=body).json()
    assert answer["agent"] == "b9", answer
    seen = walked.get(f"{H}/contacts/shown", "koordination").json()
    assert seen["caller"] == caller
    for role in ("chef-b", "admin-b"):
        masked = walked.get(f"{H}/contacts/shown", role).json()
        assert masked["caller"].endswith("0222")
        assert caller not in masked["caller"]
    for role in ("chef-a", "a1", "admin-a"):
        assert walked.get(f"{H}/contacts/shown", role).status_code == 404
