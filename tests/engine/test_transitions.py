"""The lifecycle tables are the truth: every entry can be reached through public commands and does
what it says; every pair not in the tables is refused, names the state and the event, and changes
nothing. The tables themselves are checked through the pure functions over the whole cross
product."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Driver, agent, hotline, states_of
from verbund.engine import (
    AGENT_TRANSITIONS,
    CONTACT_TRANSITIONS,
    TERMINAL_CONTACT_STATES,
    AgentEvent,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentPresence,
    AgentReady,
    AgentStateChanged,
    AgentStatus,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    Command,
    ContactAbandoned,
    ContactEnded,
    ContactEvent,
    ContactState,
    Effect,
    OfferAccepted,
    OfferDeclined,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    WrapUpDone,
)
from verbund.engine.states import next_agent_presence, next_contact_state
from verbund.errors import CommandRefused, UnknownEntity

S = ContactState
EV = ContactEvent

# One pooled agent a1 and a connected provider that can take the call once it reports a ready
# agent. Wrap-up ends only when the agent says so, and one lapsed offer is enough to put the agent
# on a break, so that every step below ends in exactly one new state.
CONFIG = hotline(
    agent("a1"),
    providers=(
        "alpha",
        ProviderSpec(
            "remote",
            ProviderMode.CONNECTED,
            label="sip:remote",
            serves=frozenset({("termin", "de")}),
        ),
    ),
    wrap_up=None,
    max_no_answers=1,
)
RETRY_DELAY = CONFIG.rules.callback_retry_delay
OFFER_TIMEOUT = CONFIG.rules.offer_timeout

Step = Callable[[Driver], object]


# --- reaching each live state of contact "c1" through public commands ---------------------------


def queued(d: Driver) -> None:
    d.login("a1", ready=False)
    d.arrive("c1")


def offered(d: Driver) -> None:
    queued(d)
    d.do(AgentReady("a1"))


def connected(d: Driver) -> None:
    offered(d)
    d.do(OfferAccepted("c1", "a1"))


def wrap_up(d: Driver) -> None:
    connected(d)
    d.do(ContactEnded("c1"))


def callback_waiting(d: Driver) -> None:
    d.login("a1", ready=False)
    d.arrive("c1", callback=True)


def callback_offered(d: Driver) -> None:
    callback_waiting(d)
    d.do(AgentReady("a1"))


def callback_dialing(d: Driver) -> None:
    callback_offered(d)
    d.do(OfferAccepted("c1", "a1"))


# The same states after one unanswered dial: the contact has used a dialling attempt.


def callback_waiting_to_retry(d: Driver) -> None:
    callback_dialing(d)
    d.do(CallbackNotAnswered("c1"))


def callback_offered_again(d: Driver) -> None:
    callback_waiting_to_retry(d)
    d.wait(RETRY_DELAY)


def connected_by_callback(d: Driver) -> None:
    callback_dialing(d)
    d.do(CallbackAnswered("c1"))


def wrap_up_after_callback(d: Driver) -> None:
    connected_by_callback(d)
    d.do(ContactEnded("c1"))


REACH: dict[ContactState | None, Step] = {
    None: lambda d: None,
    S.QUEUED: queued,
    S.OFFERED: offered,
    S.CONNECTED: connected,
    S.WRAP_UP: wrap_up,
    S.CALLBACK_WAITING: callback_waiting,
    S.CALLBACK_OFFERED: callback_offered,
    S.CALLBACK_DIALING: callback_dialing,
}

# Where a dialling attempt has been used, so that no attempts are left once the limit is 1.
REACH_WITH_A_DIAL_USED: dict[ContactState, Step] = {
    S.CONNECTED: connected_by_callback,
    S.WRAP_UP: wrap_up_after_callback,
    S.CALLBACK_WAITING: callback_waiting_to_retry,
    S.CALLBACK_OFFERED: callback_offered_again,
    S.CALLBACK_DIALING: callback_dialing,
}


def _no_attempts_left(d: Driver) -> None:
    d.change_rules(callback_max_attempts=1)


# --- the command or timer behind each event -----------------------------------------------------


def _decline(d: Driver) -> list[Effect]:
    d.do(AgentNotReady("a1"))  # so that the contact is not offered to a1 again at once
    return d.do(OfferDeclined("c1", "a1"))


def _reject(d: Driver) -> list[Effect]:
    d.change_rules(max_queue_length=0)
    return d.arrive("c1")


def _give_up(d: Driver) -> list[Effect]:
    _no_attempts_left(d)
    return d.do(CallbackNotAnswered("c1"))


TRIGGER: dict[ContactEvent, Callable[[Driver], list[Effect]]] = {
    EV.ARRIVE: lambda d: d.arrive("c1"),
    EV.ARRIVE_FOR_CALLBACK: lambda d: d.arrive("c1", callback=True),
    EV.REJECT: _reject,
    EV.OFFER: lambda d: d.do(AgentReady("a1")),
    EV.ROUTE: lambda d: d.do(ProviderStatusReported("remote", 1, 0, 180.0, 1)),
    EV.ACCEPT: lambda d: d.do(OfferAccepted("c1", "a1")),
    EV.DECLINE: _decline,
    EV.EXPIRE: lambda d: d.wait(OFFER_TIMEOUT),
    EV.ABANDON: lambda d: d.do(ContactAbandoned("c1")),
    EV.REQUEST_CALLBACK: lambda d: d.do(CallbackRequested("c1")),
    EV.END: lambda d: d.do(ContactEnded("c1")),
    EV.FINISH_WRAP_UP: lambda d: d.do(WrapUpDone("c1")),
    EV.CALLBACK_ANSWERED: lambda d: d.do(CallbackAnswered("c1")),
    EV.CALLBACK_RETRY: lambda d: d.do(CallbackNotAnswered("c1")),
    EV.CALLBACK_GIVE_UP: _give_up,
}

# The events an outside command causes, and that command.
COMMANDS: dict[ContactEvent, Command] = {
    EV.ACCEPT: OfferAccepted("c1", "a1"),
    EV.DECLINE: OfferDeclined("c1", "a1"),
    EV.ABANDON: ContactAbandoned("c1"),
    EV.REQUEST_CALLBACK: CallbackRequested("c1"),
    EV.END: ContactEnded("c1"),
    EV.FINISH_WRAP_UP: WrapUpDone("c1"),
    EV.CALLBACK_ANSWERED: CallbackAnswered("c1"),
    EV.CALLBACK_RETRY: CallbackNotAnswered("c1"),
    EV.CALLBACK_GIVE_UP: CallbackNotAnswered("c1"),
}

LIVE_STATES = [s for s in ContactState if s not in TERMINAL_CONTACT_STATES]

# A contact that never was a callback has used no dialling attempt, so an unanswered callback
# reported for it is always a retry, never a give-up: these two pairs cannot be caused by any
# command (the pure-function test below still proves the table refuses them).
UNREACHABLE = {(S.QUEUED, EV.CALLBACK_GIVE_UP), (S.OFFERED, EV.CALLBACK_GIVE_UP)}

REFUSED = [
    (state, event)
    for state in LIVE_STATES
    for event in COMMANDS
    if (state, event) not in CONTACT_TRANSITIONS and (state, event) not in UNREACHABLE
]


def _show(state: ContactState | AgentPresence | None) -> str:
    return "new" if state is None else state.value


def _pair_id(pair: object) -> str:
    state, event = pair  # type: ignore[misc]
    return f"{_show(state)}-{event.value}"


# --- contacts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "target"), list(CONTACT_TRANSITIONS.items()), ids=map(_pair_id, CONTACT_TRANSITIONS)
)
def test_every_contact_transition_happens_through_its_command(
    pair: tuple[ContactState | None, ContactEvent], target: ContactState
) -> None:
    source, event = pair
    d = Driver(CONFIG)
    REACH[source](d)
    assert d.state("c1") is source

    effects = TRIGGER[event](d)

    assert states_of(effects, "c1") == [target]
    if target in TERMINAL_CONTACT_STATES:
        assert d.state("c1") is None
        assert "c1" not in d.engine.live_contacts()
    else:
        assert d.state("c1") is target


@pytest.mark.parametrize("pair", REFUSED, ids=map(_pair_id, REFUSED))
def test_every_contact_command_outside_the_table_is_refused_and_changes_nothing(
    pair: tuple[ContactState, ContactEvent],
) -> None:
    state, event = pair
    d = Driver(CONFIG)
    if event is EV.CALLBACK_GIVE_UP:
        REACH_WITH_A_DIAL_USED[state](d)
        _no_attempts_left(d)
    else:
        REACH[state](d)
    assert d.state("c1") is state

    error = d.refuse(COMMANDS[event])

    assert type(error) is CommandRefused
    message = str(error)
    assert "'c1'" in message
    assert state.value in message
    assert event.value.replace("_", " ") in message


def test_every_refusable_pair_is_either_tested_or_known_to_be_unreachable() -> None:
    all_pairs = {(s, e) for s in LIVE_STATES for e in COMMANDS}
    assert set(REFUSED) | UNREACHABLE | (all_pairs & CONTACT_TRANSITIONS.keys()) == all_pairs
    assert len(REFUSED) == 47


def completed(d: Driver) -> None:
    wrap_up(d)
    d.do(WrapUpDone("c1"))


def abandoned(d: Driver) -> None:
    queued(d)
    d.do(ContactAbandoned("c1"))


def rejected(d: Driver) -> None:
    _reject(d)


def routed(d: Driver) -> None:
    queued(d)
    d.do(ProviderStatusReported("remote", 1, 0, 180.0, 1))


def callback_failed(d: Driver) -> None:
    callback_dialing(d)
    _give_up(d)


FINISHED: dict[ContactState, Step] = {
    S.COMPLETED: completed,
    S.ABANDONED: abandoned,
    S.REJECTED: rejected,
    S.ROUTED: routed,
    S.CALLBACK_FAILED: callback_failed,
}


def test_every_terminal_state_is_reached_in_these_tests() -> None:
    assert FINISHED.keys() == TERMINAL_CONTACT_STATES


@pytest.mark.parametrize("state", [*FINISHED, None], ids=_show)
@pytest.mark.parametrize(
    "event", [e for e in COMMANDS if e is not EV.CALLBACK_GIVE_UP], ids=lambda e: e.value
)
def test_a_finished_or_unknown_contact_is_not_live_and_commands_on_it_are_refused(
    state: ContactState | None, event: ContactEvent
) -> None:
    d = Driver(CONFIG)
    if state is None:
        d.login("a1")
    else:
        FINISHED[state](d)
    assert d.state("c1") is None
    assert d.engine.live_contacts() == []

    error = d.refuse(COMMANDS[event], error=UnknownEntity)

    assert "contact 'c1' is not live" in str(error)


def test_an_offer_is_answered_only_by_the_agent_it_was_made_to() -> None:
    d = Driver(hotline(agent("a1"), agent("a2")))
    d.login("a1", "a2")
    d.arrive("c1")
    assert d.engine.contact_agent("c1") == "a1"

    for command in (OfferAccepted("c1", "a2"), OfferDeclined("c1", "a2")):
        error = d.refuse(command)
        assert str(error) == "contact 'c1' is offered to agent 'a1', not to 'a2': cannot " + (
            "accept" if isinstance(command, OfferAccepted) else "decline"
        )
    d.refuse(OfferAccepted("c1", "nobody"), error=UnknownEntity)


def test_contact_ids_are_unique_among_live_contacts() -> None:
    d = Driver(CONFIG)
    queued(d)

    error = d.refuse(d.log[-1][1])

    assert "contact 'c1' already exists" in str(error)


# --- agents --------------------------------------------------------------------------------------

P = AgentPresence
AE = AgentEvent


def _offer_out(d: Driver) -> None:
    d.login("a1")
    d.arrive("c1")


def _offer_out_then_break(d: Driver) -> None:
    _offer_out(d)
    d.do(AgentNotReady("a1"))


AGENT_REACH: dict[tuple[AgentPresence, AgentEvent], Step] = {
    (P.READY, AE.NO_ANSWER_LIMIT): _offer_out,
    (P.NOT_READY, AE.NO_ANSWER_LIMIT): _offer_out_then_break,
}
PRESENCE_REACH: dict[AgentPresence, Step] = {
    P.LOGGED_OUT: lambda d: None,
    P.NOT_READY: lambda d: d.login("a1", ready=False),
    P.READY: lambda d: d.login("a1"),
}
AGENT_COMMANDS: dict[AgentEvent, Command] = {
    AE.LOG_IN: AgentLoggedIn("a1"),
    AE.LOG_OUT: AgentLoggedOut("a1"),
    AE.MAKE_READY: AgentReady("a1"),
    AE.MAKE_NOT_READY: AgentNotReady("a1", "training"),
}
AGENT_STATUS = {
    P.LOGGED_OUT: AgentStatus.LOGGED_OUT,
    P.NOT_READY: AgentStatus.NOT_READY,
    P.READY: AgentStatus.READY,
}
AGENT_REFUSED = [(p, e) for p in P for e in AGENT_COMMANDS if (p, e) not in AGENT_TRANSITIONS]


@pytest.mark.parametrize(
    ("pair", "target"), list(AGENT_TRANSITIONS.items()), ids=map(_pair_id, AGENT_TRANSITIONS)
)
def test_every_agent_transition_happens_through_its_command(
    pair: tuple[AgentPresence, AgentEvent], target: AgentPresence
) -> None:
    source, event = pair
    d = Driver(CONFIG)
    AGENT_REACH.get(pair, PRESENCE_REACH[source])(d)
    assert d.engine.agent_presence("a1") is source

    if event is AE.NO_ANSWER_LIMIT:
        effects = d.wait(OFFER_TIMEOUT)
        reason = "no_answer"
    else:
        effects = d.do(AGENT_COMMANDS[event])
        reason = "training" if event is AE.MAKE_NOT_READY else None

    assert d.engine.agent_presence("a1") is target
    assert d.engine.agent_status("a1") is AGENT_STATUS[target]
    notices = [e for e in effects if isinstance(e, AgentStateChanged)]
    assert notices[-1] == AgentStateChanged("a1", "alpha", AGENT_STATUS[target], reason)


@pytest.mark.parametrize("pair", AGENT_REFUSED, ids=map(_pair_id, AGENT_REFUSED))
def test_every_agent_command_outside_the_table_is_refused_and_changes_nothing(
    pair: tuple[AgentPresence, AgentEvent],
) -> None:
    presence, event = pair
    d = Driver(CONFIG)
    PRESENCE_REACH[presence](d)

    error = d.refuse(AGENT_COMMANDS[event])

    message = str(error)
    assert "agent 'a1'" in message
    assert presence.value in message
    assert event.value.replace("_", " ") in message


def test_six_agent_commands_are_refused_by_the_table() -> None:
    assert len(AGENT_REFUSED) == 6


@pytest.mark.parametrize("held", [S.OFFERED, S.CONNECTED, S.WRAP_UP], ids=lambda s: s.value)
@pytest.mark.parametrize("break_first", [False, True], ids=["ready", "not_ready"])
def test_an_agent_holding_a_contact_cannot_log_out(held: ContactState, break_first: bool) -> None:
    d = Driver(CONFIG)
    REACH[held](d)
    if break_first:
        d.do(AgentNotReady("a1"))

    error = d.refuse(AgentLoggedOut("a1"))

    assert "holds 1 contact(s): cannot log out" in str(error)


def test_commands_for_an_unknown_agent_are_refused() -> None:
    d = Driver(CONFIG)
    for command in AGENT_COMMANDS.values():
        error = d.refuse(type(command)("nobody"), error=UnknownEntity)  # type: ignore[call-arg]
        assert str(error) == "agent 'nobody' is not configured"


# --- the tables themselves -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [None, *ContactState], ids=_show)
def test_next_contact_state_follows_the_table_and_refuses_everything_else(
    state: ContactState | None,
) -> None:
    for event in ContactEvent:
        if (state, event) in CONTACT_TRANSITIONS:
            assert next_contact_state("c", state, event) is CONTACT_TRANSITIONS[(state, event)]
        else:
            with pytest.raises(CommandRefused) as refused:
                next_contact_state("c", state, event)
            assert str(refused.value) == (
                f"contact 'c' is {_show(state)}: cannot {event.value.replace('_', ' ')}"
            )


@pytest.mark.parametrize("presence", list(AgentPresence), ids=_show)
def test_next_agent_presence_follows_the_table_and_refuses_everything_else(
    presence: AgentPresence,
) -> None:
    for event in AgentEvent:
        if (presence, event) in AGENT_TRANSITIONS:
            assert next_agent_presence("a", presence, event) is AGENT_TRANSITIONS[(presence, event)]
        else:
            with pytest.raises(CommandRefused) as refused:
                next_agent_presence("a", presence, event)
            assert str(refused.value) == (
                f"agent 'a' is {presence.value}: cannot {event.value.replace('_', ' ')}"
            )


def test_logging_out_is_refused_only_while_contacts_are_held() -> None:
    for presence in (P.READY, P.NOT_READY):
        assert next_agent_presence("a", presence, AE.LOG_OUT, holding=0) is P.LOGGED_OUT
        with pytest.raises(CommandRefused, match="holds 2 contact"):
            next_agent_presence("a", presence, AE.LOG_OUT, holding=2)
        assert next_agent_presence("a", presence, AE.MAKE_NOT_READY, holding=2) is P.NOT_READY


def test_terminal_states_have_no_way_out_and_every_state_is_reachable() -> None:
    sources = {s for s, _ in CONTACT_TRANSITIONS}
    targets = set(CONTACT_TRANSITIONS.values())
    assert not sources & TERMINAL_CONTACT_STATES
    assert targets == set(ContactState)
    assert sources == {None} | (set(ContactState) - TERMINAL_CONTACT_STATES)
