"""The pages over plain HTTP: logging in and out, where each role lands, redirects to the login
page, refusals as HTML pages (never JSON, never a traceback), static files, and the session
cookie's attributes."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.web.server import Server, submit_login


@contextlib.contextmanager
def logged_in(server: Server, user: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in through the login form (the session cookie)."""
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        response = submit_login(client, user)
        assert response.status_code == 303, response.text
        yield client


@pytest.mark.parametrize(
    "path",
    ["/", "/desk/h1", "/desk/h1/a1", "/wallboard/h1", "/console", "/console/h1", "/admin"],
)
def test_a_page_without_login_redirects_to_the_login_page(sqlite_server: Server, path: str) -> None:
    response = httpx.get(f"{sqlite_server.base_url}{path}")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login")
    if path != "/":
        assert httpx.URL(location).params["next"] == path


def test_a_wrong_password_is_told_on_the_login_page(sqlite_server: Server) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        response = submit_login(client, "a1", "falsch-falsch")
    assert response.status_code == 401
    assert "text/html" in response.headers["content-type"]
    assert "Unbekannter Benutzername oder falsches Passwort." in response.text
    assert "verbund_session" not in response.headers.get("set-cookie", "")


def test_the_login_sets_an_httponly_lax_session_cookie(sqlite_server: Server) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        response = submit_login(client, "chef-a", next="/wallboard/h1")
    assert response.status_code == 303
    assert response.headers["location"] == "/wallboard/h1"
    cookies = [c.lower() for c in response.headers.get_list("set-cookie")]
    session = [c for c in cookies if c.startswith("verbund_session=")]
    assert len(session) == 1
    assert "httponly" in session[0]
    assert "samesite=lax" in session[0]
    assert "path=/" in session[0]
    # The login form's pre-session cookie has done its work: it is removed.
    assert any(c.startswith('verbund_login=""') and "max-age=0" in c for c in cookies), cookies


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_the_login_goes_back_only_to_this_site(sqlite_server: Server, target: str) -> None:
    with httpx.Client(base_url=sqlite_server.base_url) as client:
        response = submit_login(client, "a1", next=target)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("user", "page"),
    [
        ("a1", "/desk/h1"),
        ("chef-a", "/wallboard/h1"),
        ("koordination", "/wallboard/h1"),
        ("admin-a", "/admin"),
    ],
)
def test_each_role_lands_on_its_page(sqlite_server: Server, user: str, page: str) -> None:
    with logged_in(sqlite_server, user) as client:
        response = client.get("/")
        assert response.status_code == 303
        assert response.headers["location"] == page
        assert client.get(page).status_code == 200


def test_logging_out_ends_the_session_for_the_pages(sqlite_server: Server) -> None:
    with logged_in(sqlite_server, "chef-a") as client:
        page = client.get("/wallboard/h1")
        assert page.status_code == 200
        token = re.search(r'action="/logout".*?name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None, page.text[:1000]
        response = client.post("/logout", data={"csrf_token": token.group(1)})
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert client.get("/wallboard/h1").status_code == 303


def test_a_forged_session_cookie_leads_to_the_login_page(sqlite_server: Server) -> None:
    response = httpx.get(
        f"{sqlite_server.base_url}/wallboard/h1", cookies={"verbund_session": "forged.token"}
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("a1", "/wallboard/h1", 403),
        ("a1", "/admin", 403),
        ("a1", "/console/h1", 403),
        ("a1", "/desk/h1/b1", 403),
        ("chef-a", "/desk/h1/b1", 403),
        ("chef-a", "/admin", 403),
        ("admin-a", "/console/h1", 403),
        ("chef-a", "/wallboard/nowhere", 404),
        ("koordination", "/console/nowhere", 404),
        ("koordination", "/desk/h1/nobody", 404),
    ],
)
def test_refusals_are_html_pages_without_data(
    sqlite_server: Server, user: str, path: str, status: int
) -> None:
    with logged_in(sqlite_server, user) as client:
        response = client.get(path)
    assert response.status_code == status
    assert "text/html" in response.headers["content-type"]
    assert "Traceback" not in response.text
    assert 'id="status"' not in response.text
    assert "wallboard-data" not in response.text


def test_bad_query_input_is_a_page_that_says_what_was_wrong(sqlite_server: Server) -> None:
    with logged_in(sqlite_server, "koordination") as client:
        response = client.get("/console/h1?day=morgen")
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "expected a date like 2021-01-12" in response.text


def test_scripts_and_styles_are_served_from_the_package(sqlite_server: Server) -> None:
    for name, kind in (
        ("common.js", "javascript"),
        ("desk.js", "javascript"),
        ("wallboard.js", "javascript"),
        ("verbund.css", "text/css"),
    ):
        response = httpx.get(f"{sqlite_server.base_url}/static/{name}")
        assert response.status_code == 200, name
        assert kind in response.headers["content-type"]


def test_pages_load_nothing_from_elsewhere(sqlite_server: Server) -> None:
    with logged_in(sqlite_server, "koordination") as client:
        for path in ("/wallboard/h1", "/console/h1", "/admin", "/desk/h1/a1", "/login"):
            html = client.get(path).text
            assert "http://" not in html.replace(sqlite_server.base_url, "")
            assert "https://" not in html, path


def test_the_session_cookie_works_for_the_api(sqlite_server: Server) -> None:
    with logged_in(sqlite_server, "a1") as client:
        me = client.get("/api/v1/auth/me").json()
    assert me == {"name": "a1", "role": "agent", "provider": "A"}
