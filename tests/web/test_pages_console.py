"""The coordinator's console in a real browser: a new provider and its pledge appear in the plan
chart and table; a forecast upload gives the staffing plan of ``verbund.planning``, exported as
CSV; rules, topics and bad input."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import launch_browser, log_in, new_page, script_errors
from tests.web.conftest import backend_url
from tests.web.server import Server, page_session, running_server, two_provider_config
from verbund.planning import Goals, parse_forecast, plan_requirements

FORECAST = Path(__file__).parents[2] / "examples" / "forecast.csv"


def german(whole: int) -> str:
    """A whole number as the German pages write it: 1894 → "1.894"."""
    return f"{whole:,}".replace(",", ".")


DAY = "2031-03-04"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


@pytest.fixture(scope="module")
def console(browser: Browser, sqlite_server: Server) -> Iterator[Page]:
    context, page = new_page(browser)
    log_in(page, sqlite_server, "koordination")
    page.goto(f"{sqlite_server.base_url}/console/h1")
    yield page
    context.close()


def test_a_new_provider_and_its_pledge_show_in_the_plan_chart(
    console: Page, sqlite_server: Server
) -> None:
    form = console.locator("#provider-form")
    form.locator("input[name=provider]").fill("D")
    form.locator("input[name=share]").fill("0.3")
    form.locator("button[type=submit]").click()
    expect(console.locator(".flash.ok")).to_have_text("Der Dienstleister wurde gespeichert.")
    expect(console.locator("#providers tr[data-provider='D']")).to_contain_text("gepoolt")

    pledge = console.locator("#pledge-form")
    pledge.locator("select[name=provider]").select_option("D")
    pledge.locator("input[name=day]").fill(DAY)
    pledge.locator("input[name=start]").fill("08:00")
    pledge.locator("input[name=end]").fill("09:00")
    pledge.locator("input[name=agents]").fill("7")
    pledge.locator("input[name=share]").fill("0.3")
    pledge.locator("button[type=submit]").click()
    expect(console.locator(".flash.ok")).to_have_text("Die Zusagen wurden gespeichert.")
    assert console.url.endswith(f"/console/h1?day={DAY}")

    bars = console.locator("#plan-chart rect.bar.pledged[data-provider='D']")
    expect(bars).to_have_count(4)
    assert bars.evaluate_all("bars => bars.map(b => b.dataset.interval)") == [
        "08:00",
        "08:15",
        "08:30",
        "08:45",
    ]
    assert bars.evaluate_all("bars => bars.map(b => b.dataset.agents)") == ["7"] * 4
    heights = bars.evaluate_all("bars => bars.map(b => Number(b.getAttribute('height')))")
    assert min(heights) > 0
    expect(
        console.locator("#plan-table tr[data-interval='08:15'] td[data-field='pledged']")
    ).to_have_text("7")
    pledges = sqlite_server.get("/api/v1/hotlines/h1/pledges", "koordination").json()
    assert {(p["provider"], p["interval_start"], p["agents"]) for p in pledges} >= {
        ("D", f"{DAY}T08:00:00", 7),
        ("D", f"{DAY}T08:45:00", 7),
    }


def test_the_supervisor_of_a_does_not_see_the_pledges_of_b(sqlite_server: Server) -> None:
    pledge = {"interval_start": f"{DAY}T10:00:00", "agents": 3, "share": 0.5}
    for provider in ("A", "B"):
        written = sqlite_server.put(
            "/api/v1/hotlines/h1/pledges", "koordination", json=[{**pledge, "provider": provider}]
        )
        assert written.is_success, written.text
    pledges = sqlite_server.get("/api/v1/hotlines/h1/pledges", "chef-a").json()
    assert {p["provider"] for p in pledges} == {"A"}


def test_a_forecast_upload_gives_the_plan_and_its_csv_export(console: Page) -> None:
    form = console.locator("#forecast-form")
    form.locator("input[type=file]").set_input_files(str(FORECAST))
    form.locator("input[name=target]").fill("20")
    form.locator("input[name=service_level]").fill("80")
    form.locator("button[type=submit]").click()
    expected = plan_requirements(parse_forecast(FORECAST.read_text().splitlines()), Goals())
    expect(console.locator(".flash.ok")).to_have_text(
        f"Die Prognose wurde gelesen: {len(expected)} Intervalle."
    )
    rows = console.locator("#plan-table tbody tr")
    expect(rows).to_have_count(len(expected))
    peak = max(expected, key=lambda r: r.agents)
    row = console.locator(f"#plan-table tr[data-interval='{peak.start:%H:%M}']")
    expect(row.locator("td").nth(1)).to_have_text(german(peak.agents))
    expect(console.locator("#plan-chart polyline.required")).to_have_count(1)
    points = console.locator("#plan-chart circle.dot.required")
    expect(points).to_have_count(len(expected))

    with console.expect_download() as download_info:
        console.click("#plan-csv")
    download = download_info.value
    assert download.suggested_filename == "plan-h1-2021-01-12.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert [int(r["required_agents"]) for r in rows] == [e.agents for e in expected]
    assert rows[0]["interval_start"] == "2021-01-12T00:00"
    assert set(rows[0]) >= {"calls", "pledged_agents", "pledged_A", "pledged_B"}


def test_rules_and_title_are_saved_through_the_engine(console: Page, sqlite_server: Server) -> None:
    form = console.locator("#hotline-form form")
    form.locator("input[name=title]").fill("Impfhotline Test")
    form.locator("input[name=callback_offer_ewt]").fill("90")
    form.locator("input[name=max_ewt]").fill("")
    form.locator("input[name=redial_window]").fill("300")
    form.locator("button[type=submit]").click()
    expect(console.locator(".flash.ok")).to_have_text("Die Hotline wurde gespeichert.")
    expect(console.locator("h1")).to_contain_text("Impfhotline Test")
    rules = sqlite_server.get("/api/v1/hotlines/h1", "koordination").json()["rules"]
    assert (rules["callback_offer_ewt"], rules["max_ewt"], rules["redial_window"]) == (
        90.0,
        None,
        300.0,
    )


def test_a_topic_with_languages_is_added(console: Page, sqlite_server: Server) -> None:
    form = console.locator("#topics form")
    form.locator("input[name=topic]").fill("impfung")
    form.locator("input[name=languages]").fill("de, tr")
    form.locator("button[type=submit]").click()
    expect(console.locator(".flash.ok")).to_have_text("Das Anliegen wurde gespeichert.")
    topics = sqlite_server.get("/api/v1/hotlines/h1", "koordination").json()["topics"]
    assert topics["impfung"] == {"languages": ["de", "tr"]}


def test_bad_input_is_told_on_the_form_without_a_traceback(console: Page) -> None:
    form = console.locator("#hotline-form form")
    form.locator("input[name=redial_window]").fill("bald")
    form.locator("button[type=submit]").click()
    expect(console.locator(".flash.error")).to_contain_text("redial_window")
    upload = console.locator("#forecast-form")
    upload.locator("input[type=file]").set_input_files(
        {"name": "kaputt.csv", "mimeType": "text/csv", "buffer": b"interval_start,topic\n"}
    )
    upload.locator("button[type=submit]").click()
    expect(console.locator(".flash.error")).to_contain_text("kaputt.csv")
    expect(console.locator("main")).not_to_contain_text("Traceback")
    assert script_errors(console) == []


def test_the_wallboard_draws_todays_plan_and_warns_of_missing_pledged_agents(
    console: Page, browser: Browser, sqlite_server: Server
) -> None:
    now = datetime.now().replace(second=0, microsecond=0)
    current = now.replace(minute=now.minute - now.minute % 15)
    # Five intervals of today around now: near midnight they must not fall on another day,
    # which the wallboard (rightly) does not draw as today's plan.
    midnight = now.replace(hour=0, minute=0)
    first = min(
        max(current - timedelta(minutes=30), midnight), midnight + timedelta(hours=22, minutes=45)
    )
    starts = [first + timedelta(minutes=15 * i) for i in range(5)]
    text = "interval_start,topic,calls,aht\n" + "".join(
        f"{s:%Y-%m-%dT%H:%M},termin,{40 + i},300\n" for i, s in enumerate(starts)
    )
    form = console.locator("#forecast-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "heute.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    form.locator("button[type=submit]").click()
    expect(console.locator(".flash.ok")).to_contain_text("5 Intervalle")
    pledges = [
        {"provider": "A", "interval_start": f"{s:%Y-%m-%dT%H:%M}:00", "agents": 5, "share": 0.5}
        # this interval and the next: the test may cross a boundary
        for s in (current, current + timedelta(minutes=15))
    ]
    written = sqlite_server.put("/api/v1/hotlines/h1/pledges", "koordination", json=pledges)
    assert written.is_success, written.text
    context, wallboard = new_page(browser)
    try:
        log_in(wallboard, sqlite_server, "chef-a")
        expect(wallboard.locator("#chart polyline[data-series='plan']")).to_have_count(1)
        expect(wallboard.locator("#chart circle.dot.plan")).to_have_count(5)
        expect(wallboard.locator("#alerts")).to_contain_text(
            "Dienstleister A: 0 Kundenberater angemeldet, 5 für dieses Intervall zugesagt."
        )
        expect(
            wallboard.locator("#agents tr[data-provider='A'] td[data-field='pledged']")
        ).to_have_text("5")
        assert script_errors(wallboard) == []
    finally:
        context.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_uploaded_forecast_is_still_planned_after_a_restart(
    backend: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expected = plan_requirements(
        parse_forecast(FORECAST.read_text().splitlines()), Goals(target=30, service_level=0.9)
    )
    with (
        backend_url(backend, tmp_path_factory) as url,
        running_server(url, two_provider_config("h1"), tmp_path) as live,
    ):
        with page_session(live, "koordination") as coordinator:
            uploaded = coordinator.post(
                "/console/h1/forecast",
                files={"forecast": ("januar.csv", FORECAST.read_bytes(), "text/csv")},
                data={"target": "30", "service_level": "90", "shrinkage": "0"},
            )
        assert uploaded.status_code == 303, uploaded.text

        live.restart()

        with page_session(live, "koordination") as coordinator:
            page = coordinator.get("/console/h1")
        assert page.status_code == 200
        assert "januar.csv" in page.text
        assert "90\u00a0%" in page.text  # German: a no-break space before the sign
        assert "von koordination" in page.text
        peak = max(expected, key=lambda r: r.agents)
        row = re.search(
            rf"<tr data-interval=\"{peak.start:%H:%M}\">.*?</tr>", page.text, flags=re.DOTALL
        )
        assert row is not None
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(0))
        assert cells[1] == german(peak.agents)
        assert page.text.count("<tr data-interval=") == len(expected)
