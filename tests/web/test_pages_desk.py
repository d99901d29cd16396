"""The agent desktop in a real browser, with the supervisor's wallboard open beside it.

Scenario: an agent logs in, goes ready, receives a contact created through the API, accepts it
(key A), ends it and wraps up with a disposition and a note — and each change shows on the
wallboard within 2 seconds. Each test is a whole story on its own (xdist may spread a module's
tests over workers, each with its own server) and leaves its agents logged out.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Locator, Page, expect

from tests.web.browser import launch_browser, log_in, new_page, script_errors
from tests.web.server import Server
from verbund.store import open_database
from verbund.store.tables import contact_notes

LIVE = 2000  # ms: the wallboard must show a change within 2 seconds


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


def opened(browser: Browser, server: Server, user: str, path: str | None = None) -> Page:
    _context, page = new_page(browser)
    log_in(page, server, user)
    if path is not None:
        page.goto(f"{server.base_url}{path}")
    return page


def agents_of_a(wallboard: Page, status: str) -> Locator:
    return wallboard.locator(f"#agents tr[data-provider='A'] td[data-field='{status}']")


def log_out_agent(server: Server, agent: str) -> None:
    server.post(f"/api/v1/hotlines/h1/agents/{agent}/logout", agent)  # 409 if logged out


def test_an_agent_handles_a_contact_and_the_wallboard_follows_within_2_seconds(
    browser: Browser, sqlite_server: Server
) -> None:
    desk = opened(browser, sqlite_server, "a1")
    wallboard = opened(browser, sqlite_server, "chef-a")
    try:
        assert desk.url == f"{sqlite_server.base_url}/desk/h1"
        assert wallboard.url == f"{sqlite_server.base_url}/wallboard/h1"
        expect(desk.locator("#status")).to_have_text("Abgemeldet")
        expect(desk.locator("#connection")).to_have_text("Live")
        expect(wallboard.locator("#connection")).to_have_text("Live")
        answered_before = int(
            wallboard.locator("#totals td[data-field='answered']").text_content() or "0"
        )

        desk.click("#btn-login")
        expect(desk.locator("#status")).to_have_text("Nicht bereit")
        desk.click("#btn-ready")
        expect(desk.locator("#status")).to_have_text("Bereit")
        expect(agents_of_a(wallboard, "ready")).to_have_text("1", timeout=LIVE)

        arrived = sqlite_server.post(
            "/api/v1/hotlines/h1/contacts",
            "koordination",
            json={"contact": "page-1", "caller": "+4930123456789", "topic": "termin"},
        )
        assert arrived.json()["agent"] == "a1"
        offer = desk.locator("#offer-list .offer[data-contact='page-1']")
        expect(offer).to_be_visible()
        expect(desk.locator("#offers")).to_have_class("card ringing")
        expect(offer.locator(".countdown")).to_have_text(re.compile(r"^noch (1\d|20) s$"))
        expect(offer).to_contain_text("••••••••••6789")
        expect(offer).not_to_contain_text("+4930123456789")
        expect(offer).to_contain_text("termin")
        expect(offer).to_contain_text("Telefon")
        expect(agents_of_a(wallboard, "reserved")).to_have_text("1", timeout=LIVE)

        desk.locator("body").press("a")  # the accept shortcut
        expect(desk.locator("#status")).to_have_text("Im Gespräch")
        expect(desk.locator("#contact-list .contact[data-contact='page-1']")).to_be_visible()
        started = time.monotonic()
        expect(wallboard.locator("#totals td[data-field='answered']")).to_have_text(
            str(answered_before + 1), timeout=LIVE
        )
        assert time.monotonic() - started < LIVE / 1000
        expect(agents_of_a(wallboard, "busy")).to_have_text("1", timeout=LIVE)

        desk.locator("body").press("e")  # the end shortcut
        expect(desk.locator("#status")).to_have_text("Nachbearbeitung")
        expect(agents_of_a(wallboard, "wrap_up")).to_have_text("1", timeout=LIVE)
        form = desk.locator("#contact-list form.wrap-up")
        form.locator("select[name=disposition]").select_option("appointment")
        form.locator("textarea[name=note]").fill("Termin am Freitag vereinbart")
        form.locator("button[type=submit]").click()
        expect(desk.locator("#status")).to_have_text("Bereit")
        expect(desk.locator("#answered-today")).to_have_text("1")
        expect(desk.locator("#contact-list")).to_contain_text("Zurzeit kein Gespräch")
        expect(agents_of_a(wallboard, "wrap_up")).to_have_text("0", timeout=LIVE)
        expect(agents_of_a(wallboard, "ready")).to_have_text("1", timeout=LIVE)
        with open_database(sqlite_server.database_url) as database, database.read() as c:
            notes = c.execute(
                sa.select(
                    contact_notes.c.agent, contact_notes.c.disposition, contact_notes.c.note
                ).where(contact_notes.c.contact == "page-1")
            ).all()
        assert [tuple(n) for n in notes] == [("a1", "appointment", "Termin am Freitag vereinbart")]

        expect(desk.locator("#thanks-list")).to_contain_text("Noch keine.")
        deadline = time.monotonic() + 10  # the finished contact reaches the history within ~1 s
        while True:
            thanked = sqlite_server.post(
                "/api/v1/hotlines/h1/contacts/page-1/feedback",
                "koordination",
                json={"stars": 5, "thanks": "Danke, das ging schnell!"},
            )
            if thanked.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert thanked.status_code == 201, thanked.text
        desk.reload()
        thanks = desk.locator("#thanks-list li.thanks[data-contact='page-1']")
        expect(thanks).to_contain_text("Danke, das ging schnell!")
        expect(thanks.locator(".stars")).to_have_attribute("title", "5 von 5 Sternen")
        expect(desk.locator("#connection")).to_have_text("Live")

        desk.select_option("#reason", "training")
        desk.click("#btn-not-ready")
        expect(desk.locator("#status")).to_have_text("Nicht bereit")
        expect(desk.locator("#status-reason")).to_have_text("(Schulung)")
        expect(agents_of_a(wallboard, "not_ready")).to_have_text("1", timeout=LIVE)

        assert script_errors(desk) == []
        assert script_errors(wallboard) == []
        assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        desk.context.close()
        wallboard.context.close()
        log_out_agent(sqlite_server, "a1")


def test_declining_with_the_d_key_passes_the_offer_to_another_agent(
    browser: Browser, sqlite_server: Server
) -> None:
    desk = opened(browser, sqlite_server, "a2")
    try:
        expect(desk.locator("#connection")).to_have_text("Live")
        desk.click("#btn-login")
        expect(desk.locator("#status")).to_have_text("Nicht bereit")
        desk.click("#btn-ready")
        expect(desk.locator("#status")).to_have_text("Bereit")
        sqlite_server.post(
            "/api/v1/hotlines/h1/contacts",
            "koordination",
            json={"contact": "page-2", "caller": "+4930999", "topic": "termin"},
        )
        expect(desk.locator("#offer-list .offer[data-contact='page-2']")).to_be_visible()
        for action in ("login", "ready"):
            response = sqlite_server.post(f"/api/v1/hotlines/h1/agents/a3/{action}", "koordination")
            assert response.is_success, response.text
        desk.locator("body").press("d")
        expect(desk.locator("#offer-list .offer")).to_have_count(0)
        state = sqlite_server.get("/api/v1/hotlines/h1/contacts/page-2", "koordination").json()
        assert (state["agent"], state["state"]) == ("a3", "offered")
        # Ready, but offered nothing for the pause after a decline: the desk says so, counting.
        expect(desk.locator("#status")).to_have_text("Bereit")
        hint = desk.locator("#status-reason")
        expect(hint).to_have_text(re.compile(r"^\(Pause nach Ablehnen: noch (9|10) s\)$"))
        expect(hint).to_have_text(re.compile(r"^\(Pause nach Ablehnen: noch [5-8] s\)$"))
        desk.click("#btn-not-ready")  # a change of presence ends the pause
        expect(desk.locator("#status")).to_have_text("Nicht bereit")
        desk.click("#btn-ready")
        expect(desk.locator("#status")).to_have_text("Bereit")
        expect(hint).to_have_text("")
        assert sqlite_server.post(
            "/api/v1/hotlines/h1/contacts/page-2/abandon", "koordination"
        ).is_success
        assert script_errors(desk) == []
    finally:
        desk.context.close()
        log_out_agent(sqlite_server, "a2")
        sqlite_server.post("/api/v1/hotlines/h1/agents/a3/logout", "koordination")


def test_desk_and_wallboard_reconnect_after_the_server_restarts(
    browser: Browser, sqlite_server: Server
) -> None:
    desk = opened(browser, sqlite_server, "koordination", "/desk/h1/a1")
    wallboard = opened(browser, sqlite_server, "chef-a", "/wallboard/h1")
    try:
        expect(desk.locator("#connection")).to_have_text("Live")
        expect(wallboard.locator("#connection")).to_have_text("Live")
        sqlite_server.stop()
        expect(desk.locator("#connection")).to_have_text("Verbindung unterbrochen: verbinde neu …")
        expect(wallboard.locator("#connection")).to_have_text(
            "Verbindung unterbrochen: verbinde neu …"
        )
        sqlite_server.start()
        expect(desk.locator("#connection")).to_have_text("Live", timeout=15000)
        expect(wallboard.locator("#connection")).to_have_text("Live", timeout=15000)
        # The connection is live again: a change made elsewhere shows on both pages.
        sqlite_server.tokens.clear()
        log_out_agent(sqlite_server, "a1")
        assert sqlite_server.post("/api/v1/hotlines/h1/agents/a1/login", "a1").is_success
        assert sqlite_server.post(
            "/api/v1/hotlines/h1/agents/a1/not-ready", "a1", json={"reason": "meeting"}
        ).is_success
        expect(desk.locator("#status-reason")).to_have_text("(Besprechung)")
        expect(agents_of_a(wallboard, "not_ready")).to_have_text("1", timeout=LIVE)
    finally:
        desk.context.close()
        wallboard.context.close()
        log_out_agent(sqlite_server, "a1")
