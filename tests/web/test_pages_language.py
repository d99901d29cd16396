"""German by default, English one click away: the switch link changes the visible texts and the
choice sticks; without a choice the browser's Accept-Language decides; the catalogues are
complete and their compiled .mo files match the .po sources."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, expect

from tests.web.browser import launch_browser, log_in, new_page
from tests.web.server import Server

LOCALE = Path(__file__).parents[2] / "src" / "verbund" / "web" / "locale"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


def test_the_language_switch_changes_the_visible_texts(
    browser: Browser, sqlite_server: Server
) -> None:
    context, page = new_page(browser, locale="de-DE")
    log_in(page, sqlite_server, "chef-a")
    page.goto(f"{sqlite_server.base_url}/wallboard/h1")
    expect(page.locator("main h2").first).to_have_text("Warteschlangen")
    expect(page.locator("#agents thead")).to_contain_text("Bereit")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.click("#lang-switch")
    expect(page).to_have_url(f"{sqlite_server.base_url}/wallboard/h1")
    expect(page.locator("main h2").first).to_have_text("Queues")
    expect(page.locator("#agents thead")).to_contain_text("Ready")
    expect(page.locator("#lang-switch")).to_have_text("Deutsch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#connection")).to_have_text("Live")  # texts of the script, too
    page.goto(f"{sqlite_server.base_url}/desk/h1/a1")
    expect(page.locator("#btn-login")).to_have_text("Start shift")
    page.click("#lang-switch")
    expect(page.locator("#btn-login")).to_have_text("Dienst beginnen")
    context.close()


def test_an_english_browser_gets_english_until_it_switches(
    browser: Browser, sqlite_server: Server
) -> None:
    context, page = new_page(browser, locale="en-GB")
    page.goto(f"{sqlite_server.base_url}/login")
    expect(page.locator("h1")).to_have_text("Log in to Verbund")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Bei Verbund anmelden")
    context.close()


def test_german_is_the_default_and_accept_language_is_the_fallback(
    sqlite_server: Server,
) -> None:
    url = f"{sqlite_server.base_url}/login"
    assert "Bei Verbund anmelden" in httpx.get(url).text
    assert "Bei Verbund anmelden" in httpx.get(url, headers={"Accept-Language": "fr, it"}).text
    english = httpx.get(url, headers={"Accept-Language": "fr;q=1, en;q=0.8, de;q=0.5"})
    assert "Log in to Verbund" in english.text
    chosen = httpx.get(url, headers={"Accept-Language": "en"}, cookies={"lang": "de"})
    assert "Bei Verbund anmelden" in chosen.text


def test_the_switch_link_only_goes_back_to_this_site(sqlite_server: Server) -> None:
    response = httpx.get(f"{sqlite_server.base_url}/lang/en?next=//evil.example/")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert response.cookies["lang"] == "en"


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    translated = {m.id: m.string for m in source if m.id and m.string}
    assert {m.id: m.string for m in compiled if m.id} == translated, "run `make messages`"


def test_every_text_has_a_german_translation() -> None:
    with (
        (LOCALE / "messages.pot").open("rb") as pot,
        (LOCALE / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po,
    ):
        template, german = read_po(pot), read_po(po)
    ids = {m.id for m in template if m.id}
    missing = sorted(str(i) for i in ids if not (german.get(i) and german.get(i).string))
    assert missing == []


TEMPLATES = LOCALE.parent / "templates"


def test_the_message_template_holds_every_text_of_the_sources() -> None:
    found: set[str] = set()
    sources = [
        (LOCALE.parent / name, "python", {}) for name in ("pages.py", "chat_page.py", "auth.py")
    ] + [
        (path, "jinja2.ext:babel_extract", {"trim_blocks": "true", "lstrip_blocks": "true"})
        for path in sorted(TEMPLATES.glob("*.html"))
    ]
    for path, method, options in sources:
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), options=options
        ):
            found.add(message if isinstance(message, str) else message[0])
    with (LOCALE / "messages.pot").open("rb") as pot:
        listed = {m.id for m in read_po(pot) if m.id}
    assert found == listed, "run `make messages` and translate what is new"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_show_no_text_outside_gettext(template: str) -> None:
    text = (TEMPLATES / template).read_text()
    for pattern in (
        r"\{% block body_class %\}\w*\{% endblock %\}",
        r"\{\{.*?\}\}",
        r"\{%.*?%\}",
        r"\{#.*?#\}",
        r"<[^>]*>",
    ):
        text = re.sub(pattern, " ", text, flags=re.S)
    words = set(re.findall(r"[A-Za-zÄÖÜäöüß]{2,}", text)) - {"Verbund"}
    assert words == set()
