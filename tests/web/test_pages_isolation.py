"""Competitors share a hotline, not their data: a supervisor or admin of provider A opens
nothing of provider B — not B's desks, not B's agents on the wallboard, not B's users — in the
browser, through the pages' form posts, or through the API with the same session cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import launch_browser, log_in, new_page
from tests.web.server import Server, page_session


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


@pytest.fixture(scope="module")
def chef_a(browser: Browser, sqlite_server: Server) -> Iterator[Page]:
    context, page = new_page(browser)
    log_in(page, sqlite_server, "chef-a")
    yield page
    context.close()


@pytest.fixture(scope="module")
def admin_a(browser: Browser, sqlite_server: Server) -> Iterator[Page]:
    context, page = new_page(browser)
    log_in(page, sqlite_server, "admin-a")
    yield page
    context.close()


@pytest.fixture(scope="module", autouse=True)
def both_providers_working(sqlite_server: Server) -> None:
    """Agents of A and B logged in, so that there is something of B to leak."""
    for agent in ("a1", "b1"):
        for action in ("login", "ready"):
            response = sqlite_server.post(f"/api/v1/hotlines/h1/agents/{agent}/{action}", agent)
            assert response.is_success, response.text


def test_a_supervisor_of_a_cannot_open_the_desk_of_an_agent_of_b(
    chef_a: Page, sqlite_server: Server
) -> None:
    response = chef_a.goto(f"{sqlite_server.base_url}/desk/h1/b1")
    assert response is not None
    assert response.status in (403, 404)
    expect(chef_a.locator("h1")).to_have_text(re.compile("^(Nicht erlaubt|Nicht gefunden)$"))
    expect(chef_a.locator("#status")).to_have_count(0)
    expect(chef_a.locator("main")).not_to_contain_text("b1")


def test_a_supervisor_of_a_opens_the_desk_of_an_agent_of_a(
    chef_a: Page, sqlite_server: Server
) -> None:
    response = chef_a.goto(f"{sqlite_server.base_url}/desk/h1/a1")
    assert response is not None
    assert response.status == 200
    expect(chef_a.locator("#status")).to_have_text("Bereit")


def test_the_wallboard_of_a_supervisor_of_a_shows_only_provider_a(
    chef_a: Page, sqlite_server: Server
) -> None:
    chef_a.goto(f"{sqlite_server.base_url}/wallboard/h1")
    expect(chef_a.locator("#connection")).to_have_text("Live")
    expect(chef_a.locator("#agents tr[data-provider='A'] td[data-field='ready']")).to_have_text("1")
    expect(chef_a.locator("#agents tr[data-provider='B']")).to_have_count(0)
    embedded = chef_a.locator("#wallboard-data").text_content() or ""
    assert '"B"' not in embedded
    # The page's CSRF tokens are random base64, which may hold "b1" by chance: not data.
    html = re.sub(r'(content|value)="[\w.-]{40,}"', "", chef_a.content())
    assert "b1" not in html


def test_the_coordinator_sees_every_provider_on_the_wallboard(
    browser: Browser, sqlite_server: Server
) -> None:
    context, page = new_page(browser)
    log_in(page, sqlite_server, "koordination")
    page.goto(f"{sqlite_server.base_url}/wallboard/h1")
    expect(page.locator("#agents tr[data-provider='A'] td[data-field='ready']")).to_have_text("1")
    expect(page.locator("#agents tr[data-provider='B'] td[data-field='ready']")).to_have_text("1")
    context.close()


def test_a_supervisor_cannot_open_admin_or_console(chef_a: Page, sqlite_server: Server) -> None:
    for path in ("/admin", "/console", "/console/h1", "/console/h1/plan.csv"):
        response = chef_a.goto(f"{sqlite_server.base_url}{path}")
        assert response is not None
        assert response.status == 403, path
        expect(chef_a.locator("h1")).to_have_text("Nicht erlaubt")


def test_the_admin_of_a_sees_only_the_users_and_agents_of_a(
    admin_a: Page, sqlite_server: Server
) -> None:
    admin_a.goto(f"{sqlite_server.base_url}/admin")
    users = admin_a.locator("#users tbody tr").evaluate_all("rows => rows.map(r => r.dataset.user)")
    assert set(users) >= {"a1", "a2", "admin-a", "chef-a"}
    assert set(users).isdisjoint({"b1", "admin-b", "chef-b", "acd-c", "koordination"})
    agents = admin_a.locator("#agents tbody tr[data-agent]").evaluate_all(
        "rows => rows.map(r => r.dataset.agent)"
    )
    assert sorted(agents) == ["a1", "a2", "a3"]
    expect(admin_a.locator("main")).not_to_contain_text("b1")
    expect(admin_a.locator("main")).not_to_contain_text("chef-b")


def test_the_admin_of_a_creates_a_user_only_for_a(admin_a: Page, sqlite_server: Server) -> None:
    admin_a.goto(f"{sqlite_server.base_url}/admin")
    expect(admin_a.locator("#user-form input[name=provider]")).to_have_count(0)
    admin_a.fill("#user-form input[name=name]", "a9")
    admin_a.fill("#user-form input[name=password]", "ein-passwort")
    admin_a.select_option("#user-form select[name=role]", "agent")
    admin_a.click("#user-form button[type=submit]")
    expect(admin_a.locator(".flash.ok")).to_have_text("Der Benutzer wurde angelegt.")
    user = sqlite_server.get("/api/v1/users/a9", "koordination").json()
    assert user == {"name": "a9", "role": "agent", "provider": "A"}


def test_form_posts_against_b_are_refused_and_change_nothing(sqlite_server: Server) -> None:
    with page_session(sqlite_server, "admin-a") as client:
        deleted = client.post("/admin/users/b1/delete")
        assert deleted.status_code == 404
        assert "text/html" in deleted.headers["content-type"]
        created = client.post(
            "/admin/users",
            data={"name": "spy", "password": "ein-passwort", "role": "agent", "provider": "B"},
        )
        assert created.status_code == 303  # the provider is always the admin's own
        removed = client.post("/admin/agents/h1/b1/delete")
        assert removed.status_code == 404
        agent = client.post(
            "/admin/agents", data={"hotline": "h1", "name": "b1", "skills": "termin:de=1"}
        )
        assert agent.status_code == 403
    assert sqlite_server.get("/api/v1/users/b1", "koordination").json()["provider"] == "B"
    assert sqlite_server.get("/api/v1/users/spy", "koordination").json()["provider"] == "A"
    agent_b1 = sqlite_server.get("/api/v1/hotlines/h1/agents/b1", "koordination").json()
    assert agent_b1["provider"] == "B"


def test_the_session_cookie_opens_nothing_of_b_in_the_api(sqlite_server: Server) -> None:
    with page_session(sqlite_server, "chef-a") as client:
        assert client.get("/api/v1/auth/me").json()["name"] == "chef-a"
        assert client.get("/api/v1/hotlines/h1/agents/b1/desk").status_code in (403, 404)
        assert client.post("/api/v1/hotlines/h1/agents/b1/not-ready").status_code in (403, 404)
        assert client.get("/api/v1/hotlines/h1/agents/b1").status_code == 404
        assert client.get("/api/v1/users").status_code == 403
        state = client.get("/api/v1/hotlines/h1/state").json()
        assert set(state["agents"]["by_provider"]) == {"A"}
        agents = client.get("/api/v1/hotlines/h1/agents").json()
        assert {a["provider"] for a in agents} == {"A"}


def test_an_agent_opens_only_their_own_desk(sqlite_server: Server) -> None:
    with page_session(sqlite_server, "a1") as client:
        assert client.get("/desk/h1").status_code == 200
        assert client.get("/desk/h1/a1").status_code == 200
        for path in ("/desk/h1/a2", "/desk/h1/b1", "/wallboard/h1", "/admin", "/console/h1"):
            response = client.get(path)
            assert response.status_code in (403, 404), path
            assert "Traceback" not in response.text
