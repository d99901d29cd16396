"""CSRF: a request that logs in with the session cookie and may change something needs the
session's token — from a page's form (field ``csrf_token``) or its script (``X-CSRF-Token``).
Without it, or with another session's, the answer is 403 with a message saying what to do, in
German or English; nothing changes. Bearer-token clients need no token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.web.server import Server
from tests.web.test_pages_http import logged_in

H = "/api/v1/hotlines/h1"
GERMAN = "ohne das Sicherheitstoken Ihrer Sitzung"
ENGLISH = "without the security token of your session"


@pytest.fixture
def session(sqlite_server: Server) -> Iterator[httpx.Client]:
    with logged_in(sqlite_server, "koordination") as client:
        yield client


def token_of(client: httpx.Client, page: str = "/console/h1") -> str:
    html = client.get(page).text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found is not None, html[:500]
    forms = re.findall(r'name="csrf_token" value="([^"]*)"', html)
    assert forms
    assert set(forms) == {found.group(1)}  # every form carries it
    return found.group(1)


def topics(server: Server) -> dict[str, object]:
    found: dict[str, object] = server.get(H, "koordination").json()["topics"]
    return found


def test_a_cross_site_form_post_without_the_token_is_refused(
    session: httpx.Client, sqlite_server: Server
) -> None:
    response = session.post(
        "/console/h1/topics",
        data={"topic": "fremd", "languages": "de"},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"},
    )
    assert response.status_code == 403
    assert GERMAN in response.text
    assert "Traceback" not in response.text
    assert "fremd" not in topics(sqlite_server)


def test_the_token_of_another_session_is_refused(
    session: httpx.Client, sqlite_server: Server
) -> None:
    with logged_in(sqlite_server, "chef-a") as other:
        foreign = token_of(other, "/wallboard/h1")
    assert foreign != token_of(session)
    response = session.post(
        "/console/h1/topics", data={"topic": "fremd2", "languages": "de", "csrf_token": foreign}
    )
    assert response.status_code == 403
    assert "fremd2" not in topics(sqlite_server)


def test_a_forged_token_is_refused_in_english_for_english_readers(session: httpx.Client) -> None:
    session.cookies.set("lang", "en")
    response = session.post(
        "/admin/users", data={"name": "x", "password": "y" * 12, "csrf_token": "forged.token"}
    )
    assert response.status_code == 403
    assert ENGLISH in response.text


def test_a_forecast_upload_without_the_token_is_refused(session: httpx.Client) -> None:
    response = session.post(
        "/console/h1/forecast",
        files={"forecast": ("f.csv", b"interval_start,topic,calls,aht\n", "text/csv")},
    )
    assert response.status_code == 403
    assert GERMAN in response.text


def test_the_form_with_the_pages_token_is_carried_out(
    session: httpx.Client, sqlite_server: Server
) -> None:
    token = token_of(session)
    response = session.post(
        "/console/h1/topics", data={"topic": "eigen", "languages": "de", "csrf_token": token}
    )
    assert response.status_code == 303
    assert "eigen" in topics(sqlite_server)


def test_an_api_call_with_the_cookie_needs_the_header(
    session: httpx.Client, sqlite_server: Server
) -> None:
    body = {"title": "Per Cookie"}
    refused = session.patch(H, json=body)
    assert refused.status_code == 403
    assert GERMAN in refused.json()["detail"]
    assert session.get(H).json()["title"] != "Per Cookie"  # reading needs no token

    done = session.patch(H, json=body, headers={"X-CSRF-Token": token_of(session)})
    assert done.status_code == 200, done.text
    assert done.json()["title"] == "Per Cookie"


def test_the_lean_path_checks_the_cookie_too(sqlite_server: Server) -> None:
    with logged_in(sqlite_server, "a1") as agent:
        refused = agent.post(f"{H}/agents/a1/login")
        assert refused.status_code == 403
        assert GERMAN in refused.json()["detail"]
        token = token_of(agent, "/desk/h1")
        done = agent.post(f"{H}/agents/a1/login", headers={"X-CSRF-Token": token})
        assert done.status_code == 200, done.text
    sqlite_server.post(f"{H}/agents/a1/logout", "a1")


def test_bearer_token_clients_need_no_csrf_token(sqlite_server: Server) -> None:
    response = sqlite_server.post(f"{H}/agents/a2/login", "a2")
    assert response.status_code == 200, response.text
    sqlite_server.post(f"{H}/agents/a2/logout", "a2")
