"""The discrete-event driver: the real engine in virtual time, with modelled callers and agents.

Theory of operation
===================

One :class:`verbund.engine.Engine` makes every routing decision, exactly as in production; this
module plays the world around it. Three sources of "what happens next" are merged in time order:

* **first attempts**, drawn up front as one sorted array (Poisson arrivals per topic × language,
  constant rate or piecewise constant from a profile);
* **the driver's calendar** of plain tuples ``(kind, a, b)`` by time: a caller's patience
  running out, an agent answering an offer after a think time, talk and manual wrap-up ending,
  a redial, a dialled callback answered or not, shift starts and ends, status reports and
  completions of connected providers' ACDs, and a sample every minute;
* **the engine's own timers** (``next_deadline()``): when one falls due before anything else,
  the driver sends ``TimeAdvanced`` at that moment.

Each command's effects are carried out at once: ``OfferContact`` → the agent accepts after a think
time (immediately when it is 0); ``DialCallback`` → the caller answers with some probability
after a dial time; ``OfferCallback`` → the caller may take it; ``RejectContact`` → the caller
requests a callback or redials later; ``RouteContact`` → the call joins the connected provider's
modelled ACD (M/M/n with the same callers' patience), which reports its status every few seconds.

What happened to each contact goes into parallel lists indexed by the contact's number (its
engine id is that number as text); :mod:`verbund.sim.results` turns them into KPIs with NumPy.

Randomness: one ``SeedSequence`` per replication, spawned into one stream per purpose (arrivals,
patience, handling times, decisions…), so that, for example, switching redials on does not move a
single arrival. Same scenario and seed, same result, bit for bit.

The engine runs without notices (``notices=False``: no ``ContactStateChanged`` or
``AgentStateChanged``): the driver reads each contact's fate off the decisions and its own events,
and the decisions are the same either way. A pooled agent whose shift ends while holding a contact
logs out when the driver's own events free them: the end of the call (or of its fixed wrap-up, or
the manual wrap-up), an offer cancelled, a callback not answered.
The hot loop binds everything it touches to local variables and allocates no objects of its own
per event beyond the engine's commands and the calendar's tuples.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from mypy_extensions import mypyc_attr

from verbund.engine import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AlreadyWaiting,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    CancelOffer,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    DialCallback,
    Effect,
    Engine,
    OfferAccepted,
    OfferCallback,
    OfferContact,
    ProviderStatusReported,
    QueueKey,
    RejectContact,
    RouteContact,
    TimeAdvanced,
    WrapUpDone,
)
from verbund.engine.config import Channel
from verbund.sim.distributions import Distribution, uniform_stream
from verbund.sim.scenario import INTERVAL, Scenario, agent_names

INF = math.inf
SAMPLE_EVERY = 60.0

# Contact status in the driver.
S_WAIT = 1  # in the engine's queue, caller on the line
S_OFFER = 2  # offered to an agent, caller on the line
S_TALK = 3  # talking (live or after a callback)
S_DONE = 4  # nothing more will happen
S_CALLBACK = 5  # holds a callback (waiting, offered to an agent, or being dialled)
S_PROVIDER_QUEUE = 6  # waiting in a connected provider's ACD

# Outcome of a contact (what the KPIs count).
O_UNFINISHED = 0
O_ANSWERED = 1  # answered on the line (by a pooled agent or a connected provider)
O_ABANDONED = 2
O_REJECTED = 3
O_CALLBACK = 4  # took a callback instead of waiting (see the callback result)
O_DUPLICATE = 5

# Callback result.
CB_NONE = 0
CB_ANSWERED = 1
CB_FAILED = 2

# Event kinds of the driver's calendar.
_ARRIVE = 0  # a redial: a = caller, b = (attempt, queue)
_ACCEPT = 1  # a = contact, b = (agent, offer number)
_END = 2  # talk ends: a = contact
_WRAP_DONE = 3  # manual wrap-up ends: a = contact
_ABANDON = 4  # patience runs out: a = contact
_DIAL = 5  # a dialled callback is answered or not: a = contact
_SHIFT_ON = 6  # a = provider index, b = agent names
_SHIFT_OFF = 7
_REPORT = 8  # a connected provider reports: a = provider index
_PROVIDER_END = 9  # a connected provider's agent finishes: a = provider index, b = contact
_PROVIDER_ABANDON = 10  # a caller hangs up in a connected provider's queue: a = contact
_SAMPLE = 11
_LEAVE = 12  # a leaving agent's fixed wrap-up ends: a = agent

# Stream numbers (SeedSequence.spawn order; append new purposes at the end).
_STREAMS = (
    "arrivals",
    "patience",
    "aht",
    "think",
    "wrap",
    "redial",
    "redial_delay",
    "callback",
    "dial",
    "dial_answer",
    "provider_aht",
    "redial_patience",
)


@mypyc_attr(serializable=True)  # crosses processes (--jobs) also when compiled
@dataclass
class Trace:
    """What one replication did: per contact, per busy span, and samples over time."""

    arrived: np.ndarray  # time of arrival
    queue: np.ndarray  # index into Scenario.queues()
    attempt: np.ndarray  # 1 for a caller's first attempt, 2… for redials, 0: a callback request
    outcome: np.ndarray  # O_* codes
    wait: np.ndarray  # answered: arrival → connected; abandoned: → hung up; callback: → requested
    provider: np.ndarray  # index of the provider that answered, else -1
    callback: np.ndarray  # CB_* codes
    left_queue: np.ndarray  # when the contact stopped waiting on the line (inf: never)
    busy_start: np.ndarray  # spans of agents' time spent on contacts, with their provider
    busy_end: np.ndarray
    busy_provider: np.ndarray
    login_start: np.ndarray  # pooled agents' logged-in spans, with their provider
    login_end: np.ndarray
    login_provider: np.ndarray
    ewt_samples: np.ndarray  # (samples, queues): the engine's expected wait for a new arrival
    sample_times: np.ndarray
    end: float  # when the replication stopped
    commands: int  # commands handled by the engine
    counters: dict[str, int] = field(default_factory=dict)


Event = tuple[int, Any, Any]  # kind, a, b


# A calendar bucket spans this many seconds of simulated time.
BUCKET: Final = 1.0

Entry = tuple[float, int, Event]  # time, sequence number, event


class Calendar:
    """The driver's events to come, by time; first in, first out at the same time.

    A calendar queue: the events of the second now running in a small heap of ``(time, seq,
    event)``, every later one appended to the list of its second (``BUCKET``), and a heap of
    those seconds. With 5,000 agents talking, one heap of every event would hold 5,000 entries
    spread over memory, and each pop would compare a dozen of them; here a pop compares a few
    entries of one second (16 at 5,000 agents), which stay in the processor's cache, and a second
    is sorted once when it comes up. The order is exactly the one heap's: an event of the running
    second or earlier (an arrival between two events may start something that ends before the
    next bucket) goes into the small heap, which holds nothing later than the running second.
    """

    __slots__ = ("_buckets", "_current", "_now", "_seconds", "_seq")

    def __init__(self) -> None:
        self._now: list[Entry] = []  # heap: the running second's events
        self._current = -1  # the running second (events at or before it are in _now)
        self._buckets: dict[int, list[Entry]] = {}  # later second -> its events, as they came
        self._seconds: list[int] = []  # heap of the seconds in _buckets
        self._seq = 0

    def push(self, at: float, event: Event) -> None:
        self._seq += 1
        entry = (at, self._seq, event)
        second = int(at // BUCKET)
        if second <= self._current:
            heapq.heappush(self._now, entry)
            return
        held = self._buckets.get(second)
        if held is None:
            self._buckets[second] = [entry]
            heapq.heappush(self._seconds, second)
        else:
            held.append(entry)

    def first(self) -> float:
        """When the next event is due (inf: none)."""
        now = self._now
        if not now:
            if not self._seconds:
                return INF
            second = heapq.heappop(self._seconds)
            now = self._buckets.pop(second)
            heapq.heapify(now)
            self._now = now
            self._current = second
        return now[0][0]

    def pop(self) -> Entry:
        """The next event, after :meth:`first` said when (the calendar must not be empty)."""
        return heapq.heappop(self._now)


def streams(scenario: Scenario, replication: int) -> dict[str, np.random.Generator]:
    root = np.random.SeedSequence(scenario.seed).spawn(replication + 1)[replication]
    return {
        name: np.random.Generator(np.random.PCG64(child))
        for name, child in zip(_STREAMS, root.spawn(len(_STREAMS)), strict=True)
    }


def draw_arrivals(scenario: Scenario, rng: np.random.Generator) -> tuple[list[float], list[int]]:
    """First attempts: times in [0, duration) in order, and the queue index of each."""
    queues = scenario.queues()
    duration = scenario.duration
    times: list[np.ndarray] = []
    indices: list[np.ndarray] = []
    if scenario.rate_per_hour is not None:
        total_share = sum(t.share for t in scenario.topics)
        q = 0
        for topic in scenario.topics:
            shares = topic.language_shares or (1.0,) * len(topic.languages)
            for language_share in shares:
                rate = (
                    scenario.rate_per_hour
                    / 3600.0
                    * topic.share
                    / total_share
                    * language_share
                    / sum(shares)
                )
                count = int(rng.poisson(rate * duration))
                times.append(rng.uniform(0.0, duration, count))
                indices.append(np.full(count, q, dtype=np.int64))
                q += 1
    else:
        index = {key: i for i, key in enumerate(queues)}
        for row in scenario.profile:
            count = int(rng.poisson(row.calls))
            drawn = row.start + rng.uniform(0.0, INTERVAL, count)
            keep = drawn[(drawn >= 0.0) & (drawn < duration)]
            times.append(keep)
            indices.append(np.full(len(keep), index[(row.topic, row.language)], dtype=np.int64))
    if not times:
        return [], []
    all_times = np.concatenate(times)
    all_queues = np.concatenate(indices)
    order = np.argsort(all_times, kind="stable")
    return all_times[order].tolist(), all_queues[order].tolist()


def run_replication(
    scenario: Scenario,
    replication: int = 0,
    progress: Callable[[float], None] | None = None,
    command_log: list[tuple[float, Any]] | None = None,
) -> Trace:
    """Simulate one replication of ``scenario``; ``progress`` gets the fraction done now and
    then; ``command_log``, if given, every command handed to the engine with its time (what
    ``verbund.engine.replay`` takes)."""
    rngs = streams(scenario, replication)
    arrival_times, arrival_queues = draw_arrivals(scenario, rngs["arrivals"])
    config = scenario.engine_config()
    engine = Engine(config, notices=False)

    callers = scenario.callers
    handling = scenario.handling
    duration = scenario.duration
    stop = duration + scenario.drain
    queues = scenario.queues()
    queue_topic = [t for t, _ in queues]
    queue_language = [lang for _, lang in queues]
    queue_keys = [QueueKey(t, lang, Channel.VOICE) for t, lang in queues]

    # Samplers, one stream per purpose (topics with their own AHT get their own child streams).
    patience = callers.patience.stream(rngs["patience"])  # of first attempts, in arrival order
    redial_patience = callers.patience.stream(rngs["redial_patience"])
    topic_aht: dict[str, Distribution] = {t.name: t.aht or handling.aht for t in scenario.topics}
    aht_rngs = rngs["aht"].spawn(len(scenario.topics))
    aht_by_topic = {
        t.name: topic_aht[t.name].stream(g) for t, g in zip(scenario.topics, aht_rngs, strict=True)
    }
    aht_of_queue = [aht_by_topic[t] for t in queue_topic]
    provider_aht_rngs = rngs["provider_aht"].spawn(len(scenario.topics))
    provider_aht_by_topic = {
        t.name: topic_aht[t.name].stream(g)
        for t, g in zip(scenario.topics, provider_aht_rngs, strict=True)
    }
    provider_aht_of_queue = [provider_aht_by_topic[t] for t in queue_topic]
    think = handling.think_time.stream(rngs["think"])
    zero_think = handling.think_time.kind == "fixed" and handling.think_time.mean == 0.0
    manual_wrap = handling.manual_wrap_up
    wrap_draw = handling.wrap_up.stream(rngs["wrap"])
    fixed_wrap = 0.0 if manual_wrap else handling.wrap_up.mean
    redial_u = uniform_stream(rngs["redial"])
    redial_p = callers.redial_probability
    redial_max = callers.redial_max_attempts
    redial_delay = callers.redial_delay.stream(rngs["redial_delay"])
    obey_retry = callers.redial_obeys_retry_after
    callback_u = uniform_stream(rngs["callback"])
    callback_p = callers.callback_acceptance
    dial_time = callers.dial_time.stream(rngs["dial"])
    dial_u = uniform_stream(rngs["dial_answer"])
    dial_p = callers.callback_answer_probability
    callback_max_attempts = scenario.rules.callback_max_attempts

    # Per contact (index = contact number). Its engine id is its number as text, made once: the
    # engine's dicts then find it by identity with its hash already known.
    name_of: list[str] = []
    t_arr: list[float] = []
    q_of: list[int] = []
    caller_of: list[int] = []
    att_of: list[int] = []
    st: list[int] = []
    outcome: list[int] = []
    wait: list[float] = []
    prov_of: list[int] = []
    t_off: list[float] = []
    oseq: list[int] = []
    cbres: list[int] = []
    pat: list[float] = []
    t_left: list[float] = []
    # Busy spans of agents.
    bs_start: list[float] = []
    bs_end: list[float] = []
    bs_prov: list[int] = []
    # Logged-in spans of pooled agents (until they actually log out, after their last call).
    logged_in: dict[str, float] = {}
    ls_start: list[float] = []
    ls_end: list[float] = []
    ls_prov: list[int] = []

    provider_index = {p.name: i for i, p in enumerate(scenario.providers)}
    agent_provider: dict[str, int] = {}
    calendar = Calendar()
    for pi, provider in enumerate(scenario.providers):
        names = [] if provider.connected else agent_names(provider)
        for name in names:
            agent_provider[name] = pi
        firsts = [0]
        for shift in provider.shifts:
            firsts.append(firsts[-1] + shift.agents)
        for begin, end_, agents, i in provider.occurrences(stop):
            group: Any = agents if provider.connected else names[firsts[i] : firsts[i + 1]]
            calendar.push(begin, (_SHIFT_ON, pi, group))
            if end_ < INF:
                calendar.push(end_, (_SHIFT_OFF, pi, group))
        if provider.connected:
            calendar.push(0.0, (_REPORT, pi, None))
    calendar.push(0.0, (_SAMPLE, None, None))

    # Connected providers' ACDs.
    n_providers = len(scenario.providers)
    p_cap = [0] * n_providers
    p_busy = [0] * n_providers
    p_queue: list[deque[int]] = [deque() for _ in range(n_providers)]
    p_waiting = [0] * n_providers
    p_start: dict[int, float] = {}
    p_names = [p.name for p in scenario.providers]
    p_every = [p.report_every for p in scenario.providers]
    # What a connected provider's ACD reports as its handle time: the mean over what it serves.
    p_handle_time = [
        sum(topic_aht[topic].mean for topic, _ in p.skills) / max(len(p.skills), 1)
        for p in scenario.providers
    ]
    leaving: set[str] = set()  # pooled agents whose shift ended while they held a contact
    wrap_ends: dict[str, float] = {}  # with a fixed wrap-up: when each agent's last one ends
    ewt_samples: list[list[float]] = []
    sample_times: list[float] = []
    queue_ewt = engine.queue_ewt
    time_advanced = TimeAdvanced()
    commands = 0
    n_callers = 0
    caller_name = [""]  # per caller number (from 1): the engine's caller id, made once

    def new_contact(now: float, queue: int, caller: int, attempt: int) -> int:
        n = len(t_arr)
        name_of.append(str(n))
        t_arr.append(now)
        q_of.append(queue)
        caller_of.append(caller)
        att_of.append(attempt)
        st.append(S_WAIT)
        outcome.append(O_UNFINISHED)
        wait.append(0.0)
        prov_of.append(-1)
        t_off.append(now)
        oseq.append(0)
        cbres.append(CB_NONE)
        pat.append(patience() if attempt == 1 else redial_patience() if attempt else INF)
        t_left.append(INF)
        return n

    def maybe_redial(n: int, now: float, retry_after: float) -> None:
        attempt = att_of[n]
        if redial_p and attempt and attempt < redial_max and redial_u() < redial_p:
            delay = redial_delay()
            if obey_retry and retry_after > delay:
                delay = retry_after
            at = now + delay
            if at < duration:
                calendar.push(at, (_ARRIVE, caller_of[n], (attempt + 1, q_of[n])))

    def talk(n: int, agent: str, now: float) -> None:
        """A live call is connected to ``agent`` now: talking until the handle time ends."""
        st[n] = S_TALK
        outcome[n] = O_ANSWERED
        wait[n] = now - t_arr[n]
        prov_of[n] = agent_provider[agent]
        calendar.push(now + aht_of_queue[q_of[n]](), (_END, n, agent))

    def answer(n: int, agent: str, now: float) -> None:
        """A live call offered to ``agent`` is accepted now."""
        talk(n, agent, now)
        run(OfferAccepted(name_of[n], agent), now)

    def provider_serve(p: int, n: int, now: float) -> None:
        st[n] = S_TALK
        outcome[n] = O_ANSWERED
        wait[n] = now - t_arr[n]
        prov_of[n] = p
        p_busy[p] += 1
        p_start[n] = now
        calendar.push(now + provider_aht_of_queue[q_of[n]](), (_PROVIDER_END, p, n))

    def provider_drain(p: int, now: float) -> None:
        queue = p_queue[p]
        while queue and p_busy[p] < p_cap[p]:
            m = queue.popleft()
            if st[m] == S_PROVIDER_QUEUE:
                p_waiting[p] -= 1
                provider_serve(p, m, now)

    def leave_if_free(agent: str, now: float) -> None:
        """A pooled agent whose shift has ended logs out once they hold nothing more."""
        if agent in leaving and not engine.agent_contacts(agent):
            leaving.discard(agent)
            log_out(agent, now)

    def log_out(agent: str, now: float) -> None:
        ls_start.append(logged_in.pop(agent))
        ls_end.append(now)
        ls_prov.append(agent_provider[agent])
        run(AgentLoggedOut(agent), now)

    def run(command: Any, now: float) -> None:
        """Hand ``command`` to the engine and carry out what it decided."""
        nonlocal commands, n_callers
        commands += 1
        if command_log is not None:
            command_log.append((now, command))
        # Effects are native classes when compiled: isinstance narrows each to its class, whose
        # fields are then read directly.
        effects: list[Effect] = engine.handle(command, now)  # (a native call when compiled)
        accepts: list[tuple[int, str]] | None = None
        later: list[Any] | None = None
        freed: list[str] | None = None
        for f in effects:
            if isinstance(f, OfferContact):
                n = int(f.contact)
                oseq[n] += 1
                t_off[n] = now
                if f.answered:  # auto-answer: connected (a callback: dialled) in the same step
                    if not f.callback:
                        t_left[n] = now
                        talk(n, f.agent, now)
                    continue
                if f.callback:
                    if zero_think:
                        if later is None:
                            later = []
                        later.append(OfferAccepted(f.contact, f.agent))
                    else:
                        calendar.push(now + think(), (_ACCEPT, n, (f.agent, oseq[n])))
                    continue
                st[n] = S_OFFER
                t_left[n] = now
                if zero_think:
                    if accepts is None:
                        accepts = []
                    accepts.append((n, f.agent))
                else:
                    calendar.push(now + think(), (_ACCEPT, n, (f.agent, oseq[n])))
            elif isinstance(f, DialCallback):
                calendar.push(now + dial_time(), (_DIAL, int(f.contact), f.attempt))
            elif isinstance(f, RouteContact):
                n = int(f.contact)
                p = provider_index[f.provider]
                t_left[n] = now
                if p_busy[p] < p_cap[p]:
                    provider_serve(p, n, now)
                else:
                    st[n] = S_PROVIDER_QUEUE
                    p_queue[p].append(n)
                    p_waiting[p] += 1
                    remaining = t_arr[n] + pat[n] - now
                    if remaining < INF:
                        at = now + max(remaining, 0.0)
                        calendar.push(at, (_PROVIDER_ABANDON, n, p))
            elif isinstance(f, OfferCallback):
                n = int(f.contact)
                if callback_p and st[n] == S_WAIT and callback_u() < callback_p:
                    st[n] = S_CALLBACK
                    outcome[n] = O_CALLBACK
                    wait[n] = now - t_arr[n]
                    t_left[n] = now
                    if later is None:
                        later = []
                    later.append(CallbackRequested(f.contact))
            elif isinstance(f, RejectContact):
                n = int(f.contact)
                st[n] = S_DONE
                outcome[n] = O_REJECTED
                t_left[n] = now
                if f.callback_available and callback_p and callback_u() < callback_p:
                    m = new_contact(now, q_of[n], caller_of[n], 0)
                    st[m] = S_CALLBACK
                    outcome[m] = O_CALLBACK
                    if later is None:
                        later = []
                    later.append(
                        ContactArrived(
                            name_of[m],
                            caller_name[caller_of[n]],
                            queue_topic[q_of[n]],
                            queue_language[q_of[n]],
                            callback=True,
                        )
                    )
                else:
                    maybe_redial(n, now, f.retry_after)
            elif isinstance(f, CancelOffer):
                n = int(f.contact)
                oseq[n] += 1
                bs_start.append(t_off[n])
                bs_end.append(now)
                bs_prov.append(agent_provider[f.agent])
                if f.reason == "timeout" and st[n] == S_OFFER:
                    st[n] = S_WAIT
                    t_left[n] = INF
                if leaving and f.agent in leaving:
                    if freed is None:
                        freed = []
                    freed.append(f.agent)
            elif isinstance(f, AlreadyWaiting):
                n = int(f.attempt)
                st[n] = S_DONE
                outcome[n] = O_DUPLICATE
                t_left[n] = now
        if accepts is not None:
            for n, agent in accepts:
                answer(n, agent, now)
        if later is not None:
            for command in later:
                run(command, now)
        if freed is not None:
            for agent in freed:
                leave_if_free(agent, now)

    def sample(now: float) -> None:
        sample_times.append(now)
        ewt_samples.append([math.nan if (e := queue_ewt(key)) is None else e for key in queue_keys])

    def idle() -> bool:
        return not engine.live_contacts() and not any(p_busy) and not any(p_waiting)

    ai = 0
    na = len(arrival_times)
    now = 0.0
    while True:
        ta = arrival_times[ai] if ai < na else INF
        th = calendar.first()
        td = engine.next_deadline()
        if td is not None and td < ta and td < th:
            if td > stop:
                break
            now = td
            run(time_advanced, td)
            continue
        if ta <= th:
            # A caller's first attempt.
            now = ta
            q = arrival_queues[ai]
            ai += 1
            n_callers += 1
            caller_name.append(str(n_callers))
            n = new_contact(ta, q, n_callers, 1)
            run(
                ContactArrived(
                    name_of[n], caller_name[n_callers], queue_topic[q], queue_language[q]
                ),
                ta,
            )
            s = st[n]
            if (s in (S_WAIT, S_OFFER)) and pat[n] < INF:
                calendar.push(ta + pat[n], (_ABANDON, n, None))
            continue
        if th > stop:
            break
        now, _, (kind, a, b) = calendar.pop()
        if kind == _END:
            n = a
            if manual_wrap:
                calendar.push(now + wrap_draw(), (_WRAP_DONE, n, b))
                run(ContactEnded(name_of[n]), now)
            else:
                bs_start.append(t_off[n])
                bs_end.append(now + fixed_wrap)
                bs_prov.append(agent_provider[b])
                st[n] = S_DONE
                run(ContactEnded(name_of[n]), now)
                if fixed_wrap:
                    wrap_ends[b] = now + fixed_wrap
                    if leaving and b in leaving:  # the engine's wrap-up timer frees them then
                        calendar.push(now + fixed_wrap, (_LEAVE, b, None))
                elif leaving:
                    leave_if_free(b, now)
        elif kind == _ABANDON:
            n = a
            s = st[n]
            if s in (S_WAIT, S_OFFER):
                st[n] = S_DONE
                outcome[n] = O_ABANDONED
                wait[n] = now - t_arr[n]
                t_left[n] = now
                run(ContactAbandoned(name_of[n]), now)
                maybe_redial(n, now, 0.0)
        elif kind == _ACCEPT:
            n = a
            agent, number = b
            if oseq[n] == number:
                s = st[n]
                if s == S_OFFER:
                    answer(n, agent, now)
                elif s == S_CALLBACK:
                    run(OfferAccepted(name_of[n], agent), now)
        elif kind == _ARRIVE:
            attempt, q = b
            n = new_contact(now, q, a, attempt)
            run(ContactArrived(name_of[n], caller_name[a], queue_topic[q], queue_language[q]), now)
            s = st[n]
            if (s in (S_WAIT, S_OFFER)) and pat[n] < INF:
                calendar.push(now + pat[n], (_ABANDON, n, None))
        elif kind == _WRAP_DONE:
            n = a
            bs_start.append(t_off[n])
            bs_end.append(now)
            bs_prov.append(agent_provider[b])
            st[n] = S_DONE
            run(WrapUpDone(name_of[n]), now)
            if leaving:
                leave_if_free(b, now)
        elif kind == _DIAL:
            n = a
            agent = engine.contact_agent(name_of[n])
            if dial_u() < dial_p:
                st[n] = S_TALK
                cbres[n] = CB_ANSWERED
                prov_of[n] = agent_provider[agent]  # type: ignore[index]
                wait[n] = now - t_arr[n]
                run(CallbackAnswered(name_of[n]), now)
                calendar.push(now + aht_of_queue[q_of[n]](), (_END, n, agent))
            else:
                bs_start.append(t_off[n])
                bs_end.append(now)
                bs_prov.append(agent_provider[agent])  # type: ignore[index]
                if b >= callback_max_attempts:
                    st[n] = S_DONE
                    cbres[n] = CB_FAILED
                run(CallbackNotAnswered(name_of[n]), now)
                if leaving:
                    leave_if_free(agent, now)  # type: ignore[arg-type]
        elif kind == _PROVIDER_END:
            p, n = a, b
            st[n] = S_DONE
            bs_start.append(p_start.pop(n))
            bs_end.append(now)
            bs_prov.append(p)
            p_busy[p] -= 1
            provider_drain(p, now)
        elif kind == _PROVIDER_ABANDON:
            n, p = a, b
            if st[n] == S_PROVIDER_QUEUE:
                st[n] = S_DONE
                outcome[n] = O_ABANDONED
                prov_of[n] = -1
                wait[n] = now - t_arr[n]
                p_waiting[p] -= 1
                maybe_redial(n, now, 0.0)
        elif kind == _REPORT:
            p = a
            run(
                ProviderStatusReported(
                    p_names[p],
                    max(p_cap[p] - p_busy[p], 0),
                    p_waiting[p],
                    p_handle_time[p],
                    p_cap[p],
                ),
                now,
            )
            calendar.push(now + p_every[p], (_REPORT, p, None))
        elif kind == _SAMPLE:
            sample(now)
            if progress is not None:
                progress(min(now / duration, 1.0))
            if now >= duration and idle():
                break
            calendar.push(now + SAMPLE_EVERY, (_SAMPLE, None, None))
        elif kind == _LEAVE:
            run(time_advanced, now)  # the wrap-up timer due now fires first
            leave_if_free(a, now)
        elif kind == _SHIFT_ON:
            p = a
            if scenario.providers[p].connected:
                p_cap[p] += b
                provider_drain(p, now)
            else:
                for agent in b:
                    leaving.discard(agent)
                    logged_in[agent] = now
                    run(AgentLoggedIn(agent), now)
                    run(AgentReady(agent), now)
        elif kind == _SHIFT_OFF:
            p = a
            if scenario.providers[p].connected:
                p_cap[p] -= b
            else:
                for agent in b:
                    run(AgentNotReady(agent, "shift_end"), now)
                    if engine.agent_contacts(agent):
                        leaving.add(agent)
                        if wrap_ends.get(agent, -INF) >= now:  # in a fixed wrap-up: ends then
                            calendar.push(wrap_ends[agent], (_LEAVE, agent, None))
                    else:
                        log_out(agent, now)
    end = min(now, stop)
    for agent, since in logged_in.items():
        ls_start.append(since)
        ls_end.append(max(end, since))
        ls_prov.append(agent_provider[agent])
    if progress is not None:
        progress(1.0)
    return Trace(
        arrived=np.asarray(t_arr, dtype=float),
        queue=np.asarray(q_of, dtype=np.int64),
        attempt=np.asarray(att_of, dtype=np.int64),
        outcome=np.asarray(outcome, dtype=np.int64),
        wait=np.asarray(wait, dtype=float),
        provider=np.asarray(prov_of, dtype=np.int64),
        callback=np.asarray(cbres, dtype=np.int64),
        left_queue=np.asarray(t_left, dtype=float),
        busy_start=np.asarray(bs_start, dtype=float),
        busy_end=np.asarray(bs_end, dtype=float),
        busy_provider=np.asarray(bs_prov, dtype=np.int64),
        login_start=np.asarray(ls_start, dtype=float),
        login_end=np.asarray(ls_end, dtype=float),
        login_provider=np.asarray(ls_prov, dtype=np.int64),
        ewt_samples=np.asarray(ewt_samples, dtype=float).reshape(len(sample_times), len(queues)),
        sample_times=np.asarray(sample_times, dtype=float),
        end=end,
        commands=commands,
        counters=engine.counters.as_dict(),
    )
