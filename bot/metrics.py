"""Prometheus metrics, served at METRICS_ADDRESS when it is set.

Only counts, states and timings: never a user, a server id, or anything anyone wrote. Recording is cheap
and always on (a few counters in memory); nothing is served unless METRICS_ADDRESS asks for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

INTERACTIONS = Counter(
    "steady_interactions",
    "Application commands handled, by command and outcome (ok or error).",
    ["command", "outcome"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "steady_interaction_ack_seconds",
    "From receiving an interaction to its command having answered it (Discord allows 3 s).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
    registry=REGISTRY,
)
MOMENTS = Counter(
    "steady_quiet_moments",
    "Daily quiet moments by outcome (sent, late, skipped, failed) and a short reason.",
    ["outcome", "reason"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "steady_discord_rate_limited",
    "429 responses from Discord's REST API (discord.py waits and retries them).",
    registry=REGISTRY,
)
DB_SECONDS = Histogram(
    "steady_database_operation_seconds",
    "Database operations, by kind (transaction, read, batch), including waiting for the write lock.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
_DONE: dict[str, Any] = {}


def command_done(name: str) -> None:
    """Count a command answered without error; each command's counter is looked up once, not per call."""
    counter = _DONE.get(name)
    if counter is None:
        counter = _DONE[name] = INTERACTIONS.labels(name, "ok")
    counter.inc()


LATE_AFTER_SECONDS = 300.0  # a post sent more than five minutes after its time counts as late

# Failure reasons are sentences for moderators; metrics keep only their kind.
_REASON_KINDS = (
    ("interrupted", "interrupted"),
    ("permission", "permission"),
    ("access", "permission"),
    ("deleted", "channel_gone"),
    ("no longer", "channel_gone"),
    ("unknown channel", "channel_gone"),
    ("no quiet moment", "no_moment"),
    ("rate", "rate_limited"),
    ("429", "rate_limited"),
    ("slow down", "rate_limited"),
    ("gave up", "gave_up"),
    ("offline", "offline"),
)


def reason_kind(reason: str | None) -> str:
    text = (reason or "").lower()
    return next((kind for needle, kind in _REASON_KINDS if needle in text), "other" if text else "")


def moment_sent(lateness_seconds: float) -> None:
    MOMENTS.labels("late" if lateness_seconds > LATE_AFTER_SECONDS else "sent", "").inc()


def moment_failed(reason: str) -> None:
    MOMENTS.labels("failed", reason_kind(reason)).inc()


def moment_skipped(reason: str) -> None:
    MOMENTS.labels("skipped", reason_kind(reason)).inc()


class BotCollector(Collector):
    """Read at scrape time from the running bot: servers, and each shard's latency and state."""

    def __init__(self, servers: Callable[[], int], shards: Callable[[], Iterable[tuple[int, float, bool]]]):
        self.servers = servers
        self.shards = shards

    def collect(self) -> Iterable[Any]:
        servers = GaugeMetricFamily("steady_servers", "Servers this process serves.")
        servers.add_metric([], float(self.servers()))
        latency = GaugeMetricFamily(
            "steady_shard_latency_seconds", "Gateway heartbeat latency per shard.", labels=["shard"]
        )
        up = GaugeMetricFamily(
            "steady_shard_up", "1 when the shard's gateway is connected.", labels=["shard"]
        )
        for shard_id, seconds, connected in self.shards():
            if seconds == seconds and seconds != float("inf"):  # discord.py says nan/inf before a heartbeat
                latency.add_metric([str(shard_id)], seconds)
            up.add_metric([str(shard_id)], 1.0 if connected else 0.0)
        return [servers, latency, up]


_collector: BotCollector | None = None


def watch_bot(collector: BotCollector) -> None:
    """Point the scrape-time gauges at the running bot (the latest one, when tests start several)."""
    global _collector
    if _collector is not None:
        REGISTRY.unregister(_collector)
    REGISTRY.register(collector)
    _collector = collector


class RateLimitCounter(logging.Handler):
    """discord.py logs every 429 it waits out on 'discord.http'; counting those counts the 429s."""

    def emit(self, record: logging.LogRecord) -> None:
        if "responded with 429" in record.getMessage():
            RATE_LIMITED.inc()


_rate_handler = RateLimitCounter(level=logging.WARNING)


def count_rate_limits() -> None:
    http_log = logging.getLogger("discord.http")
    if _rate_handler not in http_log.handlers:
        http_log.addHandler(_rate_handler)


def serve(address: tuple[str, int]) -> Any:
    """Serve /metrics over HTTP on a daemon thread; returns the server (tests shut it down)."""
    host, port = address
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server
