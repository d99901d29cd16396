"""Splitting a requirement over pledges: never above a pledge, by contracted share, shortfall."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verbund.errors import PlanningError
from verbund.planning import (
    Pledge,
    Split,
    parse_forecast,
    parse_pledges,
    plan_requirements,
    plan_with_pledges,
    split_requirement,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
START = datetime(2021, 1, 12, 8, 0)


def pledges(*offers: tuple[str, int, float]) -> list[Pledge]:
    return [Pledge(START, name, agents, share) for name, agents, share in offers]


def test_a_requirement_is_split_by_contracted_share_when_pledges_allow() -> None:
    split = split_requirement(100, pledges(("A", 80, 0.5), ("B", 80, 0.3), ("C", 80, 0.2)))
    assert split == Split(100, (("A", 50), ("B", 30), ("C", 20)), 0)


def test_what_a_capped_provider_cannot_take_goes_to_the_others_by_share() -> None:
    split = split_requirement(100, pledges(("A", 20, 0.5), ("B", 80, 0.3), ("C", 80, 0.1)))
    # A is capped at 20; the other 80 go 3:1 to B and C.
    assert split.assigned == (("A", 20), ("B", 60), ("C", 20))
    assert split.shortfall == 0


def test_the_shortfall_is_what_the_pledges_do_not_cover() -> None:
    split = split_requirement(250, pledges(("A", 100, 0.5), ("B", 60, 0.3), ("C", 40, 0.2)))
    assert split.assigned == (("A", 100), ("B", 60), ("C", 40))
    assert split.shortfall == 50


def test_without_pledges_everything_is_shortfall() -> None:
    assert split_requirement(12, []) == Split(12, (), 12)


def test_providers_without_share_only_take_what_the_others_cannot() -> None:
    split = split_requirement(50, pledges(("A", 30, 1.0), ("Backup", 100, 0.0)))
    assert split.assigned == (("A", 30), ("Backup", 20))
    assert split_requirement(20, pledges(("A", 30, 1.0), ("Backup", 100, 0.0))).assigned == (
        ("A", 20),
        ("Backup", 0),
    )


def test_whole_agents_follow_the_largest_remainders() -> None:
    # Quotas 3.33.., 3.33.., 3.33.. for 10 agents: the tie goes to the first provider.
    split = split_requirement(10, pledges(("A", 9, 1 / 3), ("B", 9, 1 / 3), ("C", 9, 1 / 3)))
    assert split.assigned == (("A", 4), ("B", 3), ("C", 3))
    # Quotas 5.6, 2.8, 1.6 for 10: floors 5, 2, 1 and the two missing go to .8 and .6.
    split = split_requirement(10, pledges(("A", 9, 0.56), ("B", 9, 0.28), ("C", 9, 0.16)))
    assert split.assigned == (("A", 6), ("B", 3), ("C", 1)) or split.assigned == (
        ("A", 5),
        ("B", 3),
        ("C", 2),
    )


def test_agents_of_a_provider_without_pledge_is_zero() -> None:
    split = split_requirement(5, pledges(("A", 9, 1.0)))
    assert split.agents_of("A") == 5
    assert split.agents_of("Z") == 0


def test_a_provider_named_twice_is_refused() -> None:
    with pytest.raises(PlanningError, match="provider twice"):
        split_requirement(5, pledges(("A", 9, 0.5), ("A", 9, 0.5)))


def test_a_negative_requirement_is_refused() -> None:
    with pytest.raises(PlanningError, match="required"):
        split_requirement(-1, pledges(("A", 9, 1.0)))


offers = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.one_of(st.just(0.0), st.floats(1e-6, 1.0), st.sampled_from([0.5, 0.3, 0.2, 1 / 3])),
    ),
    max_size=6,
)


def water_filled(required: int, pledged: list[Pledge]) -> list[float]:
    """Reference quotas, by bisection on a level: ``quota = min(pledge, level x share)``.

    Providers with share 0 take, by their pledges, only what the others cannot.
    """
    caps = [float(p.agents) for p in pledged]
    shares = [p.share for p in pledged]
    by_share = sum(c for c, w in zip(caps, shares, strict=True) if w > 0)
    if required >= by_share:
        rest = required - by_share
        spare = sum(c for c, w in zip(caps, shares, strict=True) if w == 0)
        return [c if w > 0 else rest * c / spare for c, w in zip(caps, shares, strict=True)]
    low, high = 0.0, max(c / w for c, w in zip(caps, shares, strict=True) if w > 0)
    for _ in range(200):
        level = (low + high) / 2
        if sum(min(c, level * w) for c, w in zip(caps, shares, strict=True)) < required:
            low = level
        else:
            high = level
    return [min(c, high * w) for c, w in zip(caps, shares, strict=True)]


@given(required=st.integers(0, 1500), offered=offers)
def test_a_split_never_exceeds_a_pledge_and_covers_what_it_can(
    required: int, offered: list[tuple[int, float]]
) -> None:
    pledged = pledges(*((f"P{i}", agents, share) for i, (agents, share) in enumerate(offered)))
    split = split_requirement(required, pledged)
    capacity = sum(p.agents for p in pledged)
    assigned = [agents for _, agents in split.assigned]
    assert [name for name, _ in split.assigned] == [p.provider for p in pledged]
    assert all(0 <= a <= p.agents for a, p in zip(assigned, pledged, strict=True))
    assert sum(assigned) == min(required, capacity)
    assert split.shortfall == max(0, required - capacity)
    assert split.required == required


@given(required=st.integers(0, 1500), offered=offers)
def test_a_split_is_within_one_agent_of_the_share_quota_capped_by_pledges(
    required: int, offered: list[tuple[int, float]]
) -> None:
    pledged = pledges(*((f"P{i}", agents, share) for i, (agents, share) in enumerate(offered)))
    if required >= sum(p.agents for p in pledged):
        return
    split = split_requirement(required, pledged)
    quotas = water_filled(required, pledged)
    for (_, agents), quota in zip(split.assigned, quotas, strict=True):
        assert abs(agents - quota) < 1 + 1e-6


@given(required=st.integers(1, 1500), shares=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=5))
def test_with_ample_pledges_agents_follow_the_shares(required: int, shares: list[float]) -> None:
    pledged = pledges(*((f"P{i}", 10_000, share) for i, share in enumerate(shares)))
    split = split_requirement(required, pledged)
    total = sum(shares)
    for (_, agents), share in zip(split.assigned, shares, strict=True):
        assert abs(agents - required * share / total) < 1 + 1e-9


PLEDGES = """\
interval_start,provider,agents,share
2021-01-12T08:00,Nordlicht Service,240,0.5
2021-01-12T08:00,Rheinwerk Dialog,150,30%
2021-01-12T08:15,Elbe Contact,90,0.2
"""


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_pledges_are_read_from_lines_with_shares_as_fractions_or_percentages() -> None:
    rows = parse_pledges(lines(PLEDGES))
    assert rows[1] == Pledge(START, "Rheinwerk Dialog", 150, 0.3)
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("row", "where", "why"),
    [
        ("2021-01-12T08:00,A,12.5,0.5", "line 2, column 3 (agents)", "not a whole number"),
        ("2021-01-12T08:00,A,-3,0.5", "line 2, column 3 (agents)", "negative"),
        ("2021-01-12T08:00,A,many,0.5", "line 2, column 3 (agents)", "not a number"),
        ("2021-01-12T08:00,A,12,1.5", "line 2, column 4 (share)", "outside 0 to 1"),
        ("2021-01-12T08:00,A,12,150%", "line 2, column 4 (share)", "outside 0 to 1"),
        ("2021-01-12T08:00,A,12,half", "line 2, column 4 (share)", "not a number"),
        ("2021-01-12T08:00,A,12,x%", "line 2, column 4 (share)", "not a percentage"),
        ("2021-01-12T08:05,A,12,0.5", "line 2, column 1 (interval_start)", "15-minute"),
        ("2021-01-12T08:00,,12,0.5", "line 2, column 2 (provider)", "is empty"),
    ],
)
def test_bad_pledge_rows_are_refused_naming_line_and_column(row: str, where: str, why: str) -> None:
    with pytest.raises(PlanningError) as caught:
        parse_pledges(lines(f"interval_start,provider,agents,share\n{row}\n"), "pledges.csv")
    assert str(caught.value).startswith("pledges.csv, ")
    assert where in str(caught.value)
    assert why in str(caught.value)


def test_a_provider_pledging_twice_for_one_interval_is_refused() -> None:
    text = PLEDGES + "2021-01-12T08:00,Rheinwerk Dialog,10,0.3\n"
    with pytest.raises(PlanningError, match=r"line 5, column 2 \(provider\).*already.*line 3"):
        parse_pledges(lines(text))


def test_pledges_without_share_column_are_refused() -> None:
    with pytest.raises(PlanningError, match="lacks column 'share'"):
        parse_pledges(lines("interval_start,provider,agents\n"))


def test_each_interval_is_split_over_its_own_pledges() -> None:
    forecast = parse_forecast(
        lines(
            "interval_start,topic,calls,aht\n"
            "2021-01-12T08:00,termin,900,300\n"
            "2021-01-12T08:15,termin,900,300\n"
            "2021-01-12T08:30,termin,900,300\n"
        )
    )
    plans = plan_with_pledges(plan_requirements(forecast), parse_pledges(lines(PLEDGES)))
    first, second, third = plans
    required = first.requirement.agents
    assert required > 300
    (_, nordlicht), (_, rheinwerk) = first.split.assigned
    assert nordlicht + rheinwerk == required
    assert abs(nordlicht - required * 0.5 / 0.8) < 1  # shares 0.5 and 0.3 of the two pledging
    assert second.split.assigned == (("Elbe Contact", 90),)
    assert second.split.shortfall == required - 90
    assert third.split == Split(required, (), required)


def test_the_example_pledges_cover_the_example_day_except_the_morning_rush() -> None:
    with (EXAMPLES / "forecast.csv").open(encoding="utf-8") as handle:
        forecast = parse_forecast(handle)
    with (EXAMPLES / "pledges.csv").open(encoding="utf-8") as handle:
        pledged = parse_pledges(handle)
    assert {p.provider for p in pledged} == {
        "Nordlicht Service",
        "Rheinwerk Dialog",
        "Elbe Contact",
    }
    plans = plan_with_pledges(plan_requirements(forecast), pledged)
    short = [plan for plan in plans if plan.split.shortfall]
    assert short
    assert any(plan.requirement.start.hour in (8, 9) for plan in short)
