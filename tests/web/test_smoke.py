"""The server answers: health, login, a contact through the engine to an agent."""

from __future__ import annotations

from tests.web.server import Server


def test_a_contact_reaches_a_ready_agent_and_is_answered(server: Server) -> None:
    assert server.get("/healthz", None).json()["status"] == "ok"
    assert server.post("/api/v1/hotlines/h1/agents/a1/login", "a1").status_code == 200
    assert server.post("/api/v1/hotlines/h1/agents/a1/ready", "a1").status_code == 200
    arrived = server.post(
        "/api/v1/hotlines/h1/contacts",
        "koordination",
        json={"contact": "smoke-1", "caller": "+4930111", "topic": "termin", "language": "de"},
    )
    assert arrived.status_code == 201, arrived.text
    assert arrived.json()["status"] == "offered"
    assert arrived.json()["agent"] == "a1"
    desk = server.get("/api/v1/hotlines/h1/agents/a1/desk", "a1").json()
    assert "smoke-1" in desk["offers"]
    assert (
        server.post("/api/v1/hotlines/h1/agents/a1/offers/smoke-1/accept", "a1").status_code == 200
    )
    state = server.get("/api/v1/hotlines/h1/state", "chef-a").json()
    assert state["totals"]["answered"] >= 1
