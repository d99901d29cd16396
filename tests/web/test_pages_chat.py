"""The citizen's web chat in a real browser, with an agent's desk beside it.

Scenario: a citizen opens /chat (no login), picks topic and language and starts a chat, which
waits in the queue; an agent logs in, goes ready, accepts the offer (key A), sees the citizen's
first message and replies with Enter — and the citizen's page shows the reply. The citizen's
answer reaches the desk live, and leaving ends the conversation. The page is German by default
and switches to English with the same link as the other pages, keeping the chat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.web.browser import launch_browser, log_in, new_page, script_errors
from tests.web.server import Server

H = "/api/v1/hotlines/h1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


def someone_serving(server: Server, agent: str) -> None:
    """``agent`` logged in but not ready: chats queue instead of being refused."""
    assert server.post(f"{H}/agents/{agent}/login", "koordination").is_success


def log_out(server: Server, *agents: str) -> None:
    for agent in agents:
        server.post(f"{H}/agents/{agent}/logout", "koordination")  # 409 if logged out


def start_chat(page: Page, server: Server, text: str) -> None:
    page.goto(f"{server.base_url}/chat")
    expect(page).to_have_url(f"{server.base_url}/chat/h1")
    page.select_option("#topic", "termin")
    page.select_option("#language", "de")
    page.fill("#first-text", text)
    page.click("#start")
    expect(page.locator("#chat-room")).to_be_visible()


def test_a_citizen_chats_with_an_agent_who_accepts_and_replies(
    browser: Browser, sqlite_server: Server
) -> None:
    someone_serving(sqlite_server, "a2")
    _c, citizen = new_page(browser)
    _d, desk = new_page(browser)
    try:
        start_chat(citizen, sqlite_server, "Guten Tag, ich brauche einen Impftermin.")
        expect(citizen.locator("h1")).to_have_text("Chatten Sie mit uns")
        expect(citizen.locator("#chat-status")).to_contain_text("Nummer 1 in der Warteschlange")
        expect(citizen.locator("#messages li.caller")).to_contain_text("einen Impftermin")
        expect(citizen.locator("#chat-start")).to_be_hidden()
        expect(citizen.locator("#new-chat")).to_be_hidden()

        log_in(desk, sqlite_server, "a1")
        expect(desk.locator("#connection")).to_have_text("Live")
        desk.click("#btn-login")
        expect(desk.locator("#status")).to_have_text("Nicht bereit")
        desk.click("#btn-ready")
        offer = desk.locator("#offer-list .offer")
        expect(offer).to_be_visible()
        expect(offer).to_contain_text("Chat")
        expect(offer.locator(".preview")).to_have_text("Guten Tag, ich brauche einen Impftermin.")
        desk.locator("body").press("a")

        panel = desk.locator("#contact-list .conversation")
        expect(panel.locator("li.caller")).to_contain_text(
            "Guten Tag, ich brauche einen Impftermin."
        )
        expect(citizen.locator("#chat-status")).to_have_text(
            "Eine Beraterin oder ein Berater schreibt mit Ihnen."
        )
        reply = panel.locator("textarea[name=reply]")
        expect(reply).to_be_focused()  # accepted with the keyboard: type at once
        reply.type("Gern! Passt Ihnen Freitag um 10 Uhr?")
        reply.press("Enter")
        expect(panel.locator("li.agent")).to_contain_text("Passt Ihnen Freitag um 10 Uhr?")
        expect(reply).to_have_value("")
        expect(citizen.locator("#messages li.agent")).to_contain_text(
            "Passt Ihnen Freitag um 10 Uhr?"
        )
        expect(citizen.locator("#messages li.agent .who")).to_have_text("Beratung")

        contact = desk.locator("#contact-list .contact").first.get_attribute("data-contact")
        by_chef = sqlite_server.post(
            f"/api/v1/hotlines/h1/contacts/{contact}/messages",
            "chef-a",
            json={"text": "Die Teamleitung bestätigt den Termin."},
        )
        assert by_chef.status_code == 201, by_chef.text
        written = panel.locator("li.agent").last
        expect(written).to_contain_text("Die Teamleitung bestätigt den Termin.")
        expect(written.locator(".who")).to_have_text("Teamleitung chef-a für Kundenberater a1")
        expect(panel.locator("li.agent .who").first).to_have_text("Kundenberater a1")
        expect(citizen.locator("#messages li.agent .who").last).to_have_text("Beratung")

        citizen.fill("#write-text", "Ja, das passt.")
        citizen.press("#write-text", "Enter")
        expect(panel.locator("li.caller").last).to_have_text(re.compile("Ja, das passt."))
        citizen.click("#leave")
        expect(citizen.locator("#chat-status")).to_contain_text("Der Chat ist beendet.")
        expect(citizen.locator("#write-text")).to_be_disabled()
        expect(citizen.locator("#leave")).to_be_hidden()
        expect(citizen.locator("#new-chat")).to_be_visible()
        expect(panel.locator("li.system")).to_contain_text("Die Person hat den Chat verlassen.")
        expect(desk.locator("#status")).to_have_text("Nachbearbeitung")
        expect(panel.locator("form.reply")).to_be_hidden()  # the history stays, the box goes
        expect(panel.locator("li.agent").first).to_be_visible()
        form = desk.locator("#contact-list form.wrap-up")
        form.locator("select[name=disposition]").select_option("appointment")
        form.locator("button[type=submit]").click()
        expect(desk.locator("#status")).to_have_text("Bereit")

        assert script_errors(citizen) == []
        assert script_errors(desk) == []
        for page in (citizen, desk):
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        citizen.context.close()
        desk.context.close()
        log_out(sqlite_server, "a1", "a2")


def test_the_chat_page_switches_to_english_and_keeps_the_chat(
    browser: Browser, sqlite_server: Server
) -> None:
    someone_serving(sqlite_server, "a3")
    context, page = new_page(browser, locale="de-DE")
    try:
        page.goto(f"{sqlite_server.base_url}/chat/h1")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.locator("#start")).to_have_text("Chat starten")
        expect(page.locator("#language option[value=de]")).to_have_text("Deutsch")
        page.click("#lang-switch")
        expect(page).to_have_url(f"{sqlite_server.base_url}/chat/h1")
        expect(page.locator("h1")).to_have_text("Chat with us")
        expect(page.locator("#start")).to_have_text("Start chat")
        expect(page.locator("#language option[value=de]")).to_have_text("German")

        page.select_option("#language", "de")  # English is served by provider C's own ACD
        page.fill("#first-text", "Hello, I need an appointment.")
        page.click("#start")
        expect(page.locator("#chat-status")).to_have_text(
            re.compile(r"^You are number 1 in the queue\.")
        )
        page.click("#lang-switch")  # back to German: the chat goes on
        expect(page.locator("#chat-status")).to_contain_text("Nummer 1 in der Warteschlange")
        expect(page.locator("#messages li.caller")).to_contain_text("I need an appointment")
        page.click("#leave")
        expect(page.locator("#chat-status")).to_have_text(
            "Der Chat ist beendet. Danke, dass Sie uns geschrieben haben."
        )
        page.click("#new-chat")
        expect(page.locator("#chat-start")).to_be_visible()
        assert script_errors(page) == []
    finally:
        context.close()
        log_out(sqlite_server, "a3")


def test_the_chat_connects_again_after_a_drop_and_stops_once_it_has_ended(
    browser: Browser, sqlite_server: Server
) -> None:
    someone_serving(sqlite_server, "b2")
    context, page = new_page(browser, locale="de-DE")
    sockets: list[WebSocket] = []
    frames: list[int] = []  # per socket, the messages it received

    def opened(socket: WebSocket) -> None:
        index = len(sockets)
        sockets.append(socket)
        frames.append(0)
        socket.on("framereceived", lambda _frame: frames.__setitem__(index, frames[index] + 1))

    page.on("websocket", opened)
    try:
        start_chat(page, sqlite_server, "Ist da jemand?")
        expect(page.locator("#chat-status")).to_contain_text("Nummer 1 in der Warteschlange")
        assert len(sockets) == 1
        assert "/chats/" in sockets[0].url

        sqlite_server.restart()  # the socket drops; the page tries again until it is back
        for _ in range(200):
            if any(frames[1:]):
                break
            page.wait_for_timeout(100)
        assert any(frames[1:]), "the chat did not connect again"
        live = sockets[-1]
        count = len(sockets)

        contact = page.evaluate("JSON.parse(sessionStorage.getItem('verbund-chat:h1')).contact")
        assert sqlite_server.post(f"{H}/agents/b2/ready", "koordination").is_success
        accepted = sqlite_server.post(f"{H}/agents/b2/offers/{contact}/accept", "koordination")
        assert accepted.is_success, accepted.text
        expect(page.locator("#chat-status")).to_have_text(
            "Eine Beraterin oder ein Berater schreibt mit Ihnen."
        )
        reply = sqlite_server.post(
            f"{H}/contacts/{contact}/messages", "koordination", json={"text": "Ja, hier."}
        )
        assert reply.status_code == 201, reply.text
        expect(page.locator("#messages li.agent")).to_contain_text("Ja, hier.")
        assert len(sockets) == count  # it came live, over the socket that connected again

        assert sqlite_server.post(f"{H}/contacts/{contact}/end", "koordination").is_success
        expect(page.locator("#chat-status")).to_contain_text("Der Chat ist beendet.")
        page.wait_for_timeout(2000)  # a socket that still reconnected would be back in 0.5 s
        assert len(sockets) == count
        assert live.is_closed()
        assert script_errors(page) == []
    finally:
        context.close()
        log_out(sqlite_server, "b2")
