"""Scenario files: what to simulate, read from TOML and checked once.

A scenario names the simulation (duration, warm-up, seed, replications), the hotline and its
topics, how callers arrive (a constant rate or a per-interval profile CSV), how they behave
(patience, redials, callbacks), how agents handle calls, the providers with their agents or shifts,
and the routing rules handed to the engine. The README documents every key with an example.

Durations are ``"90s"``, ``"20m"``, ``"8h"``, ``"1h30m"`` or a number of seconds; clock times are
``"08:00"``. Every key is checked: an unknown key, a wrong unit or an impossible value raises
:class:`ScenarioError` naming the file, the key and what is expected — never a traceback.
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from verbund.engine import (
    AgentSpec,
    HotlineConfig,
    ProviderMode,
    ProviderSpec,
    RoutingRules,
    TopicSpec,
)
from verbund.engine.policies import STRATEGIES
from verbund.errors import ConfigurationError
from verbund.sim.distributions import KINDS, Distribution
from verbund.sim.errors import ScenarioError

INTERVAL = 900.0  # seconds in a reporting interval (15 minutes)
DAY = 86_400.0
PROFILE_COLUMNS = ("interval_start", "topic", "language", "calls")

_DURATION_HINT = 'a duration such as "90s", "20m", "8h" or a number of seconds'
_CLOCK_HINT = 'a time of day such as "08:00"'
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[dhms]\s*)+$")
_UNIT = {"d": DAY, "h": 3600.0, "m": 60.0, "s": 1.0}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


# --- the scenario --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic, its languages and how arrivals split over them; ``aht`` overrides handling."""

    name: str
    languages: tuple[str, ...]
    share: float = 1.0
    language_shares: tuple[float, ...] = ()
    aht: Distribution | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    """``agents`` working from ``start`` to ``end``, in seconds from the start of the simulation
    on its first day (``start`` may be negative: the clock time lies before the simulation's);
    shifts repeat every day (see :meth:`Provider.occurrences`)."""

    start: float
    end: float
    agents: int


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    mode: ProviderMode
    shifts: tuple[Shift, ...]
    skills: Mapping[tuple[str, str], int]
    share: float = 1.0
    label: str | None = None
    report_every: float = 5.0  # connected: seconds between status reports of its ACD

    @property
    def connected(self) -> bool:
        return self.mode is ProviderMode.CONNECTED

    def occurrences(self, horizon: float) -> list[tuple[float, float, int, int]]:
        """``(start, end, agents, shift index)`` of every shift worked between 0 and
        ``horizon``: shifts repeat daily, and a night shift that began the evening before the
        simulation starts is already at work at time 0."""
        out: list[tuple[float, float, int, int]] = []
        for i, shift in enumerate(self.shifts):
            if shift.end == math.inf:
                out.append((shift.start, math.inf, shift.agents, i))
                continue
            day = -1
            while shift.start + day * DAY < horizon:
                begin, end = shift.start + day * DAY, shift.end + day * DAY
                if end > 0.0:
                    out.append((max(begin, 0.0), end, shift.agents, i))
                day += 1
        return sorted(out)

    def agents_at(self, t: float) -> int:
        return sum(a for s, e, a, _ in self.occurrences(t + 1.0) if s <= t < e)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    start: float  # seconds from the start of the simulation
    topic: str
    language: str
    calls: float


@dataclass(frozen=True, slots=True)
class Callers:
    patience: Distribution = field(default_factory=lambda: Distribution.exponential(180.0))
    redial_probability: float = 0.0
    redial_delay: Distribution = field(default_factory=lambda: Distribution.exponential(120.0))
    redial_max_attempts: int = 10
    redial_obeys_retry_after: bool = True
    callback_acceptance: float = 0.0
    callback_answer_probability: float = 0.85
    dial_time: Distribution = field(default_factory=lambda: Distribution.fixed(20.0))


@dataclass(frozen=True, slots=True)
class Handling:
    aht: Distribution = field(default_factory=lambda: Distribution.exponential(300.0))
    wrap_up: Distribution = field(default_factory=lambda: Distribution.fixed(0.0))
    think_time: Distribution = field(default_factory=lambda: Distribution.fixed(0.0))

    @property
    def manual_wrap_up(self) -> bool:
        """Wrap-up times that vary are ended by the simulated agent (``WrapUpDone``); a fixed one
        by the engine's own wrap-up timer."""
        return self.wrap_up.kind != "fixed"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    source: str
    duration: float
    warmup: float = 0.0
    seed: int = 1
    replications: int = 1
    start: float = 0.0  # clock time (seconds after midnight) of simulated time 0
    drain: float = 7200.0  # after ``duration``, run on without arrivals until this has passed
    service_level_target: float = 20.0
    topics: tuple[Topic, ...] = ()
    rate_per_hour: float | None = None
    profile: tuple[ProfileRow, ...] = ()
    callers: Callers = field(default_factory=Callers)
    handling: Handling = field(default_factory=Handling)
    providers: tuple[Provider, ...] = ()
    rules: RoutingRules = field(default_factory=RoutingRules)
    hotline: str = "hotline"

    def queues(self) -> list[tuple[str, str]]:
        """Every topic × language, in the order of the file."""
        return [(t.name, lang) for t in self.topics for lang in t.languages]

    def expected_first_attempts(self) -> float:
        """How many first attempts one replication draws on average (its size, before redials)."""
        if self.rate_per_hour is not None:
            return self.rate_per_hour / 3600.0 * self.duration
        return sum(row.calls for row in self.profile if row.start < self.duration)

    def with_options(self, *, seed: int | None = None, replications: int | None = None) -> Scenario:
        from dataclasses import replace

        return replace(
            self,
            seed=self.seed if seed is None else seed,
            replications=self.replications if replications is None else replications,
        )

    def engine_config(self) -> HotlineConfig:
        """The engine configuration: topics, providers and every pooled agent (logged out)."""
        topics = tuple(TopicSpec(t.name, t.languages) for t in self.topics)
        providers = tuple(
            ProviderSpec(
                p.name,
                p.mode,
                p.share,
                p.label,
                frozenset(p.skills) if p.connected else frozenset(),
            )
            for p in self.providers
        )
        agents = tuple(
            AgentSpec(name, p.name, dict(p.skills))
            for p in self.providers
            if not p.connected
            for name in agent_names(p)
        )
        return HotlineConfig(self.hotline, topics, providers, agents, self.rules)


def agent_names(provider: Provider) -> list[str]:
    """Names of a pooled provider's agents, one per agent of each shift, in shift order."""
    total = sum(s.agents for s in provider.shifts)
    return [f"{provider.name}-{i:04d}" for i in range(1, total + 1)]


# --- reading -------------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; :class:`ScenarioError` says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file; give the path of a scenario .toml") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read it ({exc})") from exc
    return parse_scenario(text, source=str(path), base=path.parent)


def parse_scenario(text: str, *, source: str = "scenario", base: Path | None = None) -> Scenario:
    """Check a scenario given as TOML text; a profile CSV is looked up relative to ``base``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from exc
    return _Reader(source, base or Path.cwd()).scenario(data)


class _Table:
    """One TOML table being read: each key taken is checked; keys left over are refused."""

    def __init__(self, source: str, where: str, data: object) -> None:
        self.source = source
        self.where = where
        if not isinstance(data, dict):
            raise self.fail("", "expected a table", data)
        self.data: dict[str, Any] = dict(data)
        self.known: list[str] = []

    def fail(self, key: str, expected: str, got: object = None, *, show: bool = True) -> Exception:
        if not self.where:
            place = key
        elif self.where.endswith("."):
            place = self.where + key
        else:
            place = f"{self.where} {key}".strip()
        shown = f", got {_show(got)}" if show else ""
        return ScenarioError(f"{self.source}: {place}: {expected}{shown}")

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: object = None) -> Any:
        self.known.append(key)
        return self.data.get(key, default)

    def done(self) -> None:
        unknown = [k for k in self.data if k not in self.known]
        if unknown:
            known = ", ".join(sorted(set(self.known)))
            raise self.fail(unknown[0], f"unknown key; expected one of: {known}", None, show=False)

    def sub(self, key: str, required: bool = False) -> _Table | None:
        value = self.raw(key)
        if value is None:
            if required:
                raise self.fail(key, "missing; expected a table", show=False)
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table", value)
        name = f"[{key}]" if not self.where else f"{self.where} {key}."
        return _Table(self.source, name, value)

    def duration(self, key: str, default: float | None = None, *, positive: bool = False) -> float:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, f"missing; expected {_DURATION_HINT}", show=False)
            return default
        seconds = _parse_duration(value)
        if seconds is None:
            raise self.fail(key, f"expected {_DURATION_HINT}", value)
        if positive and seconds <= 0:
            raise self.fail(key, "expected a duration above 0", value)
        return seconds

    def optional_duration(self, key: str) -> float | None:
        if self.data.get(key) is None:
            self.known.append(key)
            return None
        return self.duration(key)

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        low: float = 0.0,
        high: float = math.inf,
        what: str = "a number",
    ) -> float:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, f"missing; expected {what}", show=False)
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.fail(key, f"expected {what}", value)
        if not low <= value <= high:
            raise self.fail(key, f"expected {what}", value)
        return float(value)

    def probability(self, key: str, default: float) -> float:
        return self.number(key, default, high=1.0, what="a probability from 0 to 1")

    def integer(self, key: str, default: int | None = None, *, low: int = 0) -> int:
        value = self.raw(key)
        what = f"a whole number of at least {low}"
        if value is None:
            if default is None:
                raise self.fail(key, f"missing; expected {what}", show=False)
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, f"expected {what}", value)
        return value

    def string(self, key: str, default: str | None = None, choices: Sequence[str] = ()) -> str:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, "missing; expected a text", show=False)
            return default
        if not isinstance(value, str) or not value:
            raise self.fail(key, "expected a text", value)
        if choices and value not in choices:
            raise self.fail(key, "expected one of " + ", ".join(f'"{c}"' for c in choices), value)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false", value)
        return value

    def clock(self, key: str) -> float:
        value = self.raw(key)
        seconds = _parse_clock(value)
        if seconds is None:
            raise self.fail(key, f"expected {_CLOCK_HINT}", value)
        return seconds

    def distribution(self, key: str, default: Distribution) -> Distribution:
        value = self.raw(key)
        if value is None:
            return default
        if value == "infinite":
            return Distribution.infinite()
        seconds = _parse_duration(value)
        if seconds is not None:
            return Distribution.fixed(seconds)
        expected = (
            f'expected {_DURATION_HINT}, "infinite", or a table such as '
            '{ dist = "exponential", mean = "3m" }'
        )
        if not isinstance(value, dict):
            raise self.fail(key, expected, value)
        table = _Table(self.source, f"{self.where} {key}.", value)
        kind = table.string("dist", None, KINDS)
        if kind == "infinite":
            table.done()
            return Distribution.infinite()
        if kind == "fixed":
            mean = table.duration("value") if table.has("value") else table.duration("mean")
            table.done()
            return Distribution.fixed(mean)
        mean = table.duration("mean", positive=True)
        if kind == "exponential":
            table.done()
            return Distribution.exponential(mean)
        spread = {"lognormal": ("cv", "sigma"), "gamma": ("cv", "shape")}[kind]
        given = [k for k in spread if table.has(k)]
        if len(given) != 1:
            raise table.fail(
                "", f"{kind} needs exactly one of {' or '.join(spread)} besides mean", value
            )
        amount = table.number(given[0], low=1e-9, what="a number above 0")
        table.done()
        if kind == "lognormal":
            if given[0] == "cv":
                return Distribution.lognormal(mean, cv=amount)
            return Distribution.lognormal(mean, sigma=amount)
        if given[0] == "cv":
            return Distribution.gamma(mean, cv=amount)
        return Distribution.gamma(mean, shape=amount)

    def list_of_strings(self, key: str, default: Sequence[str] | None = None) -> tuple[str, ...]:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.fail(key, "missing; expected a list of texts", show=False)
            return tuple(default)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise self.fail(key, "expected a non-empty list of texts", value)
        return tuple(value)


class _Reader:
    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base

    def scenario(self, data: dict[str, Any]) -> Scenario:
        top = _Table(self.source, "", data)
        sim = top.sub("simulation", required=True)
        assert sim is not None
        duration = sim.duration("duration", positive=True)
        warmup = sim.duration("warmup", 0.0)
        if warmup >= duration:
            raise sim.fail("warmup", "expected less than the duration", sim.data["warmup"])
        seed = sim.integer("seed", 1)
        replications = sim.integer("replications", 1, low=1)
        start = sim.clock("start") if sim.has("start") else 0.0
        drain = sim.duration("drain", 7200.0)
        sim.done()

        hotline_table = top.sub("hotline")
        name, target = "hotline", 20.0
        if hotline_table is not None:
            name = hotline_table.string("name", "hotline")
            target = hotline_table.duration("service_level_target", 20.0)
            hotline_table.done()

        topics = self.topics(top)
        rate, profile = self.arrivals(top, topics, start, duration)
        callers = self.callers(top.sub("callers"))
        handling = self.handling(top.sub("handling"))
        providers = self.providers(top, topics, start)
        rules = self.rules(top.sub("routing"), callers, handling)
        top.done()
        return Scenario(
            name=name,
            source=self.source,
            duration=duration,
            warmup=warmup,
            seed=seed,
            replications=replications,
            start=start,
            drain=drain,
            service_level_target=target,
            topics=topics,
            rate_per_hour=rate,
            profile=profile,
            callers=callers,
            handling=handling,
            providers=providers,
            rules=rules,
            hotline=name,
        )

    def topics(self, top: _Table) -> tuple[Topic, ...]:
        raw = top.raw("topics")
        if not isinstance(raw, list) or not raw:
            raise top.fail(
                "[[topics]]", "missing; expected at least one [[topics]] with a name", raw
            )
        topics: list[Topic] = []
        for i, item in enumerate(raw, 1):
            table = _Table(self.source, f"[[topics]] #{i}", item)
            name = table.string("name")
            languages = table.list_of_strings("languages", ("de",))
            share = table.number("share", 1.0, what="a share of 0 or more")
            language_shares: tuple[float, ...] = ()
            if table.has("language_shares"):
                value = table.raw("language_shares")
                if (
                    not isinstance(value, list)
                    or len(value) != len(languages)
                    or not all(
                        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                        for v in value
                    )
                    or sum(value) <= 0
                ):
                    raise table.fail(
                        "language_shares",
                        f"expected {len(languages)} shares of 0 or more, one per language",
                        value,
                    )
                language_shares = tuple(float(v) for v in value)
            aht = table.distribution("aht", Distribution.fixed(-1.0)) if table.has("aht") else None
            if aht is not None and aht.is_infinite:
                raise table.fail("aht", "expected a finite handling time", "infinite")
            table.done()
            if any(t.name == name for t in topics):
                raise table.fail("name", "expected each topic once", name)
            topics.append(Topic(name, languages, share, language_shares, aht))
        if sum(t.share for t in topics) <= 0:
            raise top.fail("[[topics]] share", "expected at least one share above 0", 0)
        return tuple(topics)

    def arrivals(
        self, top: _Table, topics: tuple[Topic, ...], start: float, duration: float
    ) -> tuple[float | None, tuple[ProfileRow, ...]]:
        table = top.sub("arrivals", required=True)
        assert table is not None
        has_rate, has_profile = table.has("rate_per_hour"), table.has("profile")
        if has_rate == has_profile:
            raise table.fail(
                "", "expected exactly one of rate_per_hour or profile", None, show=False
            )
        if has_rate:
            rate = table.number("rate_per_hour", what="calls per hour, 0 or more")
            table.done()
            return rate, ()
        name = table.string("profile")
        table.done()
        path = (self.base / name).resolve()
        return None, self.profile(path, name, topics, start)

    def profile(
        self, path: Path, name: str, topics: tuple[Topic, ...], start: float
    ) -> tuple[ProfileRow, ...]:
        where = f"{self.source}: [arrivals] profile"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise ScenarioError(
                f"{where}: cannot read {name!r} (looked for {path}); give a CSV with columns "
                + ", ".join(PROFILE_COLUMNS)
            ) from None
        lines = [
            (n, line)
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not lines:
            raise ScenarioError(
                f"{name}: empty; expected a header line with " + ", ".join(PROFILE_COLUMNS)
            )
        rows = list(csv.reader([line for _, line in lines]))
        header = [h.strip().lower() for h in rows[0]]
        missing = [c for c in PROFILE_COLUMNS if c not in header]
        if missing:
            raise ScenarioError(
                f"{name}, line {lines[0][0]}: missing column(s) {', '.join(missing)}; expected "
                "a header line with " + ", ".join(PROFILE_COLUMNS)
            )
        col = {c: header.index(c) for c in PROFILE_COLUMNS}
        languages = {t.name: t.languages for t in topics}
        first_day: datetime | None = None
        out: list[ProfileRow] = []
        for (line_no, _), cells in zip(lines[1:], rows[1:], strict=True):

            def bad(column: str, expected: str, got: str, line_no: int = line_no) -> ScenarioError:
                return ScenarioError(
                    f"{name}, line {line_no}, column {column}: expected {expected}, got {got!r}"
                )

            if len(cells) < len(header):
                raise ScenarioError(
                    f"{name}, line {line_no}: expected {len(header)} columns, got {len(cells)}"
                )
            when = cells[col["interval_start"]].strip()
            clock = _parse_clock(when)
            if clock is None:
                try:
                    moment = datetime.fromisoformat(when)
                except ValueError:
                    raise bad(
                        "interval_start",
                        'a time "07:15" or a date and time "2021-01-12T07:15"',
                        when,
                    ) from None
                day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
                if first_day is None:
                    first_day = day
                clock = (day - first_day).total_seconds() + (moment - day).total_seconds()
            if clock % 60.0:
                raise bad("interval_start", "a whole minute", when)
            topic = cells[col["topic"]].strip()
            if topic not in languages:
                raise bad("topic", "one of the [[topics]]: " + ", ".join(languages), topic)
            language = cells[col["language"]].strip()
            if language not in languages[topic]:
                raise bad(
                    "language",
                    f"a language of topic {topic!r}: " + ", ".join(languages[topic]),
                    language,
                )
            calls_text = cells[col["calls"]].strip()
            try:
                calls = float(calls_text)
            except ValueError:
                calls = math.nan
            if not math.isfinite(calls) or calls < 0:
                raise bad("calls", "a number of calls, 0 or more", calls_text)
            out.append(ProfileRow(clock - start, topic, language, calls))
        if not out:
            raise ScenarioError(f"{name}: no rows; expected one row per interval and topic")
        return tuple(sorted(out, key=lambda r: r.start))

    def callers(self, table: _Table | None) -> Callers:
        if table is None:
            return Callers()
        default = Callers()
        patience = table.distribution("patience", default.patience)
        probability, delay, attempts, obey = (
            default.redial_probability,
            default.redial_delay,
            default.redial_max_attempts,
            default.redial_obeys_retry_after,
        )
        redial = table.sub("redial")
        if redial is not None:
            probability = redial.probability("probability", probability)
            delay = redial.distribution("delay", delay)
            if delay.is_infinite:
                raise redial.fail("delay", "expected a finite delay", "infinite")
            attempts = redial.integer("max_attempts", attempts, low=1)
            obey = redial.boolean("obey_retry_after", obey)
            redial.done()
        acceptance = table.probability("callback_acceptance", default.callback_acceptance)
        answer = table.probability(
            "callback_answer_probability", default.callback_answer_probability
        )
        dial_time = table.distribution("dial_time", default.dial_time)
        if dial_time.is_infinite:
            raise table.fail("dial_time", "expected a finite time", "infinite")
        table.done()
        return Callers(patience, probability, delay, attempts, obey, acceptance, answer, dial_time)

    def handling(self, table: _Table | None) -> Handling:
        if table is None:
            return Handling()
        default = Handling()
        aht = table.distribution("aht", default.aht)
        wrap_up = table.distribution("wrap_up", default.wrap_up)
        think = table.distribution("think_time", default.think_time)
        for key, dist in (("aht", aht), ("wrap_up", wrap_up), ("think_time", think)):
            if dist.is_infinite:
                raise table.fail(key, "expected a finite time", "infinite")
        table.done()
        return Handling(aht, wrap_up, think)

    def providers(
        self, top: _Table, topics: tuple[Topic, ...], start: float
    ) -> tuple[Provider, ...]:
        raw = top.raw("providers")
        if not isinstance(raw, list) or not raw:
            raise top.fail(
                "[[providers]]", "missing; expected at least one [[providers]] with agents", raw
            )
        languages = {t.name: t.languages for t in topics}
        out: list[Provider] = []
        for i, item in enumerate(raw, 1):
            table = _Table(self.source, f"[[providers]] #{i}", item)
            name = table.string("name")
            table.where = f"[[providers]] {name!r}"
            mode = ProviderMode(table.string("mode", "pooled", ("pooled", "connected")))
            if table.has("agents") == table.has("shifts"):
                raise table.fail("", "expected exactly one of agents or shifts", None, show=False)
            if table.has("agents"):
                shifts: tuple[Shift, ...] = (Shift(0.0, math.inf, table.integer("agents")),)
            else:
                shifts = self.shifts(table, start)
            skills = self.skills(table, languages)
            share = table.number("share", 1.0, what="a share of 0 or more")
            label = table.string("label") if table.has("label") else None
            report_every = table.duration("report_every", 5.0, positive=True)
            table.done()
            if any(p.name == name for p in out):
                raise table.fail("name", "expected each provider once", name)
            out.append(Provider(name, mode, shifts, skills, share, label, report_every))
        return tuple(out)

    def shifts(self, table: _Table, start: float) -> tuple[Shift, ...]:
        raw = table.raw("shifts")
        if not isinstance(raw, list) or not raw:
            raise table.fail(
                "shifts",
                'expected a list such as [{ start = "08:00", end = "16:00", agents = 120 }]',
                raw,
            )
        shifts = []
        for j, item in enumerate(raw, 1):
            shift = _Table(self.source, f"{table.where} shifts #{j}", item)
            begin = shift.clock("start")
            end = shift.clock("end")
            agents = shift.integer("agents")
            shift.done()
            if end == begin:
                raise shift.fail(
                    "end",
                    "expected a time different from start (shifts are under 24 h)",
                    shift.data["end"],
                )
            if end < begin:
                end += DAY  # a night shift ends the next day
            shifts.append(Shift(begin - start, end - start, agents))
        return tuple(shifts)

    def skills(
        self, table: _Table, languages: Mapping[str, tuple[str, ...]]
    ) -> dict[tuple[str, str], int]:
        raw = table.raw("skills")
        expected = (
            'expected a list such as ["termin:de"] or a table such as { "termin:de" = 1, '
            '"fragen:de" = 2 } (level 1 is the primary skill)'
        )
        if isinstance(raw, list):
            pairs = [(s, 1) for s in raw]
        elif isinstance(raw, dict):
            pairs = list(raw.items())
        else:
            raise table.fail("skills", expected, raw)
        if not pairs:
            raise table.fail("skills", expected, raw)
        skills: dict[tuple[str, str], int] = {}
        for text, level in pairs:
            topic, sep, language = (
                str(text).partition(":") if isinstance(text, str) else ("", "", "")
            )
            if not sep or topic not in languages or language not in languages[topic]:
                queues = ", ".join(
                    f"{t}:{lang}" for t, langs in languages.items() for lang in langs
                )
                raise table.fail("skills", f"expected topic:language among {queues}", text)
            if isinstance(level, bool) or not isinstance(level, int) or level < 1:
                raise table.fail(f"skills.{text}", "expected a level of 1 or more", level)
            skills[(topic, language)] = level
        return skills

    def rules(self, table: _Table | None, callers: Callers, handling: Handling) -> RoutingRules:
        kwargs: dict[str, Any] = {
            "wrap_up": None if handling.manual_wrap_up else handling.wrap_up.mean,
            "default_aht": handling.aht.mean,
            "announce_interval": None,
            # Agents who answer with no think time are agents whose desktops answer for them.
            "auto_answer": handling.think_time.kind == "fixed" and handling.think_time.mean == 0.0,
        }
        if table is not None:
            kwargs["strategy"] = table.string("strategy", "longest-idle", tuple(STRATEGIES))
            for key in ("callback_offer_ewt", "max_ewt"):
                kwargs[key] = table.optional_duration(key)
            if table.has("max_queue_length"):
                kwargs["max_queue_length"] = table.integer("max_queue_length")
            durations = {
                "redial_window": True,
                "offer_timeout": True,
                "callback_retry_delay": True,
                "report_stale_after": True,
                "min_retry_after": False,
                "decline_pause": False,
            }
            for key, positive in durations.items():
                if table.has(key):
                    kwargs[key] = table.duration(key, positive=positive)
            if table.has("announce_interval"):
                kwargs["announce_interval"] = table.optional_duration("announce_interval")
            elif kwargs.get("callback_offer_ewt") is not None:
                # Callers hear a callback offer with the periodic announcement.
                kwargs["announce_interval"] = 60.0
            if table.has("callback_max_attempts"):
                kwargs["callback_max_attempts"] = table.integer("callback_max_attempts", low=1)
            if table.has("max_no_answers"):
                kwargs["max_no_answers"] = table.integer("max_no_answers", low=1)
            if table.has("level_waits"):
                value = table.raw("level_waits")
                waits = [_parse_duration(v) for v in value] if isinstance(value, list) else [None]
                if not waits or any(w is None for w in waits):
                    raise table.fail(
                        "level_waits",
                        'expected a list of durations, e.g. ["0s", "30s"]',
                        value,
                    )
                kwargs["level_waits"] = tuple(w for w in waits if w is not None)
            table.done()
        try:
            return RoutingRules(**kwargs)
        except ConfigurationError as exc:
            raise ScenarioError(f"{self.source}: [routing] {exc}") from exc


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _parse_duration(value: object) -> float | None:
    """Seconds from ``"90s"``, ``"20m"``, ``"8h"``, ``"1h30m"``, ``"1d"`` or a number ≥ 0."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value >= 0 else None
    if not isinstance(value, str) or not _DURATION.match(value):
        return None
    return sum(float(n) * _UNIT[u] for n, u in _DURATION_PART.findall(value))


def _parse_clock(value: object) -> float | None:
    """Seconds after midnight from ``"08:00"`` (``"24:00"`` is the end of the day)."""
    if not isinstance(value, str):
        return None
    match = _CLOCK.match(value.strip())
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        return None
    return hours * 3600.0 + minutes * 60.0 + seconds


def clock_text(seconds: float) -> str:
    """``"08:15"`` for a clock time in seconds after midnight (``"d2 08:15"`` on later days)."""
    day, rest = divmod(round(seconds), int(DAY))
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text if day == 0 else f"d{day + 1} {text}"
