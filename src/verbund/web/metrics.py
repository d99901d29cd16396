"""Prometheus metrics: one registry per application (so that tests may run several)."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from verbund.service import Service

__all__ = ["Metrics"]


class _LiveCollector(Collector):
    """Reads queue lengths, expected waits, journal lag and counts from the service at scrape."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        waiting = GaugeMetricFamily(
            "verbund_queue_waiting", "Contacts waiting per queue", labels=["hotline", "queue"]
        )
        ewt = GaugeMetricFamily(
            "verbund_queue_ewt_seconds",
            "Expected wait of a new arrival per queue",
            labels=["hotline", "queue"],
        )
        lag = GaugeMetricFamily(
            "verbund_journal_lag_commands",
            "Commands waiting for the hotline's writer (not yet journalled)",
            labels=["hotline"],
        )
        journal = GaugeMetricFamily(
            "verbund_journal_seq", "Last journal sequence number", labels=["hotline"]
        )
        offers = GaugeMetricFamily(
            "verbund_offers_total", "Offers made to agents since start", labels=["hotline"]
        )
        agents = GaugeMetricFamily(
            "verbund_agents", "Agents by status", labels=["hotline", "status"]
        )
        contacts = GaugeMetricFamily(
            "verbund_contacts",
            "Contacts since the engine started, by outcome (attempts, unique callers, ...)",
            labels=["hotline", "outcome"],
        )
        writer = CounterMetricFamily(
            "verbund_writer_seconds",
            "Wall time of the hotline's single writer by phase: engine (handling commands), "
            "journal (group commit), publish (live view, event bus, answers), history, snapshot",
            labels=["hotline", "phase"],
        )
        batches = CounterMetricFamily(
            "verbund_journal_batches", "Journal transactions written", labels=["hotline"]
        )
        commands = CounterMetricFamily(
            "verbund_commands", "Commands handled and journalled", labels=["hotline"]
        )
        for name, hotline in sorted(self.service.hotlines.items()):
            for phase, spent in hotline.runner.seconds.items():
                writer.add_metric([name, phase], spent)
            batches.add_metric([name], hotline.runner.batches)
            commands.add_metric([name], hotline.runner.commands)
            for row in hotline.view.queue_summary():
                waiting.add_metric([name, row["queue"]], row["waiting"])
                if row["ewt"] is not None:
                    ewt.add_metric([name, row["queue"]], row["ewt"])
            lag.add_metric([name], hotline.runner.pending)
            journal.add_metric([name], hotline.runner.last_seq)
            offers.add_metric([name], hotline.view.offers_made)
            engine = hotline.runner.engine
            if engine is not None:
                for outcome, count in engine.counters.as_dict().items():
                    contacts.add_metric([name, outcome], count)
            for status, count in hotline.view.alliance_agents().items():
                agents.add_metric([name, status], count)
        yield from (waiting, ewt, lag, journal, offers, agents, contacts, writer, batches, commands)


class Metrics:
    def __init__(self, service: Service) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "verbund_request_seconds",
            "API request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.shed = Counter(
            "verbund_requests_shed",
            "Requests refused with 503 under overload",
            registry=self.registry,
        )
        self.registry.register(_LiveCollector(service))
        self.gc_pauses = Histogram(
            "verbund_gc_pause_seconds",
            "Pauses of Python's cyclic garbage collector by generation (every request in "
            "flight waits them out)",
            ["generation"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
        )
        frozen = Gauge(
            "verbund_gc_frozen_objects",
            "Objects in the collector's permanent generation (verbund.service.collector)",
            registry=self.registry,
        )
        frozen.set_function(gc.get_freeze_count)
        self.gc_collected = Counter(
            "verbund_gc_collected_objects",
            "Cyclic garbage the collector found and freed, by generation (the deep collections "
            "of verbund.service.collector are generation 2)",
            ["generation"],
            registry=self.registry,
        )
        for generation in "012":
            self.gc_pauses.labels(generation)
            self.gc_collected.labels(generation)
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._gc_started
            generation = str(info["generation"])
            self.gc_pauses.labels(generation).observe(pause)
            if info["collected"]:
                self.gc_collected.labels(generation).inc(info["collected"])
