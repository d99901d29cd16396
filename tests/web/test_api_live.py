"""The live API against a running server: contacts in, the engine's answers, agents' actions,
connected providers, the state, and clear 4xx answers to bad input.

Hotline h1 (see ``two_provider_config``): topic termin in de and en; pooled providers A (agents
a1-a3) and B (b1-b3) serve termin:de; connected provider C serves termin:en; callback offers
above 2 minutes of expected wait; at most 30 minutes expected wait (no agent logged in: refused).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest

from tests.web.server import Server
from verbund.store import open_database, read_history
from verbund.store.outcomes import read_notes, read_outcomes

H = "/api/v1/hotlines/h1"
_ids = itertools.count(1)
_made: list[str] = []  # every contact made here, so that each test can start with empty queues


def arrive(server: Server, **fields: Any) -> dict[str, Any]:
    body = {"topic": "termin", "language": "de", **fields}
    body.setdefault("contact", f"c{next(_ids)}")
    body.setdefault("caller", f"+49301{next(_ids):06d}")
    _made.append(body["contact"])
    response = server.post(f"{H}/contacts", "koordination", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def agent(server: Server, name: str, action: str, user: str | None = None, **kw: Any) -> Any:
    response = server.post(f"{H}/agents/{name}/{action}", user or name, **kw)
    return response


def start_afresh(server: Server) -> None:
    """No agent logged in, no contact waiting (calls in progress are ended and wrapped up)."""
    for name in _made:
        for action in ("abandon", "end", "wrap-up-done"):
            server.post(f"{H}/contacts/{name}/{action}", "koordination")
    _made.clear()
    for name in ("a1", "a2", "a3", "b1", "b2", "b3"):
        agent(server, name, "logout", "koordination")


@pytest.fixture
def live(sqlite_server: Server) -> Server:
    start_afresh(sqlite_server)
    return sqlite_server


def test_an_arrival_without_any_agent_logged_in_is_refused_with_retry_after(live: Server) -> None:
    answer = arrive(live)
    assert answer["status"] == "rejected"
    assert answer["reason"] == "no_agents"
    assert answer["retry_after"] >= 60


def test_an_arrival_waits_with_its_position_and_expected_wait(live: Server) -> None:
    assert agent(live, "a2", "login").status_code == 200  # serving, not ready
    first, second = arrive(live), arrive(live)
    assert (first["status"], first["position"]) == ("queued", 1)
    assert (second["status"], second["position"]) == ("queued", 2)
    assert second["ewt"] is not None
    assert second["ewt"] > first["ewt"] > 0
    contact = live.get(f"{H}/contacts/{second['contact']}", "koordination").json()
    assert contact["state"] == "queued"


def test_a_redial_while_waiting_is_told_so_and_makes_no_duplicate(live: Server) -> None:
    agent(live, "a2", "login")
    first = arrive(live, caller="+4930999001")
    again = arrive(live, caller="+4930999001")
    assert again["status"] == "already_waiting"
    assert again["waiting_contact"] == first["contact"]
    assert live.get(f"{H}/contacts/{again['contact']}", "koordination").status_code == 404


def test_a_waiting_caller_who_takes_a_callback_keeps_the_place(live: Server) -> None:
    agent(live, "a2", "login")
    waiting = arrive(live)
    accepted = live.post(f"{H}/contacts/{waiting['contact']}/callback", "koordination")
    assert accepted.status_code == 200, accepted.text
    state = live.get(f"{H}/contacts/{waiting['contact']}", "koordination").json()
    assert state["state"] == "callback_waiting"
    request = arrive(live, callback=True)
    assert request["status"] == "callback_waiting"


def test_an_agent_is_offered_a_contact_accepts_ends_and_wraps_up_with_a_note(
    live: Server,
) -> None:
    assert agent(live, "b1", "login").status_code == 200
    assert agent(live, "b1", "ready").status_code == 200
    answer = arrive(live)
    assert (answer["status"], answer["agent"]) == ("offered", "b1")
    contact = answer["contact"]
    desk = live.get(f"{H}/agents/b1/desk", "b1").json()
    assert contact in desk["offers"]
    assert desk["status"] == "reserved"
    assert live.post(f"{H}/agents/b1/offers/{contact}/accept", "b1").status_code == 200
    assert live.get(f"{H}/agents/b1/desk", "b1").json()["status"] == "busy"
    assert live.post(f"{H}/contacts/{contact}/end", "b1").status_code == 200
    done = live.post(
        f"{H}/contacts/{contact}/wrap-up-done",
        "b1",
        json={"disposition": "termin-vereinbart", "note": "Termin am Montag"},
    )
    assert done.status_code == 200, done.text
    assert live.get(f"{H}/agents/b1/desk", "b1").json()["status"] == "ready"
    with open_database(live.database_url) as database:
        notes = read_notes(database, "h1", contact)
    assert [(n["agent"], n["provider"], n["disposition"]) for n in notes] == [
        ("b1", "B", "termin-vereinbart")
    ]


def test_a_declined_offer_goes_back_to_the_queue(live: Server) -> None:
    agent(live, "a3", "login", "chef-a")  # a supervisor may act for the agents of A
    agent(live, "a3", "ready", "chef-a")
    answer = arrive(live)
    assert answer["agent"] == "a3"
    agent(live, "a2", "login")
    behind = arrive(live)
    assert behind["position"] == 1
    agent(live, "a3", "not-ready", "chef-a", json={"reason": "Rückfrage"})
    # (not ready while the offer rings: the offer stays until it is answered or lapses)
    declined = live.post(f"{H}/agents/a3/offers/{answer['contact']}/decline", "chef-a")
    assert declined.status_code == 200, declined.text
    state = live.get(f"{H}/contacts/{answer['contact']}", "koordination").json()
    assert (state["state"], state["position"]) == ("queued", 1)
    # … at the head, where its arrival puts it: ahead of the contact that came after it.
    later = live.get(f"{H}/contacts/{behind['contact']}", "koordination").json()
    assert (later["state"], later["position"]) == ("queued", 2)
    desk = live.get(f"{H}/agents/a3/desk", "chef-a").json()
    assert (desk["status"], desk["reason"], desk["offers"]) == ("not_ready", "Rückfrage", {})


def test_after_declining_the_desk_tells_until_when_the_agent_is_offered_nothing(
    live: Server,
) -> None:
    agent(live, "b1", "login")
    agent(live, "b1", "ready")
    answer = arrive(live)
    assert answer["agent"] == "b1"
    before = time.time()
    declined = live.post(f"{H}/agents/b1/offers/{answer['contact']}/decline", "b1")
    assert declined.status_code == 200, declined.text
    desk = live.get(f"{H}/agents/b1/desk", "b1").json()
    # Ready, yet the contact waits: the 10 s pause after a decline (the default rule).
    assert (desk["status"], desk["offers"]) == ("ready", {})
    assert before + 10.0 <= desk["pause_ends"] <= time.time() + 10.0
    state = live.get(f"{H}/contacts/{answer['contact']}", "koordination").json()
    assert state["state"] == "queued"
    # Going not ready ends the pause (and ready again, the contact rings at once).
    agent(live, "b1", "not-ready", json={"reason": "break"})
    assert live.get(f"{H}/agents/b1/desk", "b1").json()["pause_ends"] is None
    agent(live, "b1", "ready")
    desk = live.get(f"{H}/agents/b1/desk", "b1").json()
    assert (desk["status"], list(desk["offers"]), desk["pause_ends"]) == (
        "reserved",
        [answer["contact"]],
        None,
    )


def test_a_call_goes_to_the_connected_provider_that_reports_a_ready_agent(live: Server) -> None:
    report = {"ready_agents": 2, "waiting": 0, "handle_time": 240, "serving_agents": 5}
    assert live.post(f"{H}/providers/C/status", "acd-c", json=report).status_code == 200
    answer = arrive(live, language="en")
    assert answer["status"] == "routed"
    assert (answer["provider"], answer["label"]) == ("C", "sip:acd@c.example")
    record = {"contact": answer["contact"], "outcome": "answered", "waited": 12.5, "agent": "c-7"}
    saved = live.post(f"{H}/providers/C/outcomes", "acd-c", json=record)
    assert saved.status_code == 201
    assert saved.json() == {"saved": True}
    again = live.post(f"{H}/providers/C/outcomes", "acd-c", json=record)
    assert again.json() == {"saved": False}  # the first record stays
    with open_database(live.database_url) as database:
        rows = read_outcomes(database, "h1", "C")
    assert [(r["contact"], r["outcome"], r["waited"]) for r in rows] == [
        (answer["contact"], "answered", 12.5)
    ]


def test_a_pooled_provider_cannot_send_status_reports(live: Server) -> None:
    report = {"ready_agents": 1, "waiting": 0, "handle_time": 240, "serving_agents": 1}
    response = live.post(f"{H}/providers/A/status", "chef-a", json=report)
    assert response.status_code == 404
    assert "connected provider" in response.json()["detail"]


def test_the_state_shows_queues_agents_per_provider_and_todays_service_level(
    live: Server,
) -> None:
    agent(live, "a1", "login")
    agent(live, "a1", "ready")
    answer = arrive(live)
    live.post(f"{H}/agents/a1/offers/{answer['contact']}/accept", "a1")
    state = live.get(f"{H}/state", "koordination").json()
    queues = {q["queue"]: q for q in state["queues"]}
    assert queues["termin:de:voice"]["answered"] >= 1
    assert 0 < queues["termin:de:voice"]["service_level"] <= 1
    assert state["agents"]["by_provider"]["A"]["busy"] >= 1
    assert state["totals"]["offered"] >= state["totals"]["answered"] >= 1
    assert state["totals"]["callers"] <= state["totals"]["offered"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"topic": "nope"}, 404, "topic 'nope' is not configured"),
        ({"topic": "termin", "language": "fr"}, 404, "not offered in language 'fr'"),
        ({"topic": "termin", "channel": "fax"}, 422, "channel"),
        ({"language": "de"}, 422, "topic"),
        ({"topic": "termin", "priority": "high"}, 422, "priority"),
        ({"topic": "termin", "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_arrivals_get_a_4xx_saying_what_was_wrong(
    sqlite_server: Server, body: dict[str, Any], status: int, words: str
) -> None:
    agent(sqlite_server, "a2", "login")
    response = sqlite_server.post(f"{H}/contacts", "koordination", json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_the_same_contact_id_twice_is_a_conflict(sqlite_server: Server) -> None:
    agent(sqlite_server, "a2", "login")
    arrive(sqlite_server, contact="twice")
    response = sqlite_server.post(
        f"{H}/contacts", "koordination", json={"contact": "twice", "topic": "termin"}
    )
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


def test_an_illegal_agent_action_names_the_state(sqlite_server: Server) -> None:
    agent(sqlite_server, "a3", "logout", "koordination")
    response = agent(sqlite_server, "a3", "ready", "koordination")
    assert response.status_code == 409
    assert "logged_out" in response.json()["detail"]


def test_unknown_hotlines_and_agents_are_404(sqlite_server: Server) -> None:
    response = sqlite_server.get("/api/v1/hotlines/nope/state", "koordination")
    assert response.status_code == 404
    assert "hotline 'nope' is not configured" in response.json()["detail"]
    assert agent(sqlite_server, "zz9", "login", "koordination").status_code == 404


def test_without_a_login_the_api_answers_401_and_says_how_to_log_in(sqlite_server: Server) -> None:
    response = sqlite_server.get(f"{H}/state", None)
    assert response.status_code == 401
    assert "log in" in response.json()["detail"]
    forged = sqlite_server.get(f"{H}/state", None, headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


def test_a_wrong_password_gets_one_message_for_name_and_password(sqlite_server: Server) -> None:
    for user in ("koordination", "nobody"):
        response = sqlite_server.post(
            "/api/v1/auth/token", None, data={"username": user, "password": "falsch-falsch"}
        )
        assert response.status_code == 401
        assert response.json()["detail"] == "unknown user name or wrong password"


def test_health_and_metrics(sqlite_server: Server) -> None:
    health = sqlite_server.get("/healthz", None).json()
    assert health["status"] == "ok"
    assert health["hotlines"]["h1"]["running"]
    agent(sqlite_server, "a2", "login")
    arrive(sqlite_server)
    text = sqlite_server.get("/metrics", None).text
    assert 'verbund_queue_waiting{hotline="h1",queue="termin:de:voice"}' in text
    assert "verbund_journal_lag_commands" in text
    assert "verbund_request_seconds_bucket" in text
    assert 'verbund_contacts{hotline="h1",outcome="attempts"}' in text


def test_a_finished_contact_is_in_the_history_with_all_its_times(live: Server) -> None:
    agent(live, "b2", "login", "koordination")
    agent(live, "b2", "ready", "koordination")
    answer = arrive(live, caller="+4930123123")
    contact = answer["contact"]
    assert answer["agent"] == "b2"
    for action in ("accept",):
        live.post(f"{H}/agents/b2/offers/{contact}/{action}", "koordination")
    live.post(f"{H}/contacts/{contact}/end", "koordination")
    live.post(f"{H}/contacts/{contact}/wrap-up-done", "koordination")
    deadline = time.monotonic() + 5
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not rows:  # written within about a second, idle or not
        time.sleep(0.2)
        with open_database(live.database_url) as database:
            rows = [r for r in read_history(database, "h1") if r["contact"] == contact]
    assert len(rows) == 1
    row = rows[0]
    assert (row["outcome"], row["provider"], row["agent"], row["caller"]) == (
        "completed",
        "B",
        "b2",
        "+4930123123",
    )
    assert row["arrived"] <= row["offered"] <= row["answered"] <= row["ended"] <= row["wrap_up_end"]


def test_the_server_logs_one_json_object_per_line(live: Server) -> None:
    live.post(f"{H}/agents/nobody/login", "koordination")
    lines = [line for line in live.log.read_text().splitlines() if line.strip()]
    assert lines
    for line in lines:
        document = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(document)


def test_thanks_and_ratings_reach_the_agent_who_helped(live: Server) -> None:
    agent(live, "b1", "login")
    agent(live, "b1", "ready")
    contact = arrive(live)["contact"]
    early = live.post(f"{H}/contacts/{contact}/feedback", "koordination", json={"stars": 5})
    assert early.status_code == 404  # not over yet
    assert "after the conversation" in early.json()["detail"]
    for step in (f"agents/b1/offers/{contact}/accept", f"contacts/{contact}/end"):
        live.post(f"{H}/{step}", "b1")
    live.post(f"{H}/contacts/{contact}/wrap-up-done", "b1")
    body = {"stars": 5, "thanks": "Vielen Dank, endlich einen Termin!"}
    deadline = time.monotonic() + 5
    while (
        saved := live.post(f"{H}/contacts/{contact}/feedback", "koordination", json=body)
    ).status_code == 404 and time.monotonic() < deadline:
        time.sleep(0.2)  # the history row is written within about a second
    assert saved.status_code == 201, saved.text
    assert saved.json() == {"saved": True}
    again = live.post(f"{H}/contacts/{contact}/feedback", "koordination", json={"stars": 1})
    assert again.json() == {"saved": False}
    mine = live.get(f"{H}/agents/b1/feedback", "b1").json()
    assert [(f["contact"], f["stars"], f["thanks"]) for f in mine][:1] == [
        (contact, 5, "Vielen Dank, endlich einen Termin!")
    ]
    assert live.get(f"{H}/agents/b1/feedback", "chef-a").status_code == 403
    bad = live.post(f"{H}/contacts/{contact}/feedback", "koordination", json={"stars": 6})
    assert bad.status_code == 422


def test_with_auto_answer_an_offer_connects_at_once_and_never_rings(live: Server) -> None:
    def auto_answer(on: bool) -> None:
        changed = live.request("PATCH", H, "koordination", json={"rules": {"auto_answer": on}})
        assert changed.status_code == 200, changed.text

    auto_answer(True)
    try:
        assert live.get(H, "koordination").json()["rules"]["auto_answer"] is True
        agent(live, "b2", "login", "chef-b")
        agent(live, "b2", "ready", "chef-b")
        answer = arrive(live)
        assert (answer["status"], answer["agent"]) == ("connected", "b2")
        desk = live.get(f"{H}/agents/b2/desk", "chef-b").json()
        assert (desk["status"], desk["offers"]) == ("busy", {})
        # Nothing to accept: the desktop's accept is refused with the contact's state.
        refused = live.post(f"{H}/agents/b2/offers/{answer['contact']}/accept", "chef-b")
        assert refused.status_code == 409, refused.text
        assert "connected" in refused.json()["detail"]
    finally:
        auto_answer(False)
