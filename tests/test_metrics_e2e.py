"""A Prometheus scrape of a running bot: the expected series, and nothing that names a person or server."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp

from bot import metrics
from bot.testing import DiscordServer, start_bot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_metrics_scrape_has_the_expected_series(discord_server: DiscordServer, tmp_path: Path) -> None:
    port = _free_port()
    running = await start_bot(discord_server, tmp_path / "m.sqlite3", metrics_address=("127.0.0.1", port))
    acks_before = metrics.REGISTRY.get_sample_value("steady_interaction_ack_seconds_count") or 0.0
    try:
        guild = next(iter(discord_server.guilds.values()))
        for command in ("quietmoment", "faq"):
            await (await discord_server.slash(command, user=discord_server.member, guild=guild)).final()
        metrics.moment_failed("Steady is missing permission to post in that channel.")
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
            body = await response.text()
    finally:
        await running.stop()
    assert response.status == 200
    acks = metrics.REGISTRY.get_sample_value("steady_interaction_ack_seconds_count") or 0.0
    assert acks - acks_before == 2, "each answered command's time from arrival is observed once"
    for series in (
        "steady_servers 2.0",
        'steady_shard_up{shard="0"} 1.0',
        'steady_interactions_total{command="quietmoment",outcome="ok"}',
        'steady_interactions_total{command="faq",outcome="ok"}',
        "steady_interaction_ack_seconds_bucket",
        'steady_quiet_moments_total{outcome="failed",reason="permission"}',
        "steady_discord_rate_limited_total",
        'steady_database_operation_seconds_count{operation="transaction"}',
        'steady_database_operation_seconds_count{operation="read"}',
    ):
        assert series in body, series
    for private in [str(g) for g in discord_server.guilds] + [str(discord_server.member.id), "Night Shift"]:
        assert private not in body, "metrics must not name a server or a person"


def test_failure_reasons_become_short_kinds() -> None:
    assert metrics.reason_kind("Sending was interrupted and Steady came back 7 hours late") == "interrupted"
    assert metrics.reason_kind("The channel was deleted.") == "channel_gone"
    assert metrics.reason_kind("Something new") == "other"
