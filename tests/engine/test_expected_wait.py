"""Expected wait: position × handle time ÷ serving capacity, announced to each caller on arrival
and periodically, and published per queue when it moves across a step."""

from __future__ import annotations

import pytest

from conftest import CHAT, VOICE, Driver, agent, hotline, of_type
from verbund.engine import (
    AnnounceWait,
    Channel,
    ContactAbandoned,
    ContactEnded,
    QueueChanged,
)
from verbund.engine.policies import expected_wait


@pytest.mark.parametrize(
    ("position", "aht", "serving", "ewt"),
    [(1, 300.0, 1, 300.0), (3, 300.0, 2, 450.0), (4, 180.0, 6, 120.0), (1, 300.0, 0, None)],
)
def test_expected_wait_is_position_times_handle_time_over_serving_capacity(
    position: int, aht: float, serving: int, ewt: float | None
) -> None:
    assert expected_wait(position, aht, serving) == ewt


def test_expected_wait_grows_with_position_and_handle_time() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), default_aht=300.0, announce_interval=None))
    d.busy("a1", "a2")  # two agents serve the queue; neither is free

    announced = [of_type(d.arrive(c), AnnounceWait) for c in ("c1", "c2", "c3")]

    assert announced == [
        [AnnounceWait("c1", 1, 150.0)],
        [AnnounceWait("c2", 2, 300.0)],
        [AnnounceWait("c3", 3, 450.0)],
    ]
    assert d.engine.queue_ewt(VOICE) == 600.0  # for the next arrival, at position 4

    # a1's call took 500 s: the moving average moves 5 % of the way from 300 s to 500 s.
    d.do(ContactEnded("a1-busy"), at=500.0)  # a1 takes c1
    assert d.engine.waiting(VOICE) == ["c2", "c3"]
    assert d.engine.queue_ewt(VOICE) == pytest.approx(3 * 310.0 / 2)
    (announced_c4,) = of_type(d.arrive("c4"), AnnounceWait)
    assert (announced_c4.contact, announced_c4.position) == ("c4", 3)
    assert announced_c4.ewt == pytest.approx(465.0)


def test_expected_wait_counts_chat_capacity_not_heads() -> None:
    d = Driver(hotline(agent("a1", voice=0, chat=3), default_aht=600.0, announce_interval=None))
    d.login("a1", ready=False)

    effects = [d.arrive(f"ch{i}", channel=Channel.CHAT) for i in (1, 2)]

    assert [of_type(e, AnnounceWait) for e in effects] == [
        [AnnounceWait("ch1", 1, 200.0)],
        [AnnounceWait("ch2", 2, 400.0)],
    ]
    assert d.engine.queue_ewt(CHAT) == 600.0


def test_a_queue_nobody_serves_has_no_expected_wait() -> None:
    d = Driver(hotline(agent("a1")))

    assert of_type(d.arrive("c1"), AnnounceWait) == [AnnounceWait("c1", 1, None)]
    assert d.engine.queue_ewt(VOICE) is None


def test_wait_is_announced_on_arrival_and_at_the_interval() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=60.0, default_aht=300.0))
    d.busy("a1")
    assert of_type(d.arrive("c1", at=10.0), AnnounceWait) == [AnnounceWait("c1", 1, 300.0)]
    assert of_type(d.arrive("c2", at=20.0), AnnounceWait) == [AnnounceWait("c2", 2, 600.0)]

    assert d.engine.next_deadline() == 70.0
    assert of_type(d.at(69.0), AnnounceWait) == []
    assert of_type(d.at(80.0), AnnounceWait) == [
        AnnounceWait("c1", 1, 300.0),
        AnnounceWait("c2", 2, 600.0),
    ]
    d.do(ContactAbandoned("c1"), at=100.0)
    assert of_type(d.at(140.0), AnnounceWait) == [AnnounceWait("c2", 1, 300.0)]

    # Once offered, the caller hears no more announcements.
    d.do(ContactEnded("a1-busy"), at=150.0)
    d.accept("c2")
    assert of_type(d.at(1000.0), AnnounceWait) == []


def test_without_an_interval_the_wait_is_announced_only_on_arrival() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=None))
    d.busy("a1")
    assert len(of_type(d.arrive("c1"), AnnounceWait)) == 1
    assert d.engine.next_deadline() is None
    assert of_type(d.at(10_000.0), AnnounceWait) == []


def test_queue_notice_when_expected_wait_crosses_a_step() -> None:
    # Two serving agents, 300 s handle time: each new caller adds 150 s; steps of 600 s.
    d = Driver(
        hotline(
            agent("a1"),
            agent("a2"),
            default_aht=300.0,
            ewt_granularity=600.0,
            announce_interval=None,
        )
    )
    d.busy("a1", "a2")

    notices = [of_type(d.arrive(f"c{i}"), QueueChanged) for i in range(1, 8)]

    key = "termin:de:voice"
    assert notices == [
        [QueueChanged(key, 1, 300.0)],  # the queue is no longer empty
        [],  # 450 s: same step
        [QueueChanged(key, 3, 600.0)],
        [],
        [],
        [],
        [QueueChanged(key, 7, 1200.0)],
    ]
    assert of_type(d.do(ContactAbandoned("c7")), QueueChanged) == [QueueChanged(key, 6, 1050.0)]
    assert of_type(d.do(ContactAbandoned("c6")), QueueChanged) == []
    for contact in ("c1", "c2", "c3", "c4"):
        d.do(ContactAbandoned(contact))
    assert of_type(d.do(ContactAbandoned("c5")), QueueChanged) == [QueueChanged(key, 0, 150.0)]
