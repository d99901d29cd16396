"""All hotlines of one node: their runners and live views, and configuration changes.

    service = Service(database, settings)
    await service.start()                    # every configured hotline, recovered
    hotline = service.hotline("116117")      # runner + view
    outcome = await hotline.runner.submit(ContactArrived(...))
    await service.configure(hotline.name, AgentConfigured(spec))   # engine first, then tables

A configuration change goes to the engine as a command first — the engine validates it and the
journal keeps it — and then into the tables, which the pages read. Changes to one hotline are
serialised by a lock, so two edits never overwrite each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from verbund.engine import (
    AgentConfigured,
    AgentRemoved,
    AgentSpec,
    ConfigurationChanged,
    Engine,
    HotlineConfig,
    ProviderConfigured,
    ProviderSpec,
    RoutingRules,
    RulesChanged,
    TopicConfigured,
    TopicSpec,
)
from verbund.errors import UnknownEntity, VerbundError
from verbund.service.bus import EventBus
from verbund.service.conversations import Conversations
from verbund.service.live import LiveView
from verbund.service.runner import HotlineRunner, Outcome
from verbund.service.settings import Settings
from verbund.store import Database, hotline_names, load_config, save_config

__all__ = ["Hotline", "Service", "UnknownHotline"]


class UnknownHotline(VerbundError):
    """No hotline of that name is configured."""


@dataclass
class Hotline:
    name: str
    runner: HotlineRunner
    view: LiveView
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def agent_desk(self, agent: str) -> dict[str, Any]:
        """One agent's desktop (the live view's), and when their pause after declining an offer
        ends (``pause_ends``: they show as ready but are offered nothing till then)."""
        engine = self.runner.engine
        pause_ends = None
        if engine is not None:
            with contextlib.suppress(UnknownEntity):  # (not configured: nothing to pause)
                pause_ends = engine.agent_pause_ends(agent)
        return {**self.view.agent_desk(agent), "pause_ends": pause_ends}


class Service:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.bus = EventBus()
        self.conversations = Conversations(database, self.bus)
        self.hotlines: dict[str, Hotline] = {}
        self._create_lock = asyncio.Lock()

    async def start(self) -> None:
        for name in await asyncio.to_thread(hotline_names, self.database):
            await self._start(name)

    async def stop(self) -> None:
        for hotline in list(self.hotlines.values()):
            await hotline.runner.stop()

    async def _start(self, name: str) -> Hotline:
        runner = HotlineRunner(
            self.database,
            name,
            clock=self.clock,
            snapshot_every=self.settings.snapshot_every,
            max_pending=self.settings.max_pending,
            flush_interval=self.settings.flush_interval,
        )
        view = LiveView(
            name, service_level_target=self.settings.service_level_target, clock=self.clock
        )
        runner.listeners += [view.apply, self.bus.listener(name)]
        await runner.start()
        assert runner.engine is not None
        view.seed(runner.engine)
        view.target = self.service_level_target(runner.engine.rules)
        hotline = self.hotlines[name] = Hotline(name, runner, view)
        return hotline

    def service_level_target(self, rules: RoutingRules) -> float:
        """Seconds within which a contact counts as answered in time: the hotline's rule, else
        the node's setting (``VERBUND_SL_TARGET``)."""
        if rules.service_level_target is not None:
            return rules.service_level_target
        return self.settings.service_level_target

    def hotline(self, name: str) -> Hotline:
        found = self.hotlines.get(name)
        if found is None:
            raise UnknownHotline(
                f"hotline {name!r} is not configured; known: {', '.join(sorted(self.hotlines))}"
                if self.hotlines
                else f"hotline {name!r} is not configured; create it first"
            )
        return found

    # --- configuration ---------------------------------------------------------------------------

    async def create_hotline(
        self,
        name: str,
        *,
        title: str = "",
        topics: tuple[TopicSpec, ...] = (),
        rules: RoutingRules | None = None,
    ) -> Hotline:
        async with self._create_lock:
            if name in self.hotlines:
                raise HotlineExists(f"hotline {name!r} exists already")
            config = HotlineConfig(name, topics, rules=rules or RoutingRules())
            Engine(config)  # the engine validates it: ConfigurationError names the field
            await asyncio.to_thread(save_config, self.database, config, title=title)
            return await self._start(name)

    async def config(self, name: str) -> HotlineConfig:
        self.hotline(name)
        return await asyncio.to_thread(load_config, self.database, name)

    async def configure(self, name: str, change: ConfigurationChanged) -> Outcome:
        """Apply ``change`` to the running engine, then to the tables."""
        hotline = self.hotline(name)
        async with hotline.lock:
            outcome = await hotline.runner.submit(change)
            if isinstance(change, RulesChanged):
                # Contacts answered from now on count against the new target.
                hotline.view.target = self.service_level_target(change.rules)
            config = await asyncio.to_thread(load_config, self.database, name)
            await asyncio.to_thread(save_config, self.database, _changed(config, change))
            return outcome

    async def set_title(self, name: str, title: str) -> None:
        hotline = self.hotline(name)
        async with hotline.lock:
            config = await asyncio.to_thread(load_config, self.database, name)
            await asyncio.to_thread(save_config, self.database, config, title=title)


class HotlineExists(VerbundError):
    """A hotline of that name exists already."""


def _changed(config: HotlineConfig, change: ConfigurationChanged) -> HotlineConfig:
    """``config`` with ``change`` applied, as the engine applied it."""
    if isinstance(change, TopicConfigured):
        topics = list(config.topics)
        for i, topic in enumerate(topics):
            if topic.name == change.topic.name:
                languages = topic.languages + tuple(
                    x for x in change.topic.languages if x not in topic.languages
                )
                topics[i] = TopicSpec(topic.name, languages)
                break
        else:
            topics.append(change.topic)
        return replace(config, topics=tuple(topics))
    if isinstance(change, ProviderConfigured):
        return replace(config, providers=_upsert(config.providers, change.provider))
    if isinstance(change, AgentConfigured):
        return replace(config, agents=_upsert(config.agents, change.agent))
    if isinstance(change, AgentRemoved):
        return replace(config, agents=tuple(a for a in config.agents if a.name != change.agent))
    if isinstance(change, RulesChanged):
        return replace(config, rules=change.rules)
    raise TypeError(f"unknown configuration change {change!r}")


Spec = TypeVar("Spec", ProviderSpec, AgentSpec)


def _upsert(items: tuple[Spec, ...], new: Spec) -> tuple[Spec, ...]:
    found = [i for i, item in enumerate(items) if item.name == new.name]
    if found:
        return tuple(new if i == found[0] else item for i, item in enumerate(items))
    return (*items, new)  # type: ignore[arg-type]  # mypy loses the constrained TypeVar here
