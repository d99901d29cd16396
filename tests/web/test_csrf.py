"""CSRF: a request that logs in with the session cookie and may change something needs the
session's token — from a page's form (field ``csrf_token``) or its script (``X-CSRF-Token``).
Without it, or with another session's, the answer is 403 with a message saying what to do, in
German or English; nothing changes. Bearer-token clients need no token. The login form, before
there is a session, needs the token bound to the browser's pre-session cookie; logging out needs
the session's token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.web.server import PASSWORD, Server, login_form_token
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


# --- logging in and out ------------------------------------------------------------------------

LOGIN_GERMAN = "Dieses Anmeldeformular ist abgelaufen oder kam nicht von dieser Website."
LOGIN_ENGLISH = "This login form has expired or did not come from this site."
NO_COOKIE_GERMAN = "Erlauben Sie Cookies für diese Website"


def login_refused(response: httpx.Response, message: str) -> None:
    """A refused login: 403, the login page again with ``message``, and no session."""
    assert response.status_code == 403, response.text
    assert "text/html" in response.headers["content-type"]
    assert message in response.text
    assert "Traceback" not in response.text
    assert 'action="/login"' in response.text  # a fresh form to try again
    assert not any(
        c.startswith("verbund_session=") for c in response.headers.get_list("set-cookie")
    )


def test_the_login_form_holds_a_token_bound_to_a_short_lived_cookie(
    sqlite_server: Server,
) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        page = client.get("/login")
        cookie = page.headers["set-cookie"].lower()
        assert cookie.startswith("verbund_login=")
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "max-age=3600" in cookie
        token = login_form_token(client)
        assert token
        again = client.get("/login")
        assert "set-cookie" not in again.headers  # the cookie is kept while it lasts
    with httpx.Client(base_url=sqlite_server.base_url) as other:
        assert login_form_token(other) != token  # another browser, another token


def test_a_login_post_without_the_token_is_refused_and_logs_nobody_in(
    sqlite_server: Server,
) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        login_form_token(client)  # the browser has the cookie, but the post has no token
        response = client.post(
            "/login",
            data={"username": "koordination", "password": PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
        login_refused(response, LOGIN_GERMAN)
        assert client.get("/console/h1").status_code == 303  # still not logged in


def test_a_cross_site_login_without_the_cookie_is_refused_saying_what_to_do(
    sqlite_server: Server,
) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as attacker:
        token = login_form_token(attacker)  # a valid token, but for the attacker's cookie
    with httpx.Client(base_url=sqlite_server.base_url) as victim:
        response = victim.post(
            "/login", data={"username": "koordination", "password": PASSWORD, "csrf_token": token}
        )
        login_refused(response, NO_COOKIE_GERMAN)
        # The refusal sets a cookie and a token for it: the next try works.
        assert response.cookies.get("verbund_login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        assert found is not None
        retried = victim.post(
            "/login",
            data={"username": "koordination", "password": PASSWORD, "csrf_token": found.group(1)},
        )
        assert retried.status_code == 303, retried.text


def test_the_login_token_of_another_browser_is_refused_in_english_for_english_readers(
    sqlite_server: Server,
) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as other:
        foreign = login_form_token(other)
    with httpx.Client(base_url=sqlite_server.base_url, cookies={"lang": "en"}) as client:
        login_form_token(client)
        response = client.post(
            "/login", data={"username": "a1", "password": PASSWORD, "csrf_token": foreign}
        )
        login_refused(response, LOGIN_ENGLISH)


@pytest.mark.parametrize("token", ["forged.token", "", "x" * 500])
def test_a_forged_login_token_is_refused(sqlite_server: Server, token: str) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        login_form_token(client)
        response = client.post(
            "/login", data={"username": "a1", "password": PASSWORD, "csrf_token": token}
        )
        login_refused(response, LOGIN_GERMAN)


def test_a_login_token_too_long_for_the_field_is_a_clear_error(sqlite_server: Server) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        login_form_token(client)
        response = client.post(
            "/login", data={"username": "a1", "password": PASSWORD, "csrf_token": "x" * 501}
        )
    assert response.status_code == 422
    assert "csrf_token" in response.text
    assert "Traceback" not in response.text


def test_the_token_is_checked_before_the_password(sqlite_server: Server) -> None:
    """A forged post learns nothing about the password: refused the same either way."""
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        login_form_token(client)
        right = client.post("/login", data={"username": "a1", "password": PASSWORD})
        wrong = client.post("/login", data={"username": "a1", "password": "falsch-falsch"})
    assert right.status_code == wrong.status_code == 403


def test_logging_out_without_the_sessions_token_is_refused_and_keeps_the_session(
    session: httpx.Client,
) -> None:
    response = session.post("/logout", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert GERMAN in response.text
    assert "Traceback" not in response.text
    assert session.get("/console/h1").status_code == 200  # still logged in
    session.cookies.set("lang", "en")
    english = session.post("/logout", data={"csrf_token": "forged.token"})
    assert english.status_code == 403
    assert ENGLISH in english.text
    assert session.get("/console/h1").status_code == 200


def test_logging_out_with_the_sessions_token_ends_the_session(session: httpx.Client) -> None:
    response = session.post("/logout", data={"csrf_token": token_of(session)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert session.get("/console/h1").status_code == 303


def test_a_link_to_logout_asks_first_and_ends_nothing(session: httpx.Client) -> None:
    page = session.get("/logout")
    assert page.status_code == 200
    assert "Von Verbund abmelden?" in page.text
    assert 'id="logout-form"' in page.text
    assert session.get("/console/h1").status_code == 200


def test_logging_out_without_a_session_just_goes_to_the_login_page(sqlite_server: Server) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        assert client.get("/logout").headers["location"] == "/login"
        response = client.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
