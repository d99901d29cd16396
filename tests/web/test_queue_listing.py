"""``GET /hotlines/{h}/queues/{queue}``: the waiting contacts in order, a page at a time, for the
coordinator only; a bad queue name or page size is a 422 that says what was wrong."""

from __future__ import annotations

from tests.web.server import Server

Q = "/api/v1/hotlines/h1/queues/termin:en:chat"


def test_the_queue_lists_waiting_contacts_in_order_a_page_at_a_time(sqlite_server: Server) -> None:
    server = sqlite_server
    sent = []
    for i, priority in enumerate([0, 0, 3, 0, 3]):
        contact = f"listed-{i}"
        answer = server.post(
            "/api/v1/hotlines/h1/contacts",
            "koordination",
            json={
                "contact": contact,
                "topic": "termin",
                "language": "en",
                "channel": "chat",
                "priority": priority,
                "callback": True,  # nobody serves termin:en: a call would be refused
            },
        )
        assert answer.status_code == 201, answer.text
        sent.append((-priority, i, contact))
    expected = [contact for _, _, contact in sorted(sent)]
    whole = server.get(Q, "koordination").json()
    assert whole["waiting"] == 5
    assert [row["contact"] for row in whole["contacts"]] == expected
    assert [row["position"] for row in whole["contacts"]] == [1, 2, 3, 4, 5]
    assert {row["state"] for row in whole["contacts"]} == {"callback_waiting"}
    page = server.get(Q, "koordination", params={"limit": 2, "offset": 2}).json()
    assert [row["contact"] for row in page["contacts"]] == expected[2:4]
    assert [row["position"] for row in page["contacts"]] == [3, 4]
    beyond = server.get(Q, "koordination", params={"offset": 10}).json()
    assert (beyond["waiting"], beyond["contacts"]) == (5, [])


def test_an_empty_or_unknown_queue_lists_nobody(sqlite_server: Server) -> None:
    answer = sqlite_server.get("/api/v1/hotlines/h1/queues/nothing:de:social", "koordination")
    assert answer.status_code == 200
    assert (answer.json()["waiting"], answer.json()["contacts"]) == (0, [])


def test_bad_queue_names_and_pages_are_422_with_a_message(sqlite_server: Server) -> None:
    for queue in ("termin", "termin:de", "termin:de:fax", "termin::voice", "a:b:voice:x"):
        answer = sqlite_server.get(f"/api/v1/hotlines/h1/queues/{queue}", "koordination")
        assert answer.status_code == 422, (queue, answer.text)
        assert "topic:language:channel" in answer.json()["detail"]
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}):
        answer = sqlite_server.get(Q, "koordination", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["detail"]


def test_only_the_coordinator_sees_a_queue(sqlite_server: Server) -> None:
    for user in ("admin-a", "chef-b", "a1"):
        assert sqlite_server.get(Q, user).status_code == 403
    assert sqlite_server.get(Q, None).status_code == 401
    assert (
        sqlite_server.get("/api/v1/hotlines/nope/queues/a:de:voice", "koordination").status_code
        == 404
    )
