"""Chat and social conversations against a running server, on SQLite and PostgreSQL.

A citizen starts a web chat (no login; a token opens that one chat), the agent it is offered to
accepts, reads the history and replies, and each side gets the other's messages live; a social
adapter posts inbound messages and sends the agent's replies from the outbox. Only the agent the
contact is with, their provider's admins and supervisors and the coordinator read a
conversation; nobody of another provider learns it exists. Bad input is a clear 4xx.

Hotline h1 (see ``two_provider_config``): agents a1…a3 (provider A) and b1…b3 (B) serve
termin:de with chat capacity 3; wrap-up lasts until the agent ends it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.web.server import Server, running_server, two_provider_config
from tests.web.test_websockets import receive
from verbund.store import open_database, sqlite_url
from verbund.store.conversations import read_messages

H = "/api/v1/hotlines/h1"
AGENTS = ("a1", "a2", "a3", "b1", "b2", "b3")
_made: list[str] = []


def start_afresh(server: Server) -> None:
    """No contact of an earlier test left with an agent, nobody logged in."""
    for contact in _made:
        for action in ("abandon", "end", "wrap-up-done"):
            server.post(f"{H}/contacts/{contact}/{action}", "koordination")
    _made.clear()
    for name in AGENTS:
        server.post(f"{H}/agents/{name}/logout", "koordination")


@pytest.fixture
def live(server: Server) -> Server:
    start_afresh(server)
    return server


def ready(server: Server, *agents: str) -> None:
    for name in agents:
        assert server.post(f"{H}/agents/{name}/login", "koordination").is_success
        assert server.post(f"{H}/agents/{name}/ready", "koordination").is_success


def start_chat(server: Server, text: str | None = "Hallo", **fields: Any) -> dict[str, Any]:
    body = {"topic": "termin", "language": "de", **fields}
    if text is not None:
        body["text"] = text
    response = server.post(f"{H}/chats", None, json=body)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    _made.append(started["contact"])
    return started


def as_citizen(chat: dict[str, Any]) -> dict[str, str]:
    return {"X-Chat-Token": chat["token"]}


def connected_chat(server: Server, agent: str = "a1", text: str = "Hallo") -> dict[str, Any]:
    ready(server, agent)
    chat = start_chat(server, text)
    accepted = server.post(f"{H}/agents/{agent}/offers/{chat['contact']}/accept", agent)
    assert accepted.status_code == 200, accepted.text
    return chat


def test_a_web_chat_reaches_the_agent_and_the_reply_reaches_the_citizen(live: Server) -> None:
    chat = connected_chat(live, "a1", "Ich brauche einen Impftermin")
    contact = chat["contact"]
    assert chat["messages"][0]["text"] == "Ich brauche einen Impftermin"

    history = live.get(f"{H}/contacts/{contact}/messages", "a1").json()
    assert (history["channel"], history["topic"], history["language"]) == ("chat", "termin", "de")
    assert [(m["seq"], m["sender"], m["text"]) for m in history["messages"]] == [
        (1, "caller", "Ich brauche einen Impftermin")
    ]
    reply = live.post(
        f"{H}/contacts/{contact}/messages", "a1", json={"text": "Gern, für wann?"}
    ).json()
    assert (reply["seq"], reply["sender"], reply["agent"], reply["delivery"]) == (
        2,
        "agent",
        "a1",
        "sent",
    )

    seen = live.get(f"{H}/chats/{contact}", None, headers=as_citizen(chat))
    assert seen.status_code == 200, seen.text
    assert seen.json()["state"] == "connected"
    assert [(m["sender"], m["text"]) for m in seen.json()["messages"]] == [
        ("caller", "Ich brauche einen Impftermin"),
        ("agent", "Gern, für wann?"),
    ]
    assert "a1" not in json.dumps(seen.json()["messages"])  # no agent names for the public

    written = live.post(
        f"{H}/chats/{contact}/messages", None, headers=as_citizen(chat), json={"text": "Freitag"}
    )
    assert (written.status_code, written.json()["seq"]) == (201, 3)
    left = live.post(f"{H}/chats/{contact}/leave", None, headers=as_citizen(chat))
    assert left.json()["state"] == "ended"
    assert live.get(f"{H}/contacts/{contact}", "a1").json()["state"] == "wrap_up"
    final = live.get(f"{H}/contacts/{contact}/messages", "a1").json()["messages"]
    assert [m["sender"] for m in final] == ["caller", "agent", "caller", "system"]
    assert final[-1]["text"] == "caller_left"
    again = live.post(
        f"{H}/chats/{contact}/messages", None, headers=as_citizen(chat), json={"text": "Hallo?"}
    )
    assert again.status_code == 409
    assert "ended" in again.json()["detail"]

    with open_database(live.database_url) as database:  # stored, in order
        stored = read_messages(database, "h1", contact)
    assert [m["seq"] for m in stored] == [1, 2, 3, 4]


def test_messages_arrive_live_on_both_sides(live: Server) -> None:
    ready(live, "a2")
    desk_url = f"{live.ws_url}{H}/agents/a2/ws?token={live.login('a2')}"
    with connect(desk_url, open_timeout=10) as desk:
        receive(desk, "desk")
        chat = start_chat(live, "Hallo")
        contact = chat["contact"]
        citizen_url = f"{live.ws_url}{H}/chats/{contact}/ws?token={chat['token']}"
        with connect(citizen_url, open_timeout=10) as page:
            first = receive(page, "chat")
            assert first["state"] == "waiting"
            assert [m["text"] for m in first["messages"]] == ["Hallo"]
            live.post(f"{H}/agents/a2/offers/{contact}/accept", "a2")
            assert receive(page, "state", state="connected")

            live.post(f"{H}/chats/{contact}/messages", None, headers=as_citizen(chat),
                      json={"text": "Sind Sie da?"})  # fmt: skip
            arrived = receive(desk, "message", contact=contact, text="Sind Sie da?")
            assert (arrived["sender"], arrived["seq"]) == ("caller", 2)

            live.post(f"{H}/contacts/{contact}/messages", "a2", json={"text": "Ja, hier."})
            answer = receive(page, "message", sender="agent")
            assert answer["text"] == "Ja, hier."
            assert "agent" not in {k for k in answer if k != "sender"}

            live.post(f"{H}/contacts/{contact}/end", "a2")
            assert receive(page, "state", state="ended")


def test_a_waiting_chat_knows_its_place_and_leaving_abandons_it(live: Server) -> None:
    assert live.post(f"{H}/agents/a3/login", "koordination").is_success  # serving, not ready
    first, second = start_chat(live), start_chat(live, text=None)
    assert (first["state"], first["position"]) == ("waiting", 1)
    assert (second["state"], second["position"]) == ("waiting", 2)
    assert second["ewt"] > 0
    assert second["messages"] == []
    left = live.post(f"{H}/chats/{first['contact']}/leave", None, headers=as_citizen(first))
    assert left.json()["state"] == "ended"
    now = live.get(f"{H}/chats/{second['contact']}", None, headers=as_citizen(second)).json()
    assert (now["state"], now["position"]) == ("waiting", 1)
    assert live.get(f"{H}/contacts/{first['contact']}", "koordination").status_code == 404


def test_a_chat_without_anyone_serving_is_refused_with_retry_after(live: Server) -> None:
    refused = start_chat(live)
    assert (refused["state"], refused["token"]) == ("rejected", None)
    assert refused["reason"] == "no_agents"
    assert refused["retry_after"] >= 60


def test_only_the_agent_and_their_provider_read_a_conversation(live: Server) -> None:
    chat = connected_chat(live, "a1")
    path = f"{H}/contacts/{chat['contact']}/messages"
    everything = live.get(path, "koordination").json()
    assert everything["caller"].startswith("chat:")
    for user in ("a1", "chef-a", "admin-a"):
        seen = live.get(path, user)
        assert seen.status_code == 200, f"{user}: {seen.text}"
        assert seen.json()["caller"] != everything["caller"]
        assert seen.json()["caller"].endswith(everything["caller"][-4:])
    for user in ("a2", "b1", "chef-b", "admin-b"):
        hidden = live.get(path, user)
        assert hidden.status_code == 404, f"{user}: {hidden.text}"
        assert "Hallo" not in hidden.text
        written = live.post(path, user, json={"text": "Hallo von woanders"})
        assert written.status_code in (403, 404), f"{user}: {written.text}"
    assert live.post(path, "chef-a", json={"text": "Die Leitung schreibt mit"}).status_code == 201
    texts = [m["text"] for m in live.get(path, "a1").json()["messages"]]
    assert "Hallo von woanders" not in texts


def test_a_supervisors_reply_is_stored_as_theirs_for_the_agent(live: Server) -> None:
    chat = connected_chat(live, "a1")
    path = f"{H}/contacts/{chat['contact']}/messages"
    by_chef = live.post(path, "chef-a", json={"text": "Hier schreibt die Leitung"})
    assert by_chef.status_code == 201, by_chef.text
    by_agent = live.post(path, "a1", json={"text": "Und wieder ich"})
    assert by_agent.status_code == 201, by_agent.text
    written = [
        (m["sender"], m["agent"], m["author"], m["author_role"])
        for m in live.get(path, "a1").json()["messages"]
        if m["sender"] == "agent"
    ]
    assert written == [
        ("agent", "a1", "chef-a", "supervisor"),
        ("agent", "a1", "a1", "agent"),
    ]
    seen = live.get(f"{H}/chats/{chat['contact']}", None, headers=as_citizen(chat)).json()
    assert "chef-a" not in json.dumps(seen)  # the citizen is told no names


def test_a_chat_token_opens_only_its_own_chat(live: Server) -> None:
    ready(live, "a1")
    mine, other = start_chat(live), start_chat(live)
    path = f"{H}/chats/{mine['contact']}"
    for headers in ({}, {"X-Chat-Token": "garbage"}, as_citizen(other)):
        refused = live.get(path, None, headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.json()["detail"]
        assert live.post(f"{path}/leave", None, headers=headers).status_code == 401
    user_token = {"X-Chat-Token": live.login("koordination")}  # a login is no chat token
    assert live.get(path, None, headers=user_token).status_code == 401


def test_bad_chat_input_gets_a_clear_4xx(live: Server) -> None:
    ready(live, "a1")
    for body, status in (
        ({"topic": "termin", "text": "   "}, 422),
        ({"topic": "termin", "text": "x" * 2001}, 422),
        ({"topic": "nope"}, 404),
        ({"topic": "termin", "language": "fr"}, 404),
        ({"topic": "termin", "extra": 1}, 422),
    ):
        response = live.post(f"{H}/chats", None, json=body)
        assert response.status_code == status, f"{body}: {response.text}"
        assert response.json()["detail"]
    assert live.post("/api/v1/hotlines/nope/chats", None, json={"topic": "t"}).status_code == 404
    chat = start_chat(live)
    path = f"{H}/chats/{chat['contact']}/messages"
    blank = live.post(path, None, headers=as_citizen(chat), json={"text": ""})
    assert blank.status_code == 422
    assert "text" in blank.json()["detail"]


def test_a_chat_that_writes_too_fast_is_slowed_down(live: Server) -> None:
    """30 messages at once pass, then one more every two seconds (30 a minute)."""
    ready(live, "a1")
    chat = start_chat(live, text=None)
    path = f"{H}/chats/{chat['contact']}/messages"
    started, accepted = time.monotonic(), 0
    for i in range(100):
        response = live.post(path, None, headers=as_citizen(chat), json={"text": f"Nr. {i}"})
        if response.status_code != 201:
            break
        accepted += 1
    elapsed = time.monotonic() - started
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "too many messages" in response.json()["detail"]
    assert 30 <= accepted <= 30 + elapsed / 2 + 1


def test_a_reply_needs_a_connected_chat_or_social_contact(live: Server) -> None:
    ready(live, "a1")
    chat = start_chat(live)  # offered, not yet accepted
    ringing = live.post(f"{H}/contacts/{chat['contact']}/messages", "a1", json={"text": "Hallo"})
    assert ringing.status_code == 409
    assert "not connected" in ringing.json()["detail"]
    live.post(f"{H}/contacts/{chat['contact']}/abandon", "koordination")
    voice = {"contact": "voice-conv", "caller": "+4930111222", "topic": "termin"}
    _made.append("voice-conv")
    assert live.post(f"{H}/contacts", "koordination", json=voice).json()["agent"] == "a1"
    live.post(f"{H}/agents/a1/offers/voice-conv/accept", "a1")
    call = live.post(f"{H}/contacts/voice-conv/messages", "a1", json={"text": "Hallo"})
    assert call.status_code == 404
    assert "has no conversation" in call.json()["detail"]


def social(server: Server, user: str = "koordination", **fields: Any) -> Any:
    body = {"platform": "messenger", "thread": "t-1", "sender": "psid-4711", "topic": "termin",
            "text": "Hallo", **fields}  # fmt: skip
    return server.post(f"{H}/social/messages", user, json=body)


def test_social_messages_join_their_thread_and_replies_go_out_through_the_outbox(
    live: Server,
) -> None:
    spec = {"provider": "B", "skills": {"termin:de": 1}, "capacity": {"voice": 1, "social": 5}}
    assert live.put(f"{H}/agents/b2", "koordination", json=spec).status_code == 200
    ready(live, "b2")
    thread = f"thread-{time.monotonic_ns()}"
    first = social(live, thread=thread, message_id="m1", text="Wann kann ich kommen?")
    assert first.status_code == 201, first.text
    started = first.json()
    contact = started["contact"]
    _made.append(contact)
    assert (started["new_contact"], started["answer"]["status"], started["answer"]["agent"]) == (
        True,
        "offered",
        "b2",
    )
    again = social(live, thread=thread, message_id="m1", text="Wann kann ich kommen?").json()
    assert (again["contact"], again["duplicate"], again["message"]["seq"]) == (contact, True, 1)
    more = social(live, thread=thread, message_id="m2", text="Ich bin 80.").json()
    assert (more["contact"], more["new_contact"], more["message"]["seq"]) == (contact, False, 2)

    live.post(f"{H}/agents/b2/offers/{contact}/accept", "koordination")
    history = live.get(f"{H}/contacts/{contact}/messages", "chef-b").json()
    assert (history["channel"], history["platform"]) == ("social", "messenger")
    assert "psid-4711" not in history["caller"]
    reply = live.post(f"{H}/contacts/{contact}/messages", "chef-b", json={"text": "Morgen."})
    assert reply.json()["delivery"] == "pending"

    outbox = live.get(f"{H}/social/outbox", "koordination").json()
    mine = [item for item in outbox if item["contact"] == contact]
    assert [(i["platform"], i["thread"], i["recipient"], i["text"]) for i in mine] == [
        ("messenger", thread, "psid-4711", "Morgen.")
    ]
    acked = live.post(
        f"{H}/social/outbox/{mine[0]['id']}/ack", "koordination", json={"state": "sent"}
    )
    assert acked.json() == {"id": mine[0]["id"], "contact": contact, "delivery": "sent"}
    assert all(
        i["contact"] != contact for i in live.get(f"{H}/social/outbox", "koordination").json()
    )
    delivered = live.get(f"{H}/contacts/{contact}/messages", "admin-b").json()["messages"][-1]
    assert (delivered["text"], delivered["delivery"]) == ("Morgen.", "sent")

    live.post(f"{H}/contacts/{contact}/end", "koordination")  # over: the thread starts anew
    later = social(live, thread=thread, message_id="m3", text="Noch eine Frage").json()
    assert later["new_contact"] is True
    assert later["contact"] != contact
    _made.append(later["contact"])


def test_social_endpoints_are_for_the_coordinators_adapters_only(live: Server) -> None:
    for user in ("admin-b", "chef-b", "b1"):
        assert social(live, user).status_code == 403
        assert live.get(f"{H}/social/outbox", user).status_code == 403
        ack = live.post(f"{H}/social/outbox/1/ack", user, json={"state": "sent"})
        assert ack.status_code == 403
    assert social(live, None).status_code == 401
    unknown = live.post(f"{H}/social/outbox/987654321/ack", "koordination", json={"state": "sent"})
    assert unknown.status_code == 404
    bad = social(live, platform="Not A Platform")
    assert bad.status_code == 422
    assert "platform" in bad.json()["detail"]


def test_a_person_waiting_in_one_thread_who_writes_in_another_joins_that_contact(
    live: Server,
) -> None:
    assert live.post(f"{H}/agents/b3/login", "koordination").is_success  # serving, not ready
    spec = {"provider": "B", "skills": {"termin:de": 1}, "capacity": {"voice": 1, "social": 5}}
    assert live.put(f"{H}/agents/b3", "koordination", json=spec).status_code == 200
    sender = f"psid-{time.monotonic_ns()}"
    first = social(live, thread=f"{sender}-a", sender=sender, text="Erste Frage").json()
    _made.append(first["contact"])
    assert first["answer"]["status"] == "queued"
    second = social(live, thread=f"{sender}-b", sender=sender, text="Zweite Frage").json()
    assert (second["contact"], second["new_contact"]) == (first["contact"], False)
    assert second["answer"]["status"] == "already_waiting"
    texts = [m["text"] for m in live.get(f"{H}/contacts/{first['contact']}/messages",
                                         "koordination").json()["messages"]]  # fmt: skip
    assert texts == ["Erste Frage", "Zweite Frage"]


def test_a_chat_socket_without_its_token_is_closed_with_4401(live: Server) -> None:
    ready(live, "a1")
    mine, other = start_chat(live), start_chat(live)
    for token in ("", "garbage", other["token"]):
        url = f"{live.ws_url}{H}/chats/{mine['contact']}/ws?token={token}"
        with connect(url, open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


def test_the_chat_limits_are_settings(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "limits.db")
    with running_server(url, two_provider_config("h1"), tmp_path, chat_starts="2") as strict:
        assert strict.post(f"{H}/agents/a1/login", "koordination").is_success
        answers = [
            strict.post(f"{H}/chats", None, json={"topic": "termin"}).status_code for _ in range(3)
        ]
    assert answers == [201, 201, 429]


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [("127.0.0.1,::1", [201, 201, 429]), ("10.0.0.0/8", [201, 429, 429])],
    ids=["proxy-trusted", "proxy-not-trusted"],
)
def test_chats_are_limited_per_address_behind_a_trusted_proxy(
    tmp_path: Path, trusted: str, expected: list[int]
) -> None:
    # This test talks from 127.0.0.1, as a reverse proxy on the same machine would. Trusted, its
    # X-Forwarded-For names the citizen; not trusted, every chat comes from the proxy's address.
    url = sqlite_url(tmp_path / "proxy.db")
    config = two_provider_config("h1")
    with running_server(url, config, tmp_path, chat_starts="1", trusted_proxies=trusted) as server:
        assert server.post(f"{H}/agents/a1/login", "koordination").is_success
        answers = [
            server.post(
                f"{H}/chats",
                None,
                json={"topic": "termin"},
                headers={"X-Forwarded-For": citizen},
            ).status_code
            for citizen in ("198.51.100.1", "198.51.100.2", "198.51.100.1")
        ]
    assert answers == expected
