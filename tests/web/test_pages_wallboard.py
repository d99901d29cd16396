"""The wallboard's service-level alert follows the hotline's own goal and target (its routing
rules), not a constant: with half of today's contacts answered in time, a goal of 80 % raises the
alert and a goal of 40 % does not. Bad goals are refused with a 4xx that names the field. Numbers
are written as the reader's language does, by the server and by the script alike."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import launch_browser, log_in, new_page, script_errors
from tests.web.conftest import backend_url
from tests.web.server import Server, page_session, running_server, two_provider_config

H = "/api/v1/hotlines/h1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


@pytest.fixture(scope="module")
def half_in_time(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own whose day so far: two contacts answered, one of them in time (the
    hotline's target is 2.5 seconds, the second contact waits 5 seconds)."""
    with (
        backend_url("sqlite", tmp_path_factory) as url,
        running_server(url, two_provider_config("h1"), tmp_path_factory.mktemp("log")) as live,
    ):
        rules = {"service_level_target": 2.5, "service_level_goal": 0.8}
        changed = live.request("PATCH", H, "koordination", json={"rules": rules})
        assert changed.status_code == 200, changed.text
        for action in ("login", "ready"):
            assert live.post(f"{H}/agents/a1/{action}", "a1").status_code == 200
        arrive(live, "in-time")
        assert live.post(f"{H}/agents/a1/offers/in-time/accept", "a1").status_code == 200
        assert live.post(f"{H}/contacts/in-time/end", "a1").status_code == 200
        arrive(live, "late")  # a1 is in wrap-up: the contact waits
        time.sleep(5.0)
        assert live.post(f"{H}/contacts/in-time/wrap-up-done", "a1").status_code == 200
        assert live.post(f"{H}/agents/a1/offers/late/accept", "a1").status_code == 200
        state = live.get(f"{H}/state", "koordination").json()
        assert state["totals"]["service_level"] == 0.5
        yield live


def arrive(live: Server, contact: str) -> None:
    body = {"contact": contact, "caller": f"+4930{len(contact)}{contact}", "topic": "termin"}
    response = live.post(f"{H}/contacts", "koordination", json=body)
    assert response.status_code == 201, response.text


def set_goal(live: Server, goal: float) -> None:
    changed = live.request("PATCH", H, "koordination", json={"rules": {"service_level_goal": goal}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["rules"]["service_level_goal"] == goal


@pytest.mark.parametrize(
    ("goal", "alert"),
    [
        (0.8, "Servicelevel heute 50 % liegt unter dem Ziel von 80 %."),
        (0.4, None),
        (0.5, None),  # at the goal is not below it
        (0.51, "Servicelevel heute 50 % liegt unter dem Ziel von 51 %."),
    ],
)
def test_the_alert_is_raised_below_the_hotlines_own_goal(
    half_in_time: Server, browser: Browser, goal: float, alert: str | None
) -> None:
    set_goal(half_in_time, goal)
    context, wallboard = new_page(browser)
    try:
        log_in(wallboard, half_in_time, "chef-a")
        wallboard.goto(f"{half_in_time.base_url}/wallboard/h1")
        expect(wallboard.locator("#connection")).to_have_text("Live")
        expect(wallboard.locator("main")).to_contain_text("innerhalb von 2,5 Sekunden")
        if alert is None:
            expect(wallboard.locator("#alerts")).to_have_text("Keine Warnungen.")
        else:
            expect(wallboard.locator("#alerts")).to_contain_text(alert)
        assert script_errors(wallboard) == []
    finally:
        context.close()


@pytest.mark.parametrize("goal", [0, -0.1, 1.2, "viel", None, True])
def test_a_goal_outside_0_to_1_is_refused_saying_so(half_in_time: Server, goal: object) -> None:
    response = half_in_time.request(
        "PATCH", H, "koordination", json={"rules": {"service_level_goal": goal}}
    )
    assert 400 <= response.status_code < 500, response.text
    assert "service_level_goal" in response.text
    rules = half_in_time.get(H, "koordination").json()["rules"]
    assert 0 < rules["service_level_goal"] <= 1


def test_the_console_form_sets_the_goal_in_per_cent(half_in_time: Server) -> None:
    with page_session(half_in_time, "koordination") as client:
        form = {"redial_window": "600", "service_level_goal": "90", "service_level_target": "15"}
        saved = client.post("/console/h1/hotline", data=form)
        assert saved.status_code == 303
        assert "service_level_goal" in client.get("/console/h1").text
        refused = client.post("/console/h1/hotline", data={**form, "service_level_goal": "150"})
        assert refused.status_code == 303
        page = client.get(refused.headers["location"]).text
        assert "service_level_goal" in page
        assert "Traceback" not in page
    rules = half_in_time.get(H, "koordination").json()["rules"]
    assert (rules["service_level_goal"], rules["service_level_target"]) == (0.9, 15.0)


def upload_todays_forecast(live: Server, calls: int, *, lang: str = "de") -> str:
    """A forecast of ``calls`` for the running 15-minute interval; the console page after it."""
    now = datetime.now()
    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    text = f"interval_start,topic,calls,aht\n{start:%Y-%m-%dT%H:%M},termin,{calls},300\n"
    with page_session(live, "koordination") as coordinator:
        coordinator.cookies.set("lang", lang)
        uploaded = coordinator.post(
            "/console/h1/forecast",
            files={"forecast": ("heute.csv", text.encode(), "text/csv")},
            data={"target": "20", "service_level": "80", "shrinkage": "0"},
        )
        assert uploaded.status_code == 303, uploaded.text
        page = coordinator.get(uploaded.headers["location"])
        assert page.status_code == 200
        return page.text


@pytest.mark.parametrize(("lang", "calls"), [("de", "4.000"), ("en", "4,000")])
def test_the_console_writes_thousands_as_the_reader_does(
    half_in_time: Server, lang: str, calls: str
) -> None:
    page = upload_todays_forecast(half_in_time, 4000, lang=lang)
    cells = re.findall(r"<tr data-interval=\"[^\"]+\">.*?</tr>", page, flags=re.DOTALL)
    assert len(cells) == 1
    assert f'<td class="n">{calls}</td>' in cells[0]


@pytest.mark.parametrize(
    ("locale", "target", "goal", "share", "tick"),
    [
        ("de-DE", "innerhalb von 2,5 Sekunden", "Ziel 80\u00a0%", "50\u00a0%", "1.000"),
        ("en-GB", "within 2.5 seconds", "target 80%", "50%", "1,000"),
    ],
)
def test_the_wallboard_writes_numbers_in_the_readers_language(
    half_in_time: Server,
    browser: Browser,
    locale: str,
    target: str,
    goal: str,
    share: str,
    tick: str,
) -> None:
    rules = {"service_level_target": 2.5, "service_level_goal": 0.8}  # as another test left them
    changed = half_in_time.request("PATCH", H, "koordination", json={"rules": rules})
    assert changed.status_code == 200, changed.text
    upload_todays_forecast(half_in_time, 4000)  # the chart's scale: 0, 1000, … 4000 calls
    context, wallboard = new_page(browser, locale=locale)
    try:
        log_in(wallboard, half_in_time, "chef-a")
        wallboard.goto(f"{half_in_time.base_url}/wallboard/h1")
        expect(wallboard.locator("#connection")).not_to_have_text("…")
        # Rendered by the server (Babel):
        hint = wallboard.locator("main .hint").first.text_content() or ""
        assert target in hint, hint
        assert goal in hint, hint
        # Rendered by the script (Intl.NumberFormat), from the state the WebSocket sent:
        cell = wallboard.locator("#totals td[data-field='service_level']")
        expect(cell).to_have_text(share.replace("\u00a0", " "))
        assert cell.text_content() == share
        ticks = wallboard.locator("#chart text.tick").all_text_contents()
        assert tick in ticks, ticks
        assert script_errors(wallboard) == []
    finally:
        context.close()
