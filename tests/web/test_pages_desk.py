"""The agent desktop in a real browser, with the supervisor's wallboard open beside it.

Scenario: an agent logs in, goes ready, receives a contact created through the API, accepts it
(key A), ends it and wraps up with a disposition and a note — and each change shows on the
wallboard within 2 seconds. Then the desk survives a server restart by reconnecting.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import launch_browser, log_in, new_page, script_errors
from tests.web.server import Server
from verbund.store import open_database
from verbund.store.tables import contact_notes

# One server and one browser for the module, its tests in order: all on one worker.
pytestmark = pytest.mark.xdist_group("pages-desk")

LIVE = 2000  # ms: the wallboard must show a change within 2 seconds


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


@pytest.fixture(scope="module")
def desk(browser: Browser, sqlite_server: Server) -> Iterator[Page]:
    context, page = new_page(browser)
    log_in(page, sqlite_server, "a1")
    yield page
    context.close()


@pytest.fixture(scope="module")
def wallboard(browser: Browser, sqlite_server: Server) -> Iterator[Page]:
    context, page = new_page(browser)
    log_in(page, sqlite_server, "chef-a")
    yield page
    context.close()


def agents_of_a(wallboard: Page, status: str) -> object:
    return wallboard.locator(f"#agents tr[data-provider='A'] td[data-field='{status}']")


def test_the_agent_lands_on_their_desk_and_it_is_live(desk: Page, sqlite_server: Server) -> None:
    assert desk.url == f"{sqlite_server.base_url}/desk/h1"
    expect(desk.locator("#status")).to_have_text("Abgemeldet")
    expect(desk.locator("#connection")).to_have_text("Live")


def test_the_supervisor_lands_on_the_wallboard(wallboard: Page, sqlite_server: Server) -> None:
    assert wallboard.url == f"{sqlite_server.base_url}/wallboard/h1"
    expect(wallboard.locator("#connection")).to_have_text("Live")


def test_going_ready_shows_on_desk_and_wallboard(desk: Page, wallboard: Page) -> None:
    desk.click("#btn-login")
    expect(desk.locator("#status")).to_have_text("Nicht bereit")
    desk.click("#btn-ready")
    expect(desk.locator("#status")).to_have_text("Bereit")
    expect(agents_of_a(wallboard, "ready")).to_have_text("1", timeout=LIVE)


def test_a_contact_from_the_api_rings_with_a_countdown_and_a_masked_caller(
    desk: Page, wallboard: Page, sqlite_server: Server
) -> None:
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


def test_accepting_with_the_a_key_connects_and_the_wallboard_counts_it(
    desk: Page, wallboard: Page
) -> None:
    desk.locator("body").press("a")
    expect(desk.locator("#status")).to_have_text("Im Gespräch")
    expect(desk.locator("#contact-list .contact[data-contact='page-1']")).to_be_visible()
    started = time.monotonic()
    expect(wallboard.locator("#totals td[data-field='answered']")).to_have_text("1", timeout=LIVE)
    assert time.monotonic() - started < LIVE / 1000
    expect(agents_of_a(wallboard, "busy")).to_have_text("1", timeout=LIVE)


def test_ending_and_wrapping_up_saves_the_disposition_and_frees_the_agent(
    desk: Page, wallboard: Page, sqlite_server: Server
) -> None:
    desk.locator("#contact-list .end").click()
    expect(desk.locator("#status")).to_have_text("Nachbearbeitung")
    expect(agents_of_a(wallboard, "wrap_up")).to_have_text("1", timeout=LIVE)
    form = desk.locator("#contact-list form.wrap-up")
    form.locator("select[name=disposition]").select_option("appointment")
    form.locator("textarea[name=note]").fill("Termin am Freitag vereinbart")
    form.locator("button[type=submit]").click()
    expect(desk.locator("#status")).to_have_text("Bereit")
    expect(desk.locator("#answered-today")).to_have_text("1")
    expect(desk.locator("#contact-list")).to_contain_text("Zurzeit kein Gespräch")
    expect(agents_of_a(wallboard, "ready")).to_have_text("1", timeout=LIVE)
    expect(agents_of_a(wallboard, "wrap_up")).to_have_text("0", timeout=LIVE)
    with open_database(sqlite_server.database_url) as database, database.read() as c:
        notes = c.execute(
            sa.select(
                contact_notes.c.agent, contact_notes.c.disposition, contact_notes.c.note
            ).where(contact_notes.c.contact == "page-1")
        ).all()
    assert [tuple(n) for n in notes] == [("a1", "appointment", "Termin am Freitag vereinbart")]


def test_declining_with_the_d_key_passes_the_offer_to_another_agent(
    desk: Page, sqlite_server: Server
) -> None:
    for action in ("login", "ready"):
        assert sqlite_server.post(f"/api/v1/hotlines/h1/agents/a2/{action}", "a2").is_success
    sqlite_server.post(
        "/api/v1/hotlines/h1/contacts",
        "koordination",
        json={"contact": "page-2", "caller": "+4930999", "topic": "termin"},
    )
    expect(desk.locator("#offer-list .offer[data-contact='page-2']")).to_be_visible()
    desk.locator("body").press("d")
    expect(desk.locator("#offer-list .offer")).to_have_count(0)
    state = sqlite_server.get("/api/v1/hotlines/h1/contacts/page-2", "koordination").json()
    assert (state["agent"], state["state"]) == ("a2", "offered")
    assert sqlite_server.post(
        "/api/v1/hotlines/h1/contacts/page-2/abandon", "koordination"
    ).is_success
    assert sqlite_server.post("/api/v1/hotlines/h1/agents/a2/logout", "a2").is_success


def test_not_ready_shows_the_reason(desk: Page, wallboard: Page) -> None:
    desk.select_option("#reason", "training")
    desk.click("#btn-not-ready")
    expect(desk.locator("#status")).to_have_text("Nicht bereit")
    expect(desk.locator("#status-reason")).to_have_text("(Schulung)")
    expect(agents_of_a(wallboard, "not_ready")).to_have_text("1", timeout=LIVE)


def test_the_desk_has_no_script_errors_and_fits_the_screen(desk: Page, wallboard: Page) -> None:
    assert script_errors(desk) == []
    assert script_errors(wallboard) == []
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366


def test_desk_and_wallboard_reconnect_after_the_server_restarts(
    desk: Page, wallboard: Page, sqlite_server: Server
) -> None:
    sqlite_server.stop()
    expect(desk.locator("#connection")).to_have_text("Verbindung unterbrochen: verbinde neu …")
    sqlite_server.start()
    expect(desk.locator("#connection")).to_have_text("Live", timeout=15000)
    expect(wallboard.locator("#connection")).to_have_text("Live", timeout=15000)
    expect(desk.locator("#status")).to_have_text("Nicht bereit")
    desk.click("#btn-ready")
    expect(desk.locator("#status")).to_have_text("Bereit")
    expect(agents_of_a(wallboard, "ready")).to_have_text("1", timeout=LIVE)
