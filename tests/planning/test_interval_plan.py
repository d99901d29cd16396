"""Forecast CSV in, required agents per 15-minute interval (per topic and total) out."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from verbund.errors import PlanningError
from verbund.planning import (
    ForecastRow,
    Goals,
    erlang_a,
    parse_forecast,
    plan_requirements,
    required_agents,
    service_level,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

FORECAST = """\
interval_start,topic,calls,aht
2021-01-12T08:00,termin,900,300
2021-01-12T08:00,impfung,180,420
2021-01-12T08:15,termin,1200,290
2021-01-12T08:15,impfung,0,420
"""


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_forecast_rows_are_read_from_lines() -> None:
    rows = parse_forecast(lines(FORECAST))
    assert rows[0] == ForecastRow(datetime(2021, 1, 12, 8, 0), "termin", 900.0, 300.0)
    assert [row.topic for row in rows] == ["termin", "impfung", "termin", "impfung"]


def test_forecast_reads_an_open_text_stream() -> None:
    assert len(parse_forecast(io.StringIO(FORECAST))) == 4


def test_forecast_header_is_matched_regardless_of_case_order_spaces_and_extra_columns() -> None:
    text = "\ufeff AHT ,Calls,note,Interval_Start, TOPIC\n300,12,quiet,2021-01-12 23:45,termin\n"
    (row,) = parse_forecast(lines(text))
    assert row == ForecastRow(datetime(2021, 1, 12, 23, 45), "termin", 12.0, 300.0)


def test_forecast_skips_blank_and_comment_lines() -> None:
    text = "# day plan\n\ninterval_start,topic,calls,aht\n# night\n2021-01-12T00:00,termin,3,300\n"
    assert len(parse_forecast(lines(text))) == 1


def test_forecast_accepts_utc_offsets() -> None:
    text = "interval_start,topic,calls,aht\n2021-01-12T08:00+01:00,termin,3,300\n"
    (row,) = parse_forecast(lines(text))
    assert row.interval_start.utcoffset() is not None


@pytest.mark.parametrize(
    ("row", "where", "why"),
    [
        ("2021-01-12T08:00,termin,many,300", "line 2, column 3 (calls)", "'many' is not a number"),
        ("2021-01-12T08:00,termin,12,5m", "line 2, column 4 (aht)", "'5m' is not a number"),
        ('2021-01-12T08:00,termin,"12,5",300', "column 3 (calls)", "use a decimal point"),
        ("2021-01-12T08:00,termin,-5,300", "line 2, column 3 (calls)", "'-5' is negative"),
        ("2021-01-12T08:00,termin,5,-300", "line 2, column 4 (aht)", "'-300' is negative"),
        ("2021-01-12T08:00,termin,5,0", "line 2, column 4 (aht)", "is 0"),
        ("2021-01-12T08:00,termin,nan,300", "line 2, column 3 (calls)", "not a finite number"),
        ("2021-01-12T08:00,termin,inf,300", "line 2, column 3 (calls)", "not a finite number"),
        ("2021-01-12T08:00,termin,,300", "line 2, column 3 (calls)", "is empty"),
        ("2021-01-12T08:00,,5,300", "line 2, column 2 (topic)", "is empty"),
        ("2021-01-12T08:10,termin,5,300", "line 2, column 1 (interval_start)", "15-minute"),
        ("2021-01-12T08:15:30,termin,5,300", "line 2, column 1 (interval_start)", "15-minute"),
        ("12.01.2021 08:00,termin,5,300", "line 2, column 1 (interval_start)", "ISO 8601"),
        ("2021-01-12T08:00,termin,5", "line 2", "3 fields, but the header has 4"),
        ("2021-01-12T08:00,termin,5,300,x", "line 2", "5 fields, but the header has 4"),
    ],
)
def test_bad_forecast_rows_are_refused_naming_line_and_column(
    row: str, where: str, why: str
) -> None:
    text = f"interval_start,topic,calls,aht\n{row}\n"
    with pytest.raises(PlanningError) as caught:
        parse_forecast(lines(text), "day.csv")
    message = str(caught.value)
    assert message.startswith("day.csv, ")
    assert where in message
    assert why in message


def test_line_numbers_count_comments_and_blank_lines() -> None:
    text = "# a comment\n\ninterval_start,topic,calls,aht\n2021-01-12T08:00,t,1,300\n\nx,t,1,300\n"
    with pytest.raises(PlanningError, match="line 6, column 1"):
        parse_forecast(lines(text))


def test_missing_columns_are_named() -> None:
    with pytest.raises(PlanningError, match=r"line 1: the header lacks column 'aht'"):
        parse_forecast(lines("interval_start,topic,calls\n2021-01-12T08:00,t,1\n"))
    with pytest.raises(PlanningError, match=r"lacks columns 'calls', 'aht'"):
        parse_forecast(lines("interval_start,topic\n"))


def test_an_empty_forecast_is_refused() -> None:
    with pytest.raises(PlanningError, match="is empty; it needs a header line"):
        parse_forecast([], "day.csv")


def test_a_repeated_interval_and_topic_is_refused_naming_both_lines() -> None:
    text = FORECAST + "2021-01-12T08:00,termin,5,300\n"
    with pytest.raises(
        PlanningError, match=r"line 6, column 2 \(topic\).*already appear on line 2"
    ):
        parse_forecast(lines(text))


def test_mixing_times_with_and_without_offset_is_refused() -> None:
    text = (
        "interval_start,topic,calls,aht\n2021-01-12T08:00,t,1,300\n2021-01-12T08:15+01:00,t,1,300\n"
    )
    with pytest.raises(PlanningError, match=r"line 3, column 1.*UTC offset"):
        parse_forecast(lines(text))


def test_each_topic_gets_its_required_agents_and_the_interval_their_sum() -> None:
    goals = Goals(target=20.0, service_level=0.8)
    first, second = plan_requirements(parse_forecast(lines(FORECAST)), goals)
    termin, impfung = first.topics
    assert termin.agents == required_agents(900 / 900, 300.0, 20.0, 0.8)
    assert impfung.agents == required_agents(180 / 900, 420.0, 20.0, 0.8)
    assert first.agents == termin.agents + impfung.agents
    assert termin.load == pytest.approx(300.0)
    assert termin.service_level == service_level(300.0, termin.agents, 300.0, 20.0)
    assert termin.service_level >= 0.8
    assert first.calls == 1080.0
    assert first.aht == pytest.approx((900 * 300 + 180 * 420) / 1080)
    assert second.topics[1].agents == 0
    assert second.topics[1].service_level is None
    assert second.agents == second.topics[0].agents


def test_intervals_come_out_in_time_order_with_topics_in_first_seen_order() -> None:
    rows = parse_forecast(lines(FORECAST))
    requirements = plan_requirements(list(reversed(rows)))
    assert [r.start.minute for r in requirements] == [0, 15]
    assert [t.topic for t in requirements[0].topics] == ["impfung", "termin"]


def test_interval_service_level_is_weighted_by_calls() -> None:
    (first, _) = plan_requirements(parse_forecast(lines(FORECAST)))
    termin, impfung = first.topics
    assert termin.service_level is not None
    assert impfung.service_level is not None
    expected = (900 * termin.service_level + 180 * impfung.service_level) / 1080
    assert first.service_level == pytest.approx(expected)


def test_with_patience_the_plan_uses_erlang_a_and_reports_abandonment() -> None:
    goals = Goals(patience=120.0, max_abandon=0.03, shrinkage=0.25)
    (first, _) = plan_requirements(parse_forecast(lines(FORECAST)), goals)
    termin = first.topics[0]
    expected = erlang_a(1.0, 300.0, 120.0, termin.productive_agents, 20.0)
    assert termin.abandon == expected.p_abandon <= 0.03
    assert termin.asa == expected.asa
    assert termin.agents == required_agents(
        1.0, 300.0, 20.0, 0.8, patience=120.0, max_abandon=0.03, shrinkage=0.25
    )
    assert termin.agents > termin.productive_agents


def test_goals_refuse_bad_values_naming_them() -> None:
    with pytest.raises(PlanningError, match="service_level"):
        Goals(service_level=80.0)
    with pytest.raises(PlanningError, match="max_abandon needs patience"):
        Goals(max_abandon=0.05)
    with pytest.raises(PlanningError, match="shrinkage"):
        Goals(shrinkage=1.0)


def test_forecast_rows_refuse_bad_values() -> None:
    with pytest.raises(PlanningError, match="aht"):
        ForecastRow(datetime(2021, 1, 12), "t", 5.0, 0.0)
    with pytest.raises(PlanningError, match="calls"):
        ForecastRow(datetime(2021, 1, 12), "t", -5.0, 300.0)


def test_the_example_forecast_is_a_full_day_with_two_topics() -> None:
    with (EXAMPLES / "forecast.csv").open(encoding="utf-8") as handle:
        rows = parse_forecast(handle, "examples/forecast.csv")
    requirements = plan_requirements(rows)
    assert len(requirements) == 96
    assert {t.topic for r in requirements for t in r.topics} == {"termin", "impfung"}
    peak = max(requirements, key=lambda r: r.agents)
    assert 7 <= peak.start.hour < 11  # the morning rush
