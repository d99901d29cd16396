"""Logging in and out in a real browser: the login form carries its own CSRF token (bound to the
pre-session cookie the page sets), a form whose cookie is gone is refused with a fresh form that
works, and the header's button logs out with the session's token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import launch_browser, log_in, new_page, script_errors
from tests.web.server import PASSWORD, Server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


def test_a_login_form_without_its_cookie_is_refused_and_the_fresh_form_works(
    browser: Browser, sqlite_server: Server
) -> None:
    context, page = new_page(browser, locale="de-DE")
    try:
        page.goto(f"{sqlite_server.base_url}/login?next=/wallboard/h1")
        assert any(c["name"] == "verbund_login" for c in context.cookies())
        context.clear_cookies()  # as if the form had been sent from another site
        page.fill("input[name=username]", "chef-a")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        expect(page.locator("p.flash.error")).to_contain_text(
            "Erlauben Sie Cookies für diese Website"
        )
        expect(page.locator("header .user")).to_have_count(0)
        page.fill("input[name=username]", "chef-a")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        expect(page).to_have_url(f"{sqlite_server.base_url}/wallboard/h1")
        expect(page.locator("header .user")).to_contain_text("chef-a")
        assert script_errors(page) == []
    finally:
        context.close()


def test_the_log_out_button_ends_the_session(browser: Browser, sqlite_server: Server) -> None:
    context, page = new_page(browser, locale="en-GB")
    try:
        log_in(page, sqlite_server, "chef-a")
        page.click("form[action='/logout'] button[type=submit]")
        expect(page).to_have_url(f"{sqlite_server.base_url}/login")
        expect(page.locator("h1")).to_have_text("Log in to Verbund")
        page.goto(f"{sqlite_server.base_url}/wallboard/h1")
        expect(page).to_have_url(f"{sqlite_server.base_url}/login?next=%2Fwallboard%2Fh1")
        assert script_errors(page) == []
    finally:
        context.close()
