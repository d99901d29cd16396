"""Engine: commands per second at steady state, and whether the cost grows with the number waiting.

The hotline is built to the design target (10,000 agents of 20 providers, 20 topics × 2 languages
= 40 voice queues) with production rules: offers lapse after 15 s, wrap-up ends by itself after
5 s (most agents finish it earlier), skill levels 2 and 3 join after 30 s and 60 s, every waiting
caller hears their place again every 60 s. All agents are logged in, ready and busy, and N
contacts wait (N = 1,000 / 10,000 / 100,000).

A driver plays the world around the engine in virtual time (a dry run): callers arrive (new ones,
redials of recent abandons that reclaim their place, duplicates of callers already waiting, callers
served before), waiting callers abandon so that N stays constant, agents accept the engine's offers
a moment later (some decline, a few let them lapse), talk, end, finish wrap-up (or let the timer do
it), and now and then take a break. The same rates hold at every N; only the number waiting
differs. The driver records the (time, command) log; the timed runs replay that log on a freshly
built engine with the same set-up, so the engine makes the same decisions (checked: same number of
effects and the same counters as the dry run). Only ``engine.handle`` is timed.

Two streams. The *quiet* one plays the hotline at its own pace (a few hundred commands per
hotline second); replayed as fast as the engine goes, it compresses hotline time about 70×, so its
timers land far denser than a real clock would let them: it is timed as it comes, and once more
with every timer ticked apart, to tell a command's own work from timer work. The *surge* plays
the target itself: attempts at the pace where hotline time passes at 50,000 commands per second,
so timing it as it comes is timing it in real time.
"""

from __future__ import annotations

import bisect
import cProfile
import gc
import heapq
import math
import os
import pstats
import random
import resource
import statistics
import time
import tracemalloc
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.machine import how_built
from verbund.engine import (
    AgentLoggedIn,
    AgentNotReady,
    AgentReady,
    AgentSpec,
    AgentStateChanged,
    AgentStatus,
    AnnounceWait,
    CancelOffer,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    ContactState,
    ContactStateChanged,
    Engine,
    HotlineConfig,
    OfferAccepted,
    OfferContact,
    OfferDeclined,
    ProviderSpec,
    RoutingRules,
    TimeAdvanced,
    TopicSpec,
    WrapUpDone,
)
from verbund.engine.states import AgentPresence

# --- the hotline ---------------------------------------------------------------------------------

AGENTS = 10_000
PROVIDERS = 20
TOPICS = 20
LANGUAGES = ("de", "en")
LANGUAGE_WEIGHT = {"de": 0.85, "en": 0.15}
ENGLISH_SPEAKERS = 0.25  # share of agents who also take English calls
RULES = RoutingRules(
    offer_timeout=15.0,
    max_no_answers=2,
    wrap_up=5.0,
    level_waits=(0.0, 30.0, 60.0),
    announce_interval=60.0,
    redial_window=600.0,
)

# --- the world around it (virtual time) ----------------------------------------------------------

TALK_MEAN = 180.0  # seconds, log-normal
TALK_SIGMA = 0.6
OVERLOAD = 3.0  # attempts per second ÷ contacts the agents can finish per second
P_ACCEPT, P_DECLINE = 0.97, 0.02  # the rest of the offers lapse (no answer)
P_WRAP_UP_DONE = 0.6  # agents who end wrap-up themselves (1–4 s) before the 5 s timer
P_BREAK = 0.02  # agents who go not ready during wrap-up after a call (break 1–5 min)
P_REDIAL, P_DUPLICATE, P_KNOWN = 0.08, 0.02, 0.05  # shares of arrivals; the rest are new callers
FILL_SECONDS = 60.0  # most contacts of the set-up arrive in this long…
TAIL_SECONDS = 65.0  # …the last ones at the stream's rate, so that as many are young as later

# --- the measurement -----------------------------------------------------------------------------

SIZES = (1_000, 10_000, 100_000)
STREAM_COMMANDS = 40_000
SPLIT_REPEATS = 5
MEMORY_COMMANDS = 10_000
REPEATS = 5
SEED = 116117
TARGET_RATE = 50_000.0
TARGET_RATIO = 1.5
# The surge: attempts per second at which hotline time passes as fast as the target rate asks
# (each attempt is an arrival and, N staying constant, an abandon; agents add a few commands).
SURGE_ATTEMPTS = 26_000.0
SURGE_COMMANDS = 100_000  # 2 s of hotline time: agents' own commands come at least 1 s after set-up


def hotline(seed: int = SEED) -> HotlineConfig:
    """10,000 agents of 20 providers (sizes spread 1/(i+2)^0.8, shares near size), 40 queues with
    Zipf demand; each agent has 2–4 skills drawn by demand, level 1 first, then 1–3."""
    rng = random.Random(seed)
    topics = tuple(TopicSpec(f"topic{t:02d}", LANGUAGES) for t in range(TOPICS))
    weights = [1.0 / (i + 2) ** 0.8 for i in range(PROVIDERS)]
    sizes = [round(AGENTS * w / sum(weights)) for w in weights]
    sizes[0] += AGENTS - sum(sizes)
    providers = tuple(
        ProviderSpec(f"provider{p:02d}", share=round(size * rng.uniform(0.8, 1.2), 1))
        for p, size in enumerate(sizes)
    )
    skills = [(f"topic{t:02d}", lang) for t in range(TOPICS) for lang in LANGUAGES]
    german = [s for s in skills if s[1] == "de"]
    demand = queue_weights()
    agents = []
    for p, size in enumerate(sizes):
        for i in range(size):
            pool = skills if rng.random() < ENGLISH_SPEAKERS else german
            count = rng.choices((2, 3, 4), (0.30, 0.45, 0.25))[0]
            chosen = _sample_weighted(rng, pool, [demand[s] for s in pool], count)
            levels = [1, 1 if rng.random() < 0.5 else 2] + [rng.choice((2, 3)) for _ in chosen[2:]]
            agents.append(
                AgentSpec(
                    f"a{p:02d}-{i:04d}", f"provider{p:02d}", dict(zip(chosen, levels, strict=True))
                )
            )
    return HotlineConfig("116117", topics, providers, tuple(agents), RULES)


def queue_weights() -> dict[tuple[str, str], float]:
    """Demand per topic × language: topics Zipf(1), 85 % German."""
    harmonic = sum(1.0 / (t + 1) for t in range(TOPICS))
    return {
        (f"topic{t:02d}", lang): LANGUAGE_WEIGHT[lang] / (t + 1) / harmonic
        for t in range(TOPICS)
        for lang in LANGUAGES
    }


def _sample_weighted(
    rng: random.Random, items: list[Any], weights: list[float], k: int
) -> list[Any]:
    items, weights, chosen = list(items), list(weights), []
    for _ in range(k):
        i = rng.choices(range(len(items)), weights)[0]
        chosen.append(items.pop(i))
        weights.pop(i)
    return chosen


# --- the dry run ---------------------------------------------------------------------------------


@dataclass
class Workload:
    waiting: int
    setup: list[tuple[float, Command]]
    stream: list[tuple[float, Command]]  # the commands; timers fire inside them
    ticked: list[tuple[float, Command]]  # the same, with a TimeAdvanced at every timer deadline
    kinds: list[str]  # for each entry of ``ticked``: the command's class, or the timer's kind
    stream_effects: int
    counters: dict[str, int]
    mix: Counter[str] = field(default_factory=Counter)
    ticks: Counter[str] = field(default_factory=Counter)  # by the kind of the timer at the head
    effect_kinds: Counter[str] = field(default_factory=Counter)
    waiting_range: tuple[int, int] = (0, 0)
    idle_max: int = 0


class World:
    """Drives an engine in virtual time, reacting to its effects, and records the command log."""

    def __init__(
        self, config: HotlineConfig, waiting: int, seed: int, rate: float | None = None
    ) -> None:
        self.engine = Engine(config)
        self.rng = random.Random(seed)
        self.target = waiting
        self.log: list[tuple[float, Command]] = []
        self.kinds: list[str] = []
        self.events: list[tuple[float, int, str, str, str]] = []
        self.seq = 0
        self.queued: list[str] = []  # contacts waiting in a queue, for O(1) random picks
        self.slot: dict[str, int] = {}
        self.doomed: set[str] = set()  # waiting contacts with an abandon scheduled
        self.caller_of: dict[str, str] = {}
        self.recent_abandons: deque[tuple[float, str]] = deque()
        self.served: deque[str] = deque(maxlen=20_000)
        self.idle: set[str] = set()
        self.connected: set[str] = set()
        self.contacts = 0
        self.callers = 0
        self.setup_phase = True
        self.effects = 0
        self.effect_kinds: Counter[str] = Counter()
        self.mix: Counter[str] = Counter()
        self.ticks: Counter[str] = Counter()
        demand = queue_weights()
        self.queues = list(demand)
        self.cum = list(_accumulate(demand.values()))
        self.quiet_rate = quiet_rate(config)
        self.arrival_rate = rate or self.quiet_rate
        # abandons are scheduled up to this far ahead: as many doomed at a time at every pace
        self.spread = 2.0 * self.quiet_rate / self.arrival_rate

    # -- plumbing

    def at(self, due: float, kind: str, a: str = "", b: str = "") -> None:
        self.seq += 1
        heapq.heappush(self.events, (due, self.seq, kind, a, b))

    def send(self, now: float, command: Command, kind: str = "") -> None:
        effects = self.engine.handle(command, now)
        self.log.append((now, command))
        self.kinds.append(kind or type(command).__name__)
        self.effects += len(effects)
        if not isinstance(command, TimeAdvanced):
            self.mix[type(command).__name__] += 1
        for effect in effects:
            self.react(now, command, effect)

    def react(self, now: float, command: Command, effect: object) -> None:
        kind = type(effect).__name__
        if isinstance(effect, AnnounceWait):
            own = isinstance(command, ContactArrived) and command.contact == effect.contact
            kind = "AnnounceWait (on arrival)" if own else "AnnounceWait (periodic)"
        elif isinstance(effect, CancelOffer):
            kind = f"CancelOffer ({effect.reason})"
        self.effect_kinds[kind] += 1
        if isinstance(effect, ContactStateChanged):
            name, state = effect.contact, effect.state
            if state is ContactState.QUEUED:
                if name not in self.slot:
                    self.slot[name] = len(self.queued)
                    self.queued.append(name)
                return
            self._unqueue(name)
            if state is ContactState.CONNECTED:
                self.connected.add(name)
                if not self.setup_phase:
                    self.at(now + self.talk_time(), "end", name)
            elif state is ContactState.WRAP_UP:
                self.connected.discard(name)
                if self.rng.random() < P_WRAP_UP_DONE:
                    self.at(now + self.rng.uniform(1.0, 4.0), "wrap", name)
                if self.rng.random() < P_BREAK and effect.agent is not None:
                    self.at(now + 0.5, "break", effect.agent)
            elif state is ContactState.COMPLETED:
                self.served.append(self.caller_of.pop(name))
            elif state is ContactState.ABANDONED:
                caller = self.caller_of.pop(name)
                self.recent_abandons.append((now, caller))
        elif isinstance(effect, OfferContact):
            if self.setup_phase:
                self.at(now, "accept", effect.contact, effect.agent)
                return
            r = self.rng.random()
            if r < P_ACCEPT:
                self.at(now + self.rng.uniform(0.5, 3.0), "accept", effect.contact, effect.agent)
            elif r < P_ACCEPT + P_DECLINE:
                self.at(now + self.rng.uniform(1.0, 6.0), "decline", effect.contact, effect.agent)
        elif isinstance(effect, AgentStateChanged):
            if effect.status is AgentStatus.READY:
                self.idle.add(effect.agent)
            else:
                self.idle.discard(effect.agent)
            if effect.status is AgentStatus.NOT_READY and effect.reason == "no_answer":
                self.at(now + self.rng.uniform(10.0, 60.0), "ready", effect.agent)

    def _unqueue(self, name: str) -> None:
        i = self.slot.pop(name, None)
        if i is None:
            return
        last = self.queued.pop()
        if last != name:
            self.queued[i] = last
            self.slot[last] = i
        self.doomed.discard(name)

    def talk_time(self) -> float:
        mu = math.log(TALK_MEAN) - TALK_SIGMA**2 / 2
        return max(10.0, self.rng.lognormvariate(mu, TALK_SIGMA))

    def new_caller(self) -> str:
        self.callers += 1
        return f"+4915{self.callers:09d}"

    def arrival(self, now: float, redials: bool) -> None:
        caller = ""
        r = self.rng.random() if redials else 1.0
        if r < P_REDIAL:
            log = self.recent_abandons
            while log and log[0][0] < now - RULES.redial_window:
                log.popleft()
            if log:
                caller = log[self.rng.randrange(len(log))][1]
        elif r < P_REDIAL + P_DUPLICATE and self.queued:
            caller = self.caller_of[self.queued[self.rng.randrange(len(self.queued))]]
        elif r < P_REDIAL + P_DUPLICATE + P_KNOWN and self.served:
            caller = self.served[self.rng.randrange(len(self.served))]
        caller = caller or self.new_caller()
        self.contacts += 1
        name = f"k{self.contacts}"
        topic, language = self.queues[bisect.bisect(self.cum, self.rng.random() * self.cum[-1])]
        self.caller_of[name] = caller
        self.send(now, ContactArrived(name, caller, topic, language))
        if self.engine.contact_state(name) is None:
            del self.caller_of[name]  # a duplicate: no contact was made

    def trim(self, now: float, spread: float) -> None:
        """Schedule abandons of random waiting contacts until N (not yet doomed) are left."""
        while len(self.queued) - len(self.doomed) > self.target:
            name = self.queued[self.rng.randrange(len(self.queued))]
            if name not in self.doomed:
                self.doomed.add(name)
                self.at(now + self.rng.uniform(0.0, spread), "abandon", name)

    # -- phases

    def set_up(self) -> float:
        engine, now = self.engine, 0.0
        for agent in engine.agents():
            self.send(now, AgentLoggedIn(agent))
            self.send(now, AgentReady(agent))
        # at the quiet pace at every stream pace: the waiting callers' ages are the same, and so
        # are their timers (announcements, lower levels) per hotline second
        tail = self.quiet_rate * TAIL_SECONDS
        bulk = max(0.0, len(engine.agents()) + self.target - tail)
        bulk_rate = bulk / FILL_SECONDS
        while self.idle or len(self.queued) < self.target:
            rate = bulk_rate if self.contacts < bulk else self.quiet_rate
            now += self.rng.expovariate(rate)
            self.arrival(now, redials=False)
            self.run_events(until=now)
        self.trim(now, 0.0)
        self.run_events(until=now)
        self.setup_phase = False
        for name in sorted(self.connected):
            self.at(now + max(1.0, self.rng.expovariate(1.0 / TALK_MEAN)), "end", name)
        return now

    def stream(self, start: float, commands: int) -> tuple[int, int, int]:
        low = high = len(self.queued)
        idle_max = 0
        self.at(start + self.rng.expovariate(self.arrival_rate), "arrive")
        while self.mix.total() < commands:
            self.tick(until=self.events[0][0])
            self.step()
            low, high = min(low, len(self.queued)), max(high, len(self.queued))
            idle_max = max(idle_max, len(self.idle))
        return low, high, idle_max

    def tick(self, until: float) -> None:
        """Send TimeAdvanced at every timer deadline up to ``until``, as the live service does
        when no command comes first. Timers fire at their own due time either way, so the
        decisions are the same as when they fire inside the next command."""
        engine = self.engine
        while (deadline := engine.next_deadline()) is not None and deadline <= until:
            timers = getattr(engine, "_timers", None)  # only to label the tick, never relied on
            kind = TIMER_KINDS.get(timers[0][2], "other") if timers else "other"
            self.ticks[kind] += 1
            self.send(deadline, TimeAdvanced(), kind)

    def run_events(self, until: float) -> None:
        while self.events and self.events[0][0] <= until:
            self.step()

    def step(self) -> None:
        now, _, kind, a, b = heapq.heappop(self.events)
        engine = self.engine
        if kind == "arrive":
            self.arrival(now, redials=True)
            self.trim(now, self.spread)
            self.at(now + self.rng.expovariate(self.arrival_rate), "arrive")
        elif kind == "abandon":
            self.doomed.discard(a)
            if a in self.slot:
                self.send(now, ContactAbandoned(a))
        elif kind in ("accept", "decline"):
            if engine.contact_state(a) is ContactState.OFFERED and engine.contact_agent(a) == b:
                command = OfferAccepted(a, b) if kind == "accept" else OfferDeclined(a, b)
                self.send(now, command)
        elif kind == "end":
            if engine.contact_state(a) is ContactState.CONNECTED:
                self.send(now, ContactEnded(a))
        elif kind == "wrap":
            if engine.contact_state(a) is ContactState.WRAP_UP:
                self.send(now, WrapUpDone(a))
        elif kind == "break":
            if engine.agent_presence(a) is AgentPresence.READY:
                self.send(now, AgentNotReady(a, "break"))
                self.at(now + self.rng.uniform(60.0, 300.0), "ready", a)
        elif kind == "ready" and engine.agent_presence(a) is AgentPresence.NOT_READY:
            self.send(now, AgentReady(a))


def quiet_rate(config: HotlineConfig) -> float:
    """Attempts per second at :data:`OVERLOAD` times what the agents can finish."""
    return OVERLOAD * len(config.agents) / (TALK_MEAN + 2.0 + 3.5)


TIMER_KINDS = {
    0: "offer lapses",
    1: "wrap-up ends",
    2: "periodic announcement",
    3: "callback due",
    4: "lower skill level joins",
}


def _accumulate(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def dry_run(
    config: HotlineConfig, waiting: int, commands: int | None = None, rate: float | None = None
) -> Workload:
    """The set-up and a stream of ``commands``, attempts at ``rate`` per second (default: the
    quiet pace, :func:`quiet_rate`)."""
    world = World(config, waiting, SEED + waiting, rate)
    start = world.set_up()
    setup, world.log, world.kinds = world.log, [], []
    world.effects, world.mix, world.effect_kinds = 0, Counter(), Counter()
    low, high, idle_max = world.stream(start, commands or STREAM_COMMANDS)
    return Workload(
        waiting=waiting,
        setup=setup,
        stream=[(now, c) for now, c in world.log if not isinstance(c, TimeAdvanced)],
        ticked=world.log,
        kinds=world.kinds,
        stream_effects=world.effects,
        counters=world.engine.counters.as_dict(),
        mix=world.mix,
        ticks=world.ticks,
        effect_kinds=world.effect_kinds,
        waiting_range=(low, high),
        idle_max=idle_max,
    )


# --- the timed runs ------------------------------------------------------------------------------


def build(config: HotlineConfig, setup: list[tuple[float, Command]]) -> tuple[Engine, float]:
    started = time.perf_counter()
    engine = Engine(config)
    handle = engine.handle
    for now, command in setup:
        handle(command, now)
    return engine, time.perf_counter() - started


class GcClock:
    """Wall time spent in the cyclic garbage collector while it is installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


@dataclass
class Timing:
    setup: float  # wall seconds
    stream: float  # CPU seconds of this process (robust against being descheduled)
    wall: float
    gc: float  # wall seconds in the cyclic garbage collector


def timed(config: HotlineConfig, work: Workload) -> Timing:
    """Seconds for the set-up and for the stream on a fresh engine; checks the replay."""
    engine, setup_seconds = build(config, work.setup)
    gc.collect()
    handle = engine.handle
    effects = 0
    with GcClock() as collector:
        started, cpu = time.perf_counter(), time.process_time()
        for now, command in work.stream:
            effects += len(handle(command, now))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    _check(engine, work, effects)
    return Timing(setup_seconds, cpu, wall, collector.seconds)


def clock_overhead_ns(clock: Any = time.thread_time_ns, samples: int = 20_001) -> float:
    """What reading ``clock`` around a call adds to the call's time: the median of back-to-back
    readings."""
    gaps = []
    for _ in range(samples):
        started = clock()
        gaps.append(clock() - started)
    return statistics.median(gaps)


def timed_split(config: HotlineConfig, work: Workload) -> dict[str, float]:
    """Replays the stream with a TimeAdvanced at every timer deadline, timing each call:
    CPU seconds spent per class of command and per kind of timer. The clock is the thread's CPU
    time (being descheduled on the shared machine does not count), less what reading it costs."""
    engine, _ = build(config, work.setup)
    gc.collect()
    handle = engine.handle
    clock = time.thread_time_ns
    overhead = clock_overhead_ns(clock)
    spent: dict[str, int] = dict.fromkeys(set(work.kinds), 0)
    calls: Counter[str] = Counter(work.kinds)
    effects = 0
    for (now, command), kind in zip(work.ticked, work.kinds, strict=True):
        started = clock()
        out = handle(command, now)
        spent[kind] += clock() - started
        effects += len(out)
    _check(engine, work, effects)
    return {kind: max(ns - calls[kind] * overhead, 0.0) / 1e9 for kind, ns in spent.items()}


def _check(engine: Engine, work: Workload, effects: int) -> None:
    if effects != work.stream_effects or engine.counters.as_dict() != work.counters:
        raise AssertionError(f"the replay at {work.waiting:,} waiting decided differently")


def peak_memory(config: HotlineConfig, work: Workload, commands: int) -> tuple[float, float]:
    """MiB traced after the set-up, and the peak over the first ``commands`` of the stream."""
    gc.collect()
    tracemalloc.start()
    engine, _ = build(config, work.setup)
    after_setup = tracemalloc.get_traced_memory()[0]
    handle = engine.handle
    for now, command in work.stream[:commands]:
        handle(command, now)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del engine
    return after_setup / 2**20, peak / 2**20


def profile(config: HotlineConfig, work: Workload, top: int = 10) -> list[tuple[str, float, float]]:
    """(function, calls per command, cumulative µs per command under cProfile), by cumulative."""
    engine, _ = build(config, work.setup)
    gc.collect()
    handle = engine.handle
    profiler = cProfile.Profile()
    profiler.enable()
    for now, command in work.stream:
        handle(command, now)
    profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    commands = len(work.stream)
    rows = []
    for (filename, line, function), (_, calls, _, cumulative, _) in stats.items():
        if "verbund" in filename:
            where = filename.split("src/")[-1]
        elif filename == "~":
            where = "built-in"
        else:
            where = filename.split("site-packages/")[-1]
        label = function if where == "built-in" else f"{function} ({where}:{line})"
        rows.append((label, calls / commands, cumulative / commands))
    rows.sort(key=lambda row: -row[2])
    return [(name, calls, cumulative * 1e6) for name, calls, cumulative in rows[:top]]


# --- the section ---------------------------------------------------------------------------------


@dataclass
class Results:
    config: HotlineConfig
    works: dict[int, Workload]
    timings: dict[int, list[Timing]]
    splits: dict[int, list[dict[str, float]]]
    surges: dict[int, Workload] = field(default_factory=dict)
    surge_timings: dict[int, list[Timing]] = field(default_factory=dict)
    after_setup: float = 0.0
    peak: float = 0.0
    rss: float = 0.0
    top: list[tuple[str, float, float]] = field(default_factory=list)
    top_small: list[tuple[str, float, float]] = field(default_factory=list)
    seconds: float = 0.0

    def rates(self, n: int) -> list[float]:
        return [len(self.works[n].stream) / t.stream for t in self.timings[n]]

    def rate(self, n: int) -> float:
        return statistics.median(self.rates(n))

    def surge_rates(self, n: int) -> list[float]:
        return [len(self.surges[n].stream) / t.stream for t in self.surge_timings[n]]

    def surge_rate(self, n: int) -> float:
        return statistics.median(self.surge_rates(n))

    def wall_excess(self) -> float:
        return statistics.median(t.wall / t.stream - 1 for ts in self.timings.values() for t in ts)

    def own_seconds(self, n: int, command: str | None = None) -> float:
        """Seconds of the commands' own work over the stream (of one class, or all), median."""
        mix = self.works[n].mix
        return statistics.median(
            sum(t for k, t in s.items() if k in mix and command in (None, k))
            for s in self.splits[n]
        )

    def own_us(self, n: int) -> float:
        """µs per command of the command's own work (timers ticked separately), median."""
        return 1e6 * self.own_seconds(n) / len(self.works[n].stream)

    def tick_seconds(self, n: int, kind: str | None = None) -> float:
        """Seconds of timer work over the stream (of one kind, or all), median."""
        mix = self.works[n].mix
        return statistics.median(
            sum(t for k, t in s.items() if k not in mix and kind in (None, k))
            for s in self.splits[n]
        )

    def tick_us(self, n: int) -> float:
        """µs of timer work per command, median."""
        return 1e6 * self.tick_seconds(n) / len(self.works[n].stream)

    def span(self, n: int) -> float:
        """Seconds of hotline time the quiet stream covers."""
        return _span(self.works[n])

    def sustainable(self, n: int) -> float:
        """Commands per second the engine keeps up with in real time: the second left after the
        timers of one second of hotline time, divided by a command's own cost."""
        timer_load = self.tick_seconds(n) / self.span(n)
        return (1.0 - timer_load) / (self.own_us(n) / 1e6)


def _span(work: Workload) -> float:
    """Seconds of hotline time a stream covers."""
    return work.stream[-1][0] - work.stream[0][0]


def run() -> str:
    started = time.perf_counter()
    config = hotline()
    works = {}
    for n in SIZES:
        t0 = time.perf_counter()
        works[n] = dry_run(config, n)
        print(f"  dry run {n:>7,} waiting: {time.perf_counter() - t0:.1f} s", flush=True)
    surges = {}
    for n in SIZES:
        t0 = time.perf_counter()
        surges[n] = dry_run(config, n, SURGE_COMMANDS, SURGE_ATTEMPTS)
        print(f"  dry run {n:>7,} waiting (surge): {time.perf_counter() - t0:.1f} s", flush=True)
    results = Results(config, works, {n: [] for n in SIZES}, {n: [] for n in SIZES})
    results.surges, results.surge_timings = surges, {n: [] for n in SIZES}
    for r in range(REPEATS):
        for n in SIZES:  # side by side: every repeat runs every size and both streams once
            results.timings[n].append(timed(config, works[n]))
            gc.collect()
            results.surge_timings[n].append(timed(config, surges[n]))
            gc.collect()
            print(
                f"  repeat {r + 1} {n:>7,} waiting: {results.rates(n)[-1]:,.0f} cmd/s, "
                f"surge {results.surge_rates(n)[-1]:,.0f} cmd/s",
                flush=True,
            )
    for _ in range(SPLIT_REPEATS):
        for n in SIZES:
            results.splits[n].append(timed_split(config, works[n]))
            gc.collect()
    big = works[SIZES[-1]]
    results.after_setup, results.peak = peak_memory(config, big, MEMORY_COMMANDS)
    results.top = profile(config, big)
    results.top_small = profile(config, works[SIZES[0]])
    results.rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.seconds = time.perf_counter() - started
    return _section(results)


def _section(res: Results) -> str:
    config, works = res.config, res.works
    small, big = SIZES[0], SIZES[-1]
    ratio = res.rate(small) / res.rate(big)  # cost per command at big ÷ at small
    own_ratio = res.own_us(big) / res.own_us(small)
    surge_ratio = res.surge_rate(small) / res.surge_rate(big)
    surge_pace = len(res.surges[big].stream) / _span(res.surges[big])
    pace = len(works[big].stream) / res.span(big)
    skills = sum(len(a.skills) for a in config.agents) / len(config.agents)
    sizes = Counter(a.provider for a in config.agents).values()
    lines = [
        "## Engine: commands per second at steady state",
        "",
        f"**Hotline** (the design target): {len(config.agents):,} agents of "
        f"{len(config.providers)} pooled providers ({max(sizes):,} down to {min(sizes):,} agents, "
        f"contracted shares near size ±20 %), {TOPICS} topics × {len(LANGUAGES)} languages = "
        f"{TOPICS * len(LANGUAGES)} voice queues (Zipf demand, 85 % German), {skills:.1f} skills "
        "per agent (2–4 drawn by demand; level 1 first, the others levels 1–3). Rules as in "
        f"production: offers lapse after {RULES.offer_timeout:.0f} s, wrap-up ends itself after "
        f"{RULES.wrap_up:.0f} s, levels 2 / 3 join after {RULES.level_waits[1]:.0f} / "
        f"{RULES.level_waits[2]:.0f} s of waiting, every waiting caller hears place and wait "
        f"again every {RULES.announce_interval:.0f} s, redial window "
        f"{RULES.redial_window:.0f} s.",
        "",
        "**Set-up** (not in the rate): every agent logs in and gets ready; calls arrive (most "
        f"within {FILL_SECONDS:.0f} s, the last {TAIL_SECONDS:.0f} s at the stream's rate) until "
        "every agent is busy and N wait.",
        "",
        f"**Quiet stream**: a dry run in virtual time records {STREAM_COMMANDS:,} commands of "
        f"steady state, with the same rates at every N: ≈ {res.span(big):.0f} s of hotline time, "
        f"{pace:.0f} commands per hotline second. Attempts come at {OVERLOAD:.0f}× what the "
        "agents can finish (as on 116117 in January 2021: 4.9 M forwarded, 1.6 M answered); "
        f"talk is log-normal with mean {TALK_MEAN:.0f} s. {P_REDIAL:.0%} of attempts are redials "
        f"of recent abandons (they reclaim their place), {P_DUPLICATE:.0%} duplicates of callers "
        f"still waiting, {P_KNOWN:.0%} earlier callers. Random waiting callers abandon so that N "
        f"stays constant. Agents accept {P_ACCEPT:.0%} of offers 0.5–3 s later, decline "
        f"{P_DECLINE:.0%} and let the rest lapse; {P_WRAP_UP_DONE:.0%} end wrap-up themselves "
        f"before the timer; {P_BREAK:.0%} take a 1–5 min break after a call.",
        "",
        "**Timing**: each run builds a fresh engine, replays the set-up, and times only "
        "`engine.handle` over the recorded stream (CPU time of the process, so that being "
        f"descheduled on the shared machine does not count; wall time was {res.wall_excess():+.0%} "
        "on the median); timers that fell due fire inside the next command. The replay must "
        "reproduce the dry run's effect count and counters (it does: "
        f"same log, same decisions). {REPEATS} repeats with the sizes interleaved; one process "
        f"(allowed CPUs {sorted(os.sched_getaffinity(0))}, Python runs on one); the machine is "
        f"shared. To separate a command's own cost from timer work, the same stream is replayed "
        f"{SPLIT_REPEATS} more times with a `TimeAdvanced` at every timer deadline (what the "
        "live service sends when no command comes first; the decisions are the same) and every "
        "call timed on its own (the thread's CPU time, less the cost of reading that clock). "
        f"The engine's core ran {how_built()}.",
        "",
        "| waiting | commands/s as timed (median) | min – max | µs per command | of which "
        "timer work | own work per command | timers per command | effects per command | GC "
        "| sustainable commands/s in real time | cost ÷ at 1,000 waiting: as timed / own work "
        "| set-up |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in SIZES:
        work, rates = works[n], res.rates(n)
        commands = len(work.stream)
        gc_share = statistics.median(t.gc / t.wall for t in res.timings[n])
        setup = statistics.median(t.setup for t in res.timings[n])
        lines.append(
            f"| {n:,} | {res.rate(n):,.0f} | {min(rates):,.0f} – {max(rates):,.0f} "
            f"| {1e6 / res.rate(n):.1f} | {res.tick_us(n):.1f} µs | {res.own_us(n):.1f} µs "
            f"| {work.ticks.total() / commands:.2f} | {work.stream_effects / commands:.2f} "
            f"| {gc_share:.0%} | {res.sustainable(n):,.0f} "
            f"| {res.rate(small) / res.rate(n):.2f} / {res.own_us(n) / res.own_us(small):.2f} "
            f"| {setup:.1f} s ({len(work.setup):,} commands) |"
        )
    lines += [
        "",
        "*Sustainable* = (1 s − the timer work of one second of hotline time) ÷ a command's own "
        "cost: the command rate the engine keeps up with while its timers run at the pace of a "
        "real clock. The stream replays "
        f"{res.span(big):.0f} s of hotline time in a few seconds, so *as timed* it crams "
        f"{res.span(big):.0f} s worth of announcements into those seconds: the timers per "
        "command grow with the number waiting (each waiting caller is announced every "
        f"{RULES.announce_interval:.0f} s and has a timer per lower skill level), while a "
        "command's own work does not.",
        "",
        _surge_table(res),
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        f"| ≥ {TARGET_RATE:,.0f} commands/s on one core with {big:,} waiting, at the target pace "
        f"(the surge: {surge_pace:,.0f} commands per hotline second, timers included) "
        f"| {res.surge_rate(big):,.0f} | {_verdict(res.surge_rate(big) >= TARGET_RATE)} |",
        f"| the same, the quiet stream sustainable in real time | {res.sustainable(big):,.0f} "
        f"| {_verdict(res.sustainable(big) >= TARGET_RATE)} |",
        f"| cost per command, {big:,} ÷ {small:,} waiting ≤ {TARGET_RATIO}, at the target pace "
        f"| {surge_ratio:.2f} | {_verdict(surge_ratio <= TARGET_RATIO)} |",
        f"| the same, the quiet stream, a command's own work (timer work measured apart) "
        f"| {own_ratio:.2f} | {_verdict(own_ratio <= TARGET_RATIO)} |",
        f"| (not a target) the quiet stream as timed, hotline time compressed "
        f"{res.span(big) / (len(works[big].stream) / res.rate(big)):.0f}×: commands/s with "
        f"{big:,} waiting; cost {big:,} ÷ {small:,} | {res.rate(big):,.0f}; {ratio:.2f} "
        "| see below |",
        "",
        _reading(res),
        "",
        _timer_table(res),
        "",
        f"Memory with {big:,} waiting (tracemalloc, engine only): {res.after_setup:,.0f} MiB "
        f"after the set-up, peak {res.peak:,.0f} MiB over the first {MEMORY_COMMANDS:,} "
        f"commands of the stream; peak RSS of the whole benchmark process {res.rss:,.0f} MiB "
        "(it also holds the logs and the dry runs).",
        "",
        _mix_table(works),
        "",
        f"**Where the time goes** ({big:,} waiting, as timed; one cProfile run over the stream; "
        "the profiler inflates times, read the proportions):",
        "",
        "| function | calls per command | cumulative µs per command (profiled) |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{name}` | {calls:.2f} | {micros:.1f} |" for name, calls, micros in res.top]
    lines += [
        "",
        f"The same with {small:,} waiting, where nearly all the time is the commands' own work:",
        "",
        "| function | calls per command | cumulative µs per command (profiled) |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{name}` | {calls:.2f} | {micros:.1f} |" for name, calls, micros in res.top_small]
    low, high = works[big].waiting_range
    lines += [
        "",
        f"Steady state held: during the stream with {big:,} waiting the number waiting stayed "
        f"within {low:,}–{high:,} and at most {works[big].idle_max} agents were idle at once. "
        f"The suite took {res.seconds:.0f} s.",
    ]
    return "\n".join(lines)


def _reading(res: Results) -> str:
    """How to read the two kinds of rows, with this run's numbers."""
    small, big = SIZES[0], SIZES[-1]
    work = res.works[big]
    cpu = len(work.stream) / res.rate(big)  # CPU seconds of the timed stream (median)
    speed = res.span(big) / cpu  # hotline seconds replayed per real second
    announced = work.ticks["periodic announcement"] / res.span(big)
    per_command = work.ticks.total() / len(work.stream)
    real = res.sustainable(big) >= TARGET_RATE and (
        res.own_us(big) / res.own_us(small) <= TARGET_RATIO
    )
    timed = res.rate(big) >= TARGET_RATE and res.rate(small) / res.rate(big) <= TARGET_RATIO
    return (
        "**Reading the rows.** *As timed*, the replay plays "
        f"{res.span(big):.0f} s of hotline time in {cpu:.1f} s of CPU, {speed:.0f}× faster than "
        "a clock, so the timers of those seconds land on a few real seconds: with "
        f"{big:,} waiting, the {announced:,.0f} periodic announcements per hotline second (one "
        f"per waiting caller every {RULES.announce_interval:.0f} s, as the rule says) become "
        f"{announced * speed:,.0f} per real second, about {per_command:.1f} timers per command. "
        "That share grows with the number waiting by the rule itself, "
        "whatever the engine costs; the *sustainable* rate and a command's *own work* run the "
        "timers at the pace of a real clock, which is how the live service runs. "
        f"In real time the targets are {'met' if real else '**not met**'}; the compressed "
        f"stream as timed {'meets them too' if timed else 'does not'} — which is why the surge "
        "above measures the target at its own pace instead: there, hotline time passes as fast "
        "as the target asks, and the timers fall due as a real clock would let them."
    )


def _surge_table(res: Results) -> str:
    """The surge: the same hotline and set-up, attempts at the pace the target asks."""
    small = SIZES[0]
    any_surge = res.surges[small]
    rows = [
        f"**At the target pace: a surge.** The same hotline, set-up and callers (set-up at the "
        f"quiet pace, so the waiting callers are as old and their timers as many); then "
        f"{SURGE_ATTEMPTS:,.0f} attempts per second for {_span(any_surge):.1f} s of hotline time "
        f"({SURGE_COMMANDS:,} commands: launch day's thousands of attempts per second, scaled to "
        "the target), waiting callers abandoning so that N stays constant. Hotline time then "
        "passes as fast as the target rate asks, so *as timed* is real time: every timer that "
        "falls due is in the rate. Timed like the quiet stream, in the same repeats.",
        "",
        "| waiting | commands per hotline second | commands/s as timed (median) | min – max "
        "| µs per command | timers per command | arrivals / abandons / agents' commands "
        "| cost ÷ at 1,000 waiting |",
        "|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for n in SIZES:
        work, rates = res.surges[n], res.surge_rates(n)
        commands = len(work.stream)
        arrived, abandoned = work.mix["ContactArrived"], work.mix["ContactAbandoned"]
        rows.append(
            f"| {n:,} | {commands / _span(work):,.0f} | {res.surge_rate(n):,.0f} "
            f"| {min(rates):,.0f} – {max(rates):,.0f} | {1e6 / res.surge_rate(n):.1f} "
            f"| {work.ticks.total() / commands:.3f} | {arrived / commands:.1%} / "
            f"{abandoned / commands:.1%} / {(commands - arrived - abandoned) / commands:.1%} "
            f"| {res.surge_rate(small) / res.surge_rate(n):.2f} |"
        )
    return "\n".join(rows)


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _timer_table(res: Results) -> str:
    big = SIZES[-1]
    work = res.works[big]
    rows = [
        f"Timer work with {big:,} waiting, by kind (from the replay with ticks):",
        "",
        "| timer | per hotline second | µs each | share of one core in real time |",
        "|---|---:|---:|---:|",
    ]
    for kind, count in work.ticks.most_common():
        seconds = res.tick_seconds(big, kind)
        rows.append(
            f"| {kind} | {count / res.span(big):,.0f} | {1e6 * seconds / count:.1f} "
            f"| {seconds / res.span(big):.2%} |"
        )
    commands = len(work.stream)
    rows.append(
        f"| (all commands, for comparison) | {commands / res.span(big):,.0f} "
        f"| {res.own_us(big):.1f} | {res.own_us(big) * commands / res.span(big) / 1e6:.2%} |"
    )
    small = SIZES[0]
    rows += [
        "",
        "A command's own work by class (timers ticked apart), µs each:",
        "",
        "| command | share of commands | "
        + " | ".join(f"{n:,} waiting" for n in (small, big))
        + " |",
        "|---|---:|---:|---:|",
    ]
    for name, count in work.mix.most_common():
        cells = " | ".join(
            f"{1e6 * res.own_seconds(n, name) / max(res.works[n].mix[name], 1):.1f}"
            for n in (small, big)
        )
        rows.append(f"| {name} | {count / commands:.1%} | {cells} |")
    return "\n".join(rows)


def _mix_table(works: dict[int, Workload]) -> str:
    last = works[SIZES[-1]]
    rows = [
        "| per 1,000 commands | " + " | ".join(f"{n:,} waiting" for n in SIZES) + " |",
        "|---|" + "---:|" * len(SIZES),
    ]
    groups: list[tuple[str, str, Any]] = [
        ("command", "mix", last.mix),
        ("timer", "ticks", last.ticks),
        ("effect", "effect_kinds", last.effect_kinds),
    ]
    for label, attribute, order in groups:
        kinds = {k for w in works.values() for k in getattr(w, attribute)}
        for kind in sorted(kinds, key=lambda k: (-order[k], k)):
            cells = " | ".join(
                f"{1000 * getattr(w, attribute)[kind] / len(w.stream):,.0f}" for w in works.values()
            )
            rows.append(f"| {label}: {kind} | {cells} |")
    return "\n".join(rows)
