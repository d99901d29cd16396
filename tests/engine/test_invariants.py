"""Invariants of the routing engine under random use (Hypothesis stateful testing).

The machine builds a small random hotline (two or three topics × languages, two to four providers,
sometimes a connected one, three to eight agents with random skills, levels and capacities, random
routing rules) and drives it with random commands at non-decreasing times: arrivals by a small pool
of callers (so that redials and duplicates happen), abandons, callback requests, answers to offers
and callbacks, ends of conversations and wrap-ups, agents logging in and out and taking breaks,
status reports of the connected provider, configuration changes while the engine runs, time
passing to just after the next deadline, and commands that must be refused.

The machine keeps its own model of every contact and agent, built only from the commands it sends
and the effects the engine returns, and checks after every step that

* no agent holds more than its capacity (a call excludes everything else), checked at each offer
  and after every step;
* no contact is offered to two agents, and what each agent holds matches the contacts' own state;
* a contact never leaves a terminal state nor gets a second terminal notice; at the end every
  contact ever made is driven to exactly one terminal state;
* no contact waits while an agent who may take it is ready with room (work-conserving), nor while
  the connected provider reported a free agent for it;
* whenever a contact is offered, no contact ahead of it in order (priority, then first arrival)
  that the same agent could take was left waiting: of the same queue and priority with an earlier
  first arrival (a reclaimed redial and a declined contact keep theirs), of higher priority, or in
  another queue the agent serves;
* a refused command raises ``CommandRefused`` (``ConfigurationError`` for an impossible
  configuration) and changes nothing but the engine's clock;
* replaying the command log gives the same effects and an equal snapshot.

Times are multiples of half a second and every rule's duration a whole number of seconds, so the
time of each offer is exactly ``expires_at - offer_timeout``. Before a command other than an
arrival, the timers due by then fire in a ``TimeAdvanced`` of their own: the model can then apply
the command (a break, a skill change, new rules) at the right point among the effects.

``VERBUND_STATEFUL_EXAMPLES`` (default 600) sets how many random runs to try.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from verbund.engine import (
    CONTACT_TRANSITIONS,
    STRATEGIES,
    TERMINAL_CONTACT_STATES,
    AgentConfigured,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentPresence,
    AgentReady,
    AgentRemoved,
    AgentSpec,
    AgentStateChanged,
    AgentStatus,
    AlreadyWaiting,
    AnnounceWait,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    CancelOffer,
    Channel,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    ContactEvent,
    ContactState,
    ContactStateChanged,
    DialCallback,
    Effect,
    Engine,
    HotlineConfig,
    OfferAccepted,
    OfferCallback,
    OfferContact,
    OfferDeclined,
    ProviderConfigured,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    QueueChanged,
    QueueKey,
    RejectContact,
    RouteContact,
    RoutingRules,
    RulesChanged,
    TimeAdvanced,
    TopicConfigured,
    TopicSpec,
    WrapUpDone,
    replay,
)
from verbund.engine.states import agent_status
from verbund.errors import CommandRefused, ConfigurationError, EngineError, UnknownEntity

Skill = tuple[str, str]

ALL_SKILLS: tuple[Skill, ...] = (
    ("termin", "de"),
    ("termin", "en"),
    ("impfung", "de"),
    ("impfung", "en"),
)
CALLERS = ("", "+4930-1", "+4930-2", "+4930-3", "+4930-4", "+4930-5")
CONNECTED = "c0"

QUEUED = ContactState.QUEUED
OFFERED = ContactState.OFFERED
CONNECTED_STATE = ContactState.CONNECTED
WRAP_UP = ContactState.WRAP_UP
CALLBACK_WAITING = ContactState.CALLBACK_WAITING
CALLBACK_OFFERED = ContactState.CALLBACK_OFFERED
CALLBACK_DIALING = ContactState.CALLBACK_DIALING
OFFERED_STATES = frozenset({OFFERED, CALLBACK_OFFERED})
HELD_STATES = frozenset({OFFERED, CONNECTED_STATE, WRAP_UP, CALLBACK_OFFERED, CALLBACK_DIALING})
# States in which a caller's new attempt is told "already waiting" instead of making a contact.
ACTIVE_STATES = frozenset({QUEUED, OFFERED, CALLBACK_WAITING, CALLBACK_OFFERED, CALLBACK_DIALING})

# Pauses between commands: often none (ties), mostly short, sometimes long enough for every timer.
PAUSES = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 400.0])
SHORT_PAUSES = st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0])  # answering an offer before it lapses
PICK = st.integers(0, 63)


# --- random hotlines -----------------------------------------------------------------------------


def routing_rules() -> st.SearchStrategy[RoutingRules]:
    return st.builds(
        RoutingRules,
        offer_timeout=st.sampled_from([10.0, 30.0, 120.0, 600.0]),
        auto_answer=st.sampled_from([False, False, True]),
        max_no_answers=st.integers(1, 3),
        decline_pause=st.sampled_from([0.0, 5.0, 30.0]),
        wrap_up=st.sampled_from([0.0, 0.0, 10.0, 30.0, None]),
        level_waits=st.sampled_from([(0.0,), (0.0, 15.0), (0.0, 30.0), (0.0, 60.0)]),
        callback_offer_ewt=st.sampled_from([None, 60.0, 300.0]),
        max_ewt=st.sampled_from([None, None, 300.0, 900.0]),
        max_queue_length=st.sampled_from([None, None, 1, 3, 6]),
        redial_window=st.sampled_from([30.0, 120.0, 600.0]),
        announce_interval=st.sampled_from([None, 30.0, 60.0]),
        callback_retry_delay=st.sampled_from([20.0, 90.0]),
        callback_max_attempts=st.integers(1, 3),
        default_aht=st.sampled_from([60.0, 300.0]),
        report_stale_after=st.sampled_from([15.0, 60.0]),
        strategy=st.sampled_from(sorted(STRATEGIES)),
    )


def capacities() -> st.SearchStrategy[dict[Channel, int]]:
    return st.builds(
        lambda chat, social: {Channel.VOICE: 1, Channel.CHAT: chat, Channel.SOCIAL: social},
        st.integers(1, 3),
        st.integers(0, 3),
    )


def skill_levels(skills: list[Skill]) -> st.SearchStrategy[dict[Skill, int]]:
    return st.dictionaries(st.sampled_from(skills), st.integers(1, 2), min_size=1)


@st.composite
def hotlines(draw: st.DrawFn) -> HotlineConfig:
    skills = draw(st.lists(st.sampled_from(ALL_SKILLS[:3]), min_size=2, max_size=3, unique=True))
    languages: dict[str, list[str]] = {}
    for topic, language in sorted(skills):
        languages.setdefault(topic, []).append(language)
    topics = tuple(TopicSpec(topic, tuple(langs)) for topic, langs in languages.items())
    shares = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0])
    size = draw(st.integers(2, 4))
    connected = draw(st.booleans())
    pooled = [ProviderSpec(f"p{i}", share=draw(shares)) for i in range(size - connected)]
    providers = list(pooled)
    if connected:
        serves = draw(st.lists(st.sampled_from(sorted(skills)), min_size=1, unique=True))
        providers.append(
            ProviderSpec(
                CONNECTED,
                ProviderMode.CONNECTED,
                share=draw(shares),
                label="sip:acd@c0.example",
                serves=frozenset(serves),
            )
        )
    agents = tuple(
        AgentSpec(
            f"a{i}",
            draw(st.sampled_from(pooled)).name,
            draw(skill_levels(sorted(skills))),
            draw(capacities()),
        )
        for i in range(draw(st.integers(3, 8)))
    )
    return HotlineConfig("116117", topics, tuple(providers), agents, draw(routing_rules()))


# --- the model -----------------------------------------------------------------------------------


@dataclass
class Life:
    """One contact as the commands and effects tell it."""

    name: str
    caller: str
    queue: QueueKey
    priority: int
    place: tuple[float, int]  # (first arrival, arrival order): kept by a reclaiming redial
    states: list[ContactState] = field(default_factory=list)
    agent: str | None = None
    callback_attempts: int = 0
    retry_due: float | None = None  # a callback that was not answered waits out of the queue

    @property
    def state(self) -> ContactState | None:
        return self.states[-1] if self.states else None

    @property
    def live(self) -> bool:
        return self.state not in TERMINAL_CONTACT_STATES

    def in_queue(self, at: float, *, strict: bool = False) -> bool:
        """Whether the contact waits in its queue at ``at``. With ``strict``, a callback due again
        exactly at ``at`` is left out: whether its timer fired before another one at the same
        instant is a tie the engine may break either way."""
        if self.state is QUEUED:
            return True
        if self.state is not CALLBACK_WAITING or self.retry_due is None:
            return self.state is CALLBACK_WAITING
        return self.retry_due < at if strict else self.retry_due <= at

    def order(self) -> tuple[int, float, int]:
        return (-self.priority, *self.place)


@dataclass
class Desk:
    """One agent as the commands and effects tell it."""

    spec: AgentSpec
    presence: AgentPresence = AgentPresence.LOGGED_OUT
    reason: str | None = None
    no_answers: int = 0
    held: dict[str, Channel] = field(default_factory=dict)
    shown: tuple[AgentStatus, str | None] = (AgentStatus.LOGGED_OUT, None)
    over: set[Channel] = field(default_factory=set)  # capacity lowered below what it holds
    paused_until: float | None = None  # after a decline, offered nothing until then

    def paused(self, now: float) -> bool:
        return self.paused_until is not None and now < self.paused_until

    def capacity(self, channel: Channel) -> int:
        return self.spec.capacity.get(channel, 0)

    def has_room(self, channel: Channel, held: Iterable[Channel] | None = None) -> bool:
        channels = list(self.held.values() if held is None else held)
        if self.capacity(channel) <= 0:
            return False
        if channel is Channel.VOICE:
            return not channels
        return Channel.VOICE not in channels and channels.count(channel) < self.capacity(channel)


@dataclass
class Report:
    at: float
    ready: int
    routed_since: int = 0


def can_follow(state: ContactState | None, new: ContactState) -> bool:
    return any(CONTACT_TRANSITIONS.get((state, event)) is new for event in ContactEvent)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine | None = None

    # --- set-up ----------------------------------------------------------------------------------

    @initialize(config=hotlines(), data=st.data())
    def build_hotline(self, config: HotlineConfig, data: st.DataObject) -> None:
        self.config = config
        self.engine = Engine(config)
        self.now = 0.0
        self.prev_now = 0.0
        self.rules = config.rules
        self.log: list[tuple[float, Command]] = []
        self.effects: list[Effect] = []
        self.skills: list[Skill] = [(t.name, lang) for t in config.topics for lang in t.languages]
        self.providers = {p.name: p for p in config.providers}
        self.desks = {a.name: Desk(a) for a in config.agents}
        self.lives: dict[str, Life] = {}
        self.reports: dict[str, Report] = {}
        self.abandoned: dict[str, tuple[float, int, tuple[float, int]]] = {}
        self.forget_before = -1e18  # abandons before this are forgotten (redial window)
        self.sequence = 0
        self.serial = 0
        self.arrivals = 0
        self.duplicates = 0
        self.reclaims = 0
        self.pending: Life | None = None
        self.arriving: ContactArrived | None = None
        self.duplicate_of: str | None = None
        self.reclaiming = False
        names = sorted(self.desks)
        for name in data.draw(st.lists(st.sampled_from(names), unique=True), label="logged in"):
            self.send(AgentLoggedIn(name))
            if data.draw(st.booleans(), label=f"{name} ready"):
                self.send(AgentReady(name))

    # --- driving the engine ----------------------------------------------------------------------

    @property
    def the_engine(self) -> Engine:
        assert self.engine is not None
        return self.engine

    def advance(self, pause: float) -> float:
        """The time of the next command; the timers due by then fire first, on their own."""
        at = self.now + pause
        deadline = self.the_engine.next_deadline()
        if deadline is not None and deadline <= at:
            self.send(TimeAdvanced(), at)
        return at

    def send(self, command: Command, at: float | None = None) -> list[Effect]:
        """Send a command that must be accepted; update the model from it and its effects."""
        at = self.now if at is None else at
        self.log.append((at, command))
        self.begin(command, at)
        effects = self.the_engine.handle(command, at)
        self.effects.extend(effects)
        self.prev_now, self.now = self.now, at
        for effect in effects:
            self.absorb(effect, command)
        if isinstance(command, ContactArrived):
            made = self.pending
            assert made is not None, f"{command}: no effect names the attempt"
            if self.duplicate_of is None:
                assert made.states, f"{command.contact} made no contact and no AlreadyWaiting"
            else:
                del self.lives[made.name]
            self.pending = self.arriving = None
        return effects

    def refuse(
        self, command: Command, at: float, error: type[EngineError] = CommandRefused
    ) -> None:
        """Send a command that must be refused: nothing changes but the engine's clock (no timer
        is due by ``at``, so none fires)."""
        engine = self.the_engine
        deadline = engine.next_deadline()
        assert deadline is None or at < deadline
        before = engine.snapshot()
        self.log.append((at, command))
        with pytest.raises(EngineError) as refused:
            engine.handle(command, at)
        assert isinstance(refused.value, error), f"{command}: {refused.value!r}, not {error}"
        assert refused.value.effects == ()
        before["now"] = max(self.now, at)
        assert engine.snapshot() == before, f"refused {command} changed the engine"
        self.now = engine.now

    def begin(self, command: Command, at: float) -> None:
        """What a command changes in the model before its effects are read."""
        agent = getattr(command, "agent", None)
        desk = self.desks.get(agent) if isinstance(agent, str) else None
        match command:
            case AgentLoggedIn():
                assert desk is not None
                desk.presence, desk.reason = AgentPresence.NOT_READY, None
                desk.paused_until = None
            case AgentLoggedOut():
                assert desk is not None
                desk.presence, desk.reason = AgentPresence.LOGGED_OUT, None
                desk.paused_until = None
            case AgentReady():
                assert desk is not None
                desk.presence, desk.reason, desk.no_answers = AgentPresence.READY, None, 0
                desk.paused_until = None
            case AgentNotReady(reason=reason):
                assert desk is not None
                desk.presence, desk.reason = AgentPresence.NOT_READY, reason
                desk.paused_until = None
            case OfferAccepted():
                assert desk is not None
                desk.no_answers = 0
            case OfferDeclined():
                assert desk is not None
                desk.no_answers = 0
                if self.rules.decline_pause > 0:
                    desk.paused_until = at + self.rules.decline_pause
            case AgentConfigured(agent=spec):
                known = self.desks.get(spec.name)
                if known is None:
                    self.desks[spec.name] = Desk(spec)
                else:
                    known.spec = spec
                    for channel in Channel:
                        count = list(known.held.values()).count(channel)
                        if count > known.capacity(channel):
                            known.over.add(channel)
            case AgentRemoved(agent=name):
                del self.desks[name]
            case RulesChanged(rules=rules):
                self.rules = rules
            case ProviderConfigured(provider=spec):
                self.providers[spec.name] = spec
            case TopicConfigured(topic=topic):
                self.skills += [
                    (topic.name, lang)
                    for lang in topic.languages
                    if (topic.name, lang) not in self.skills
                ]
            case ProviderStatusReported():
                self.reports[command.provider] = Report(at, command.ready_agents)
            case ContactArrived():
                self.arriving = command  # predicted at its first effect, after the timers due

    def expect_arrival(self, command: ContactArrived, at: float) -> None:
        """Predict whether the attempt is a duplicate or reclaims an abandoned attempt's place."""
        self.arrivals += 1
        self.forget_before = max(self.forget_before, at - self.rules.redial_window)
        caller = command.caller
        active = [
            life.name
            for life in self.lives.values()
            if caller and life.caller == caller and life.state in ACTIVE_STATES
        ]
        assert len(active) <= 1, f"caller {caller} has two active contacts: {active}"
        self.duplicate_of = active[0] if active else None
        queue = QueueKey(command.topic, command.language, command.channel)
        abandon = self.abandoned.get(caller) if caller and not active else None
        if abandon is not None:
            del self.abandoned[caller]
            if abandon[0] < self.forget_before:
                abandon = None
        self.reclaiming = not active and abandon is not None
        if active:
            self.duplicates += 1
            place, priority = (at, -1), command.priority
        elif abandon is not None:
            self.reclaims += 1
            place, priority = abandon[2], max(command.priority, abandon[1])
        else:
            self.sequence += 1
            place, priority = (at, self.sequence), command.priority
        self.pending = self.lives[command.contact] = Life(
            command.contact, caller, queue, priority, place
        )

    # --- reading effects -------------------------------------------------------------------------

    def absorb(self, effect: Effect, command: Command) -> None:
        # The timers due fire before the arrival is handled; its first effect names the attempt.
        arriving = self.arriving
        if arriving is not None and arriving.contact in (
            getattr(effect, "contact", None),
            getattr(effect, "attempt", None),
        ):
            assert isinstance(effect, ContactStateChanged | AlreadyWaiting), effect
            self.expect_arrival(arriving, self.now)
            self.arriving = None
        match effect:
            case ContactStateChanged():
                self.on_state(effect)
            case OfferContact():
                self.on_offer(effect)
            case CancelOffer(contact=name, agent=agent, reason=reason):
                life = self.lives[name]
                assert life.state in OFFERED_STATES, effect
                assert life.agent == agent, effect
                assert reason in ("timeout", "abandoned"), effect
                if reason == "timeout":
                    desk = self.desks[agent]
                    desk.no_answers += 1
                    if desk.no_answers >= self.rules.max_no_answers:
                        desk.presence, desk.reason = AgentPresence.NOT_READY, "no_answer"
            case RouteContact(contact=name, provider=provider):
                life = self.lives[name]
                assert life.state is ContactState.ROUTED, effect
                spec = self.providers[provider]
                assert spec.mode is ProviderMode.CONNECTED, effect
                assert (life.queue.topic, life.queue.language) in spec.serves, effect
                assert life.queue.channel is Channel.VOICE, effect
                self.reports[provider].routed_since += 1
            case AnnounceWait(contact=name, position=position):
                life = self.lives[name]
                assert life.state is QUEUED, effect
                if isinstance(command, ContactArrived) and command.contact == name:
                    assert position == self.position(life), (effect, self.position(life))
                assert position >= 1, effect
            case OfferCallback(contact=name):
                assert self.lives[name].state is QUEUED, effect
            case RejectContact(contact=name, reason=reason, retry_after=retry):
                assert self.lives[name].state is ContactState.REJECTED, effect
                assert reason in ("max_ewt", "queue_full", "no_agents"), effect
                assert retry >= 60.0, effect
            case AlreadyWaiting(attempt=attempt, contact=name, state=state, position=position):
                assert isinstance(command, ContactArrived), effect
                assert command.contact == attempt, effect
                assert name == self.duplicate_of, (effect, self.duplicate_of)
                life = self.lives[name]
                assert state is life.state, (effect, life)
                assert position == self.position(life), (effect, self.position(life))
            case DialCallback(contact=name, agent=agent, attempt=attempt):
                life = self.lives[name]
                assert life.state is CALLBACK_DIALING, effect
                assert life.agent == agent, effect
                assert attempt == life.callback_attempts, (effect, life)
            case AgentStateChanged(agent=agent, provider=provider, status=status, reason=reason):
                desk = self.desks[agent]
                assert provider == desk.spec.provider, effect
                desk.shown = (status, reason)
            case QueueChanged():
                pass
            case _:
                raise AssertionError(f"unexpected effect {effect!r}")

    def on_state(self, effect: ContactStateChanged) -> None:
        life = self.lives.get(effect.contact)
        assert life is not None, f"notice for a contact never seen: {effect}"
        was, new = life.state, effect.state
        assert was not in TERMINAL_CONTACT_STATES, f"{effect} after terminal {was}"
        assert can_follow(was, new), f"{life.name}: {was} → {new} is not in the table"
        if was in HELD_STATES:
            assert life.agent is not None
            del self.desks[life.agent].held[life.name]
        if new in HELD_STATES:
            assert effect.agent is not None, effect
            desk = self.desks[effect.agent]
            if was in HELD_STATES:
                assert effect.agent == life.agent, f"{effect}: held by {life.agent} before"
            else:
                assert life.agent is None, f"{effect}: already with {life.agent}"
                assert desk.presence is AgentPresence.READY, f"{effect}: agent is {desk}"
                assert desk.has_room(life.queue.channel), f"{effect}: agent is full: {desk}"
                held_elsewhere = [d.spec.name for d in self.desks.values() if life.name in d.held]
                assert not held_elsewhere, f"{effect}: also with {held_elsewhere}"
            desk.held[life.name] = life.queue.channel
            life.agent = effect.agent
        else:
            assert effect.agent is None, effect
            life.agent = None
        if new is ContactState.ROUTED:
            assert effect.provider is not None, effect
        else:
            assert effect.provider is None, effect
        if was is CALLBACK_OFFERED and new is CALLBACK_DIALING:
            life.callback_attempts += 1
        if new is CALLBACK_WAITING and was is CALLBACK_DIALING:
            life.retry_due = self.now + self.rules.callback_retry_delay
        elif new is not CALLBACK_WAITING:
            life.retry_due = None
        if new is ContactState.ABANDONED and was in (QUEUED, OFFERED) and life.caller:
            self.abandoned[life.caller] = (self.now, life.priority, life.place)
        life.states.append(new)

    def on_offer(self, effect: OfferContact) -> None:
        """An offer went out at ``expires_at - offer_timeout`` (auto-answered: at ``expires_at``,
        as the rules say): check it, and that nobody ahead of
        the contact in order (priority, then first arrival) whom the agent could take as well was
        passed over, in its queue or another the agent serves."""
        life = self.lives[effect.contact]
        desk = self.desks[effect.agent]
        expected = CALLBACK_OFFERED if effect.callback else OFFERED
        assert life.state is expected, (effect, life)
        assert life.agent == effect.agent, (effect, life)
        assert effect.answered is self.rules.auto_answer, effect
        at = effect.expires_at if effect.answered else effect.expires_at - self.rules.offer_timeout
        assert self.prev_now <= at <= self.now, (effect, self.prev_now, self.now)
        level = desk.spec.skills.get((life.queue.topic, life.queue.language))
        assert level is not None, f"{effect}: agent lacks the skill: {desk.spec}"
        assert self.rules.level_wait(level) <= at - life.place[0], f"{effect}: level {level}"
        held_before = [channel for name, channel in desk.held.items() if name != life.name]
        for other in self.lives.values():
            if other is life or not other.in_queue(at, strict=True):
                continue
            if (-other.priority, other.place[0]) >= (-life.priority, life.place[0]):
                continue  # not ahead of the contact offered
            other_level = desk.spec.skills.get((other.queue.topic, other.queue.language))
            if other_level is None or not desk.has_room(other.queue.channel, held_before):
                continue
            # Ahead and one the agent could take: in the same queue with the same priority it
            # has waited longer, so it is eligible. Otherwise it must have become eligible for
            # this agent only at this very instant: the order of timers due together is a tie.
            assert other.place[0] + self.rules.level_wait(other_level) >= at, (
                f"{effect} at {at} passed over {other.name} "
                f"({other.queue}, priority {other.priority}, first arrival {other.place[0]}) "
                f"for {life.name} ({life.queue}, priority {life.priority}, "
                f"first arrival {life.place[0]})"
            )

    def position(self, life: Life) -> int | None:
        if not life.in_queue(self.now):
            return None
        ahead = [
            other
            for other in self.lives.values()
            if other.queue == life.queue
            and other.in_queue(self.now)
            and other.order() < life.order()
        ]
        return len(ahead) + 1

    # --- helpers for rules -----------------------------------------------------------------------

    def lives_in(self, *states: ContactState) -> list[Life]:
        return sorted(
            (life for life in self.lives.values() if life.state in states), key=lambda c: c.name
        )

    def desks_where(self, *presences: AgentPresence) -> list[Desk]:
        return [self.desks[n] for n in sorted(self.desks) if self.desks[n].presence in presences]

    def any_in(self, *states: ContactState) -> bool:
        return self.engine is not None and any(life.state in states for life in self.lives.values())

    def contact_command(
        self, kind: type[Command], states: tuple[ContactState, ...], pause: float, pick: int
    ) -> None:
        at = self.advance(pause)
        lives = self.lives_in(*states)
        if lives:
            self.send(kind(lives[pick % len(lives)].name), at)

    def pooled(self) -> list[str]:
        return sorted(n for n, p in self.providers.items() if p.mode is ProviderMode.POOLED)

    # --- contacts --------------------------------------------------------------------------------

    @rule(
        pause=PAUSES,
        skill=PICK,
        channel=st.sampled_from([Channel.VOICE, Channel.VOICE, Channel.CHAT, Channel.SOCIAL]),
        caller=st.sampled_from(CALLERS),
        priority=st.integers(0, 2),
        callback=st.sampled_from([False, False, False, False, True]),
    )
    def arrive(
        self, pause: float, skill: int, channel: Channel, caller: str, priority: int, callback: bool
    ) -> None:
        # Not flushed: the timers due by the arrival fire in the same handle, as in production.
        self.serial += 1
        topic, language = self.skills[skill % len(self.skills)]
        command = ContactArrived(
            f"k{self.serial}", caller, topic, language, channel, priority, callback
        )
        counters = self.the_engine.counters.as_dict()
        self.send(command, self.now + pause)
        after = self.the_engine.counters.as_dict()
        assert after["duplicates"] - counters["duplicates"] == (self.duplicate_of is not None)
        assert after["reclaimed"] - counters["reclaimed"] == self.reclaiming

    @precondition(lambda self: self.engine is not None and bool(self.abandoned or self.active()))
    @rule(
        pause=PAUSES,
        pick=PICK,
        skill=PICK,
        channel=st.sampled_from([Channel.VOICE, Channel.VOICE, Channel.CHAT, Channel.SOCIAL]),
        priority=st.integers(0, 2),
        callback=st.sampled_from([False, False, False, True]),
    )
    def redial(
        self, pause: float, pick: int, skill: int, channel: Channel, priority: int, callback: bool
    ) -> None:
        """A caller who gave up, or who is still waiting, tries again."""
        callers = sorted(set(self.abandoned) | set(self.active()))
        caller = callers[pick % len(callers)]
        self.arrive(pause, skill, channel, caller, priority, callback)

    def active(self) -> dict[str, str]:
        return {
            life.caller: life.name
            for life in self.lives.values()
            if life.caller and life.state in ACTIVE_STATES
        }

    @precondition(lambda self: self.engine is not None and any(d.held for d in self.desks.values()))
    @rule(pause=SHORT_PAUSES, pick=PICK)
    def agent_works(self, pause: float, pick: int) -> None:
        """An agent moves each contact it holds one step on: accepts offers, ends conversations,
        finishes wrap-ups; the callers it dials answer."""
        at = self.advance(pause)
        desks = [self.desks[name] for name in sorted(self.desks) if self.desks[name].held]
        if not desks:
            return
        agent = desks[pick % len(desks)].spec.name
        for name in sorted(self.desks[agent].held):
            life = self.lives[name]
            if life.agent != agent:
                continue
            if life.state in OFFERED_STATES:
                self.send(OfferAccepted(name, agent), at)
            elif life.state is CONNECTED_STATE:
                self.send(ContactEnded(name), at)
            elif life.state is WRAP_UP:
                self.send(WrapUpDone(name), at)
            elif life.state is CALLBACK_DIALING:
                self.send(CallbackAnswered(name), at)

    @precondition(lambda self: self.any_in(QUEUED, OFFERED, CALLBACK_WAITING, CALLBACK_OFFERED))
    @rule(pause=PAUSES, pick=PICK)
    def abandon(self, pause: float, pick: int) -> None:
        states = (QUEUED, OFFERED, CALLBACK_WAITING, CALLBACK_OFFERED)
        self.contact_command(ContactAbandoned, states, pause, pick)

    @precondition(lambda self: self.any_in(QUEUED))
    @rule(pause=PAUSES, pick=PICK)
    def request_callback(self, pause: float, pick: int) -> None:
        self.contact_command(CallbackRequested, (QUEUED,), pause, pick)

    @precondition(lambda self: self.any_in(OFFERED, CALLBACK_OFFERED))
    @rule(pause=SHORT_PAUSES, pick=PICK, accept=st.sampled_from([True, True, True, False]))
    def answer_offer(self, pause: float, pick: int, accept: bool) -> None:
        at = self.advance(pause)
        lives = self.lives_in(OFFERED, CALLBACK_OFFERED)
        if lives:
            life = lives[pick % len(lives)]
            assert life.agent is not None
            kind = OfferAccepted if accept else OfferDeclined
            self.send(kind(life.name, life.agent), at)

    @precondition(lambda self: self.any_in(CONNECTED_STATE))
    @rule(pause=PAUSES, pick=PICK)
    def end(self, pause: float, pick: int) -> None:
        self.contact_command(ContactEnded, (CONNECTED_STATE,), pause, pick)

    @precondition(lambda self: self.any_in(WRAP_UP))
    @rule(pause=PAUSES, pick=PICK)
    def finish_wrap_up(self, pause: float, pick: int) -> None:
        self.contact_command(WrapUpDone, (WRAP_UP,), pause, pick)

    @precondition(lambda self: self.any_in(CALLBACK_DIALING))
    @rule(pause=PAUSES, pick=PICK, answered=st.booleans())
    def dial_outcome(self, pause: float, pick: int, answered: bool) -> None:
        at = self.advance(pause)
        lives = self.lives_in(CALLBACK_DIALING)
        if lives:
            life = lives[pick % len(lives)]
            give_up = life.callback_attempts >= self.rules.callback_max_attempts
            kind = CallbackAnswered if answered else CallbackNotAnswered
            self.send(kind(life.name), at)
            if not answered:
                failed = ContactState.CALLBACK_FAILED if give_up else CALLBACK_WAITING
                assert life.state is failed, (life, give_up)

    # --- agents ----------------------------------------------------------------------------------

    @precondition(lambda self: self.engine is not None)
    @rule(
        pause=PAUSES,
        pick=PICK,
        move=st.sampled_from(["in", "in", "ready", "ready", "break", "out"]),
    )
    def agent_moves(self, pause: float, pick: int, move: str) -> None:
        at = self.advance(pause)
        logged_out, not_ready, ready = (
            AgentPresence.LOGGED_OUT,
            AgentPresence.NOT_READY,
            AgentPresence.READY,
        )
        if move == "in":
            desks, kind = self.desks_where(logged_out), AgentLoggedIn
        elif move == "out":
            desks = [d for d in self.desks_where(not_ready, ready) if not d.held]
            kind = AgentLoggedOut
        elif move == "ready":
            desks, kind = self.desks_where(not_ready), AgentReady
        else:
            desks, kind = self.desks_where(not_ready, ready), AgentNotReady
        if desks:
            self.send(kind(desks[pick % len(desks)].spec.name), at)

    @precondition(lambda self: self.engine is not None and CONNECTED in self.providers)
    @rule(
        pause=PAUSES,
        ready=st.integers(0, 2),
        waiting=st.integers(0, 3),
        handle_time=st.sampled_from([60.0, 180.0]),
        serving=st.integers(0, 3),
    )
    def report_status(
        self, pause: float, ready: int, waiting: int, handle_time: float, serving: int
    ) -> None:
        at = self.advance(pause)
        self.send(ProviderStatusReported(CONNECTED, ready, waiting, handle_time, serving), at)

    # --- configuration at run time ---------------------------------------------------------------

    @precondition(lambda self: self.engine is not None)
    @rule(
        pause=PAUSES,
        pick=PICK,
        change=st.sampled_from(
            ["skills", "skills", "skills", "add agent", "remove agent", "share", "rules", "topic"]
        ),
        data=st.data(),
    )
    def change_configuration(
        self, pause: float, pick: int, change: str, data: st.DataObject
    ) -> None:
        at = self.advance(pause)
        if change == "skills" and self.desks:
            desk = self.desks[sorted(self.desks)[pick % len(self.desks)]]
            spec = replace(desk.spec, skills=data.draw(skill_levels(self.skills), label="skills"))
            if data.draw(st.booleans(), label="new capacity"):
                spec = replace(spec, capacity=data.draw(capacities(), label="capacity"))
            if desk.presence is AgentPresence.LOGGED_OUT and data.draw(st.booleans()):
                spec = replace(spec, provider=data.draw(st.sampled_from(self.pooled())))
            self.send(AgentConfigured(spec), at)
        elif change == "add agent" and len(self.desks) < 10:
            name = next(f"a{i}" for i in range(20) if f"a{i}" not in self.desks)
            provider = data.draw(st.sampled_from(self.pooled()), label="provider")
            skills = data.draw(skill_levels(self.skills), label="skills")
            spec = AgentSpec(name, provider, skills, data.draw(capacities(), label="capacity"))
            self.send(AgentConfigured(spec), at)
        elif change == "remove agent":
            desks = self.desks_where(AgentPresence.LOGGED_OUT)
            if desks:
                self.send(AgentRemoved(desks[pick % len(desks)].spec.name), at)
        elif change == "share":
            spec = self.providers[sorted(self.providers)[pick % len(self.providers)]]
            share = data.draw(st.sampled_from([0.0, 0.5, 1.0, 3.0]), label="share")
            self.send(ProviderConfigured(replace(spec, share=share)), at)
        elif change == "rules":
            self.send(RulesChanged(data.draw(routing_rules(), label="rules")), at)
        elif change == "topic":
            missing = [skill for skill in ALL_SKILLS if skill not in self.skills]
            if missing:
                topic, language = missing[pick % len(missing)]
                self.send(TopicConfigured(TopicSpec(topic, (language,))), at)

    # --- time ------------------------------------------------------------------------------------

    @precondition(lambda self: self.engine is not None and self.engine.next_deadline() is not None)
    @rule(after=st.sampled_from([0.0, 0.5]))
    def wait_for_next_deadline(self, after: float) -> None:
        deadline = self.the_engine.next_deadline()
        assert deadline is not None
        assert deadline > self.now
        self.send(TimeAdvanced(), deadline + after)

    @precondition(lambda self: self.engine is not None)
    @rule(pause=PAUSES)
    def let_time_pass(self, pause: float) -> None:
        self.send(TimeAdvanced(), self.now + pause)

    # --- refusals --------------------------------------------------------------------------------

    @precondition(lambda self: self.engine is not None)
    @rule(pause=PAUSES, pick=st.integers(0, 1000))
    def refused_command(self, pause: float, pick: int) -> None:
        deadline = self.the_engine.next_deadline()
        at = self.now + pause
        if deadline is not None and at >= deadline:
            at = self.now
        candidates = self.refusable(at)
        command, at, error = candidates[pick % len(candidates)]
        self.refuse(command, at, error)

    def refusable(self, at: float) -> list[tuple[Command, float, type[EngineError]]]:
        """Commands the model knows to be illegal now, with the error each must raise."""
        found: list[tuple[Command, float, type[EngineError]]] = []

        def add(command: Command, error: type[EngineError] = CommandRefused) -> None:
            found.append((command, at, error))

        agents = sorted(self.desks)
        some_agent = agents[0] if agents else "nobody"
        for life in self.lives_in(*ACTIVE_STATES, CONNECTED_STATE, WRAP_UP):
            name, state = life.name, life.state
            add(ContactArrived(name, "", *self.skills[0]))
            if state not in OFFERED_STATES:
                add(OfferAccepted(name, some_agent))
                add(OfferDeclined(name, some_agent))
            else:
                add(OfferAccepted(name, "ghost"), UnknownEntity)
                for other in agents:
                    if other != life.agent:
                        add(OfferDeclined(name, other))
                        break
            if state is not CONNECTED_STATE:
                add(ContactEnded(name))
            if state is not WRAP_UP:
                add(WrapUpDone(name))
            if state is not CALLBACK_DIALING:
                add(CallbackAnswered(name))
                add(CallbackNotAnswered(name))
            if state is not QUEUED:
                add(CallbackRequested(name))
            if state in (CONNECTED_STATE, WRAP_UP, CALLBACK_DIALING):
                add(ContactAbandoned(name))
        finished = [life.name for life in self.lives.values() if not life.live]
        for name in [*finished[-2:], "never-seen"]:
            add(ContactEnded(name), UnknownEntity)
            add(ContactAbandoned(name), UnknownEntity)
        fresh = f"k{self.serial + 1}"
        topic, language = self.skills[0]
        add(ContactArrived(fresh, "+4930-9", "no-such-topic", language), UnknownEntity)
        add(ContactArrived(fresh, "+4930-9", topic, "xx"), UnknownEntity)
        add(ContactArrived(fresh, "+4930-9", topic, language, channel="voice"))  # type: ignore[arg-type]
        for desk in self.desks.values():
            name = desk.spec.name
            if desk.presence is AgentPresence.LOGGED_OUT:
                add(AgentReady(name))
                add(AgentNotReady(name))
                add(AgentLoggedOut(name))
            else:
                add(AgentLoggedIn(name))
                add(AgentRemoved(name))
                others = [p for p in self.pooled() if p != desk.spec.provider]
                if others:
                    add(AgentConfigured(replace(desk.spec, provider=others[0])))
                if desk.held:
                    add(AgentLoggedOut(name))
                pooled = self.providers[desk.spec.provider]
                serves = frozenset(self.skills)
                mode = ProviderMode.CONNECTED
                add(ProviderConfigured(replace(pooled, mode=mode, serves=serves)))
            add(AgentConfigured(replace(desk.spec, skills={self.skills[0]: 0})), ConfigurationError)
        add(AgentReady("ghost"), UnknownEntity)
        add(AgentConfigured(AgentSpec("a0", "no-such-provider", {})), UnknownEntity)
        add(ProviderStatusReported(self.pooled()[0], 1, 0, 60.0, 1))
        add(ProviderStatusReported("no-such-provider", 1, 0, 60.0, 1), UnknownEntity)
        if CONNECTED in self.providers:
            add(ProviderStatusReported(CONNECTED, -1, 0, 60.0, 1))
            add(ProviderStatusReported(CONNECTED, 1, 0, 0.0, 1))
        add(ProviderConfigured(ProviderSpec("c9", ProviderMode.CONNECTED)), ConfigurationError)
        add(ProviderConfigured(ProviderSpec("p0", share=-1.0)), ConfigurationError)
        add(RulesChanged(replace(self.rules, strategy="coin-toss")), ConfigurationError)
        add(TopicConfigured(TopicSpec("empty", ())), ConfigurationError)
        if self.now >= 0.5:
            found.append((TimeAdvanced(), self.now - 0.5, CommandRefused))
        return found

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def engine_agrees_with_the_model(self) -> None:
        if self.engine is None:
            return
        engine = self.engine
        assert engine.now == self.now
        live = {life.name for life in self.lives.values() if life.live}
        assert set(engine.live_contacts()) == live
        for name in live:
            life = self.lives[name]
            assert engine.contact_state(name) is life.state, (name, life)
            assert engine.contact_agent(name) == life.agent, (name, life)
        assert set(engine.agents()) == set(self.desks)
        for name, desk in self.desks.items():
            assert engine.agent_presence(name) is desk.presence, (name, desk)
            assert set(engine.agent_contacts(name)) == set(desk.held), (name, desk)
            assert engine.agent_provider(name) == desk.spec.provider

    @invariant()
    def every_published_agent_status_is_current(self) -> None:
        if self.engine is None:
            return
        for name, desk in self.desks.items():
            states = [self.lives[c].state for c in desk.held]
            status = agent_status(desk.presence, states)
            reason = desk.reason if desk.presence is AgentPresence.NOT_READY else None
            assert desk.shown == (status, reason), (name, desk)
            assert self.the_engine.agent_status(name) is status

    @invariant()
    def no_agent_over_capacity(self) -> None:
        if self.engine is None:
            return
        for name, desk in self.desks.items():
            channels = list(desk.held.values())
            if Channel.VOICE in channels:
                assert len(channels) == 1, f"{name} holds a call and more: {desk.held}"
            for channel in Channel:
                count = channels.count(channel)
                if count <= desk.capacity(channel):
                    desk.over.discard(channel)
                assert count <= desk.capacity(channel) or channel in desk.over, (name, desk)

    @invariant()
    def no_contact_with_two_agents(self) -> None:
        if self.engine is None:
            return
        holders: dict[str, list[str]] = {}
        for name in self.the_engine.agents():
            for contact in self.the_engine.agent_contacts(name):
                holders.setdefault(contact, []).append(name)
        assert all(len(agents) == 1 for agents in holders.values()), holders
        for contact, (agent,) in holders.items():
            assert self.lives[contact].state in HELD_STATES
            assert self.lives[contact].agent == agent

    @invariant()
    def queues_are_in_order(self) -> None:
        if self.engine is None:
            return
        by_queue: dict[QueueKey, list[Life]] = {}
        for life in self.lives.values():
            if life.in_queue(self.now):
                by_queue.setdefault(life.queue, []).append(life)
        for queue in set(self.the_engine.queues()) | set(by_queue):
            expected = [life.name for life in sorted(by_queue.get(queue, []), key=Life.order)]
            assert self.the_engine.waiting(queue) == expected, queue

    @invariant()
    def no_contact_waits_while_an_eligible_agent_is_ready(self) -> None:
        if self.engine is None:
            return
        for life in self.lives.values():
            if not life.in_queue(self.now):
                continue
            waited = self.now - life.place[0]
            skill = (life.queue.topic, life.queue.language)
            for desk in self.desks.values():
                level = desk.spec.skills.get(skill)
                eligible = (
                    desk.presence is AgentPresence.READY
                    and not desk.paused(self.now)
                    and desk.has_room(life.queue.channel)
                    and level is not None
                    and self.rules.level_wait(level) <= waited
                )
                assert not eligible, f"{life} waits while {desk} could take it"
                assert not self.the_engine.agent_can_take(desk.spec.name, life.queue, waited)
            report = self.reports.get(CONNECTED)
            spec = self.providers.get(CONNECTED)
            if (
                life.state is QUEUED
                and life.queue.channel is Channel.VOICE
                and spec is not None
                and report is not None
                and skill in spec.serves
                and report.at >= self.now - self.rules.report_stale_after
            ):
                free = report.ready - report.routed_since
                assert free <= 0, f"{life} waits while {CONNECTED} reported {free} free agent(s)"

    # --- the end: everybody is served or gives up ------------------------------------------------

    def teardown(self) -> None:
        if self.engine is None or sys.exc_info()[1] is not None:
            return  # a failing run: its own error is the one to report
        self.drive_to_quiescence()
        engine = self.engine
        made = list(self.lives.values())
        for life in made:
            terminal = [s for s in life.states if s in TERMINAL_CONTACT_STATES]
            assert len(terminal) == 1, life
            assert life.states[-1] is terminal[0], life
        assert engine.live_contacts() == []
        assert engine.next_deadline() is None
        counters = engine.counters.as_dict()
        outcomes = ("completed", "abandoned", "rejected", "routed", "callback_failed")
        assert sum(counters[k] for k in outcomes) == len(made), counters
        assert counters["attempts"] == self.arrivals, counters
        assert counters["duplicates"] == self.duplicates, counters
        assert counters["reclaimed"] == self.reclaims, counters
        replayed, effects = replay(self.config, self.log)
        assert effects == self.effects
        assert replayed.snapshot() == engine.snapshot()

    def drive_to_quiescence(self) -> None:
        """Answer every offer and dial, end every conversation and wrap-up, and let every waiting
        caller hang up; what the engine does meanwhile is checked as in any other step."""
        finishing = {
            OFFERED: lambda life: OfferAccepted(life.name, life.agent),
            CALLBACK_OFFERED: lambda life: OfferAccepted(life.name, life.agent),
            CALLBACK_DIALING: lambda life: CallbackAnswered(life.name),
            CONNECTED_STATE: lambda life: ContactEnded(life.name),
            WRAP_UP: lambda life: WrapUpDone(life.name),
            QUEUED: lambda life: ContactAbandoned(life.name),
            CALLBACK_WAITING: lambda life: ContactAbandoned(life.name),
        }
        rank = list(finishing)
        for _ in range(10_000):
            live = [life for life in self.lives.values() if life.live]
            if not live:
                break
            life = min(live, key=lambda c: (rank.index(c.state), c.name))  # type: ignore[arg-type]
            self.send(finishing[life.state](life))  # type: ignore[index]
            self.check_all()
        else:
            raise AssertionError("the engine did not come to rest")

    def check_all(self) -> None:
        self.engine_agrees_with_the_model()
        self.every_published_agent_status_is_current()
        self.no_agent_over_capacity()
        self.no_contact_with_two_agents()
        self.queues_are_in_order()
        self.no_contact_waits_while_an_eligible_agent_is_ready()


EngineMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("VERBUND_STATEFUL_EXAMPLES", "600")),
    stateful_step_count=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestEngineInvariants = EngineMachine.TestCase
