"""A real browser for the page tests: Debian's Chromium, headless, driven by Playwright.

No browser is ever downloaded (``make test`` installs the ``chromium`` package); when Chromium
is missing the tests fail and say what to install — they never skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.web.server import PASSWORD, Server

CHROMIUM = os.environ.get("VERBUND_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREEN = {"width": 1366, "height": 768}


def launch_browser() -> Iterator[Browser]:
    """For a module's fixture: ``yield from launch_browser()``."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            f"The page tests need Chromium at {CHROMIUM}: `apt-get install -y chromium` "
            "(`make test` does it), or set VERBUND_CHROMIUM to its path.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=ARGS,
        )
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, locale: str = "de-DE") -> tuple[BrowserContext, Page]:
    """A fresh browser profile at 1366×768 that fails the test on any script error."""
    context = browser.new_context(viewport=SCREEN, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors  # type: ignore[attr-defined]
    return context, page


def log_in(page: Page, server: Server, user: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("header .user")).to_contain_text(user)


def script_errors(page: Page) -> list[str]:
    return list(page.script_errors)  # type: ignore[attr-defined]
