"""Exactly once when Discord forgets: lost responses and late restarts, on the local Discord server.

Discord keeps an enforced nonce for a few minutes only; the local server models that window on the
bot's clock, and can store a message yet drop the connection before the bot reads the answer.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.testing import DiscordServer, Guild, start_bot
from tests.test_moments_e2e import DUE, START, assert_recorded_as_sent, cog_of, configure, posts, settle


@pytest.mark.parametrize(
    ("stored", "restart_after"),
    [
        (True, timedelta(minutes=10)),
        (True, timedelta(minutes=1)),
        (False, timedelta(minutes=10)),
    ],
    ids=["stored-restart-10min", "stored-restart-1min", "never-reached-restart-10min"],
)
async def test_lost_response_then_restart_gives_exactly_one_post(
    discord_server: DiscordServer, db_path: Path, guild: Guild, stored: bool, restart_after: timedelta
) -> None:
    clock = FakeClock(START)
    discord_server.clock = clock
    channel = guild.channel("quiet-moments")
    sends = rf"/channels/{channel.id}/messages$"
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await configure(discord_server, guild)
        await settle(running)
        lost = discord_server.lose_response("POST", sends, stored=stored)
        clock.set(DUE)
        await discord_server.wait_for(lambda: lost.times == 0)
        await settle(running)
        runner = cog_of(running).runner
        assert runner is not None
        await discord_server.wait_for(lambda: not runner._in_flight)
        assert len(posts(discord_server, guild)) == (1 if stored else 0)
    finally:
        await running.stop()

    clock.set(DUE + restart_after)
    again = await start_bot(discord_server, db_path, clock=clock)
    try:
        await settle(again)
        clock.set(DUE + restart_after + timedelta(minutes=6))  # past any retry the first run planned
        await settle(again)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) >= 1)
        assert len(posts(discord_server, guild)) == 1
        assert_recorded_as_sent(db_path, discord_server, guild)
        looked = discord_server.requests_to("GET", sends)
        assert bool(looked) == (restart_after >= timedelta(minutes=2)), "look only once the nonce may be gone"
    finally:
        await again.stop()


async def test_without_looking_the_local_discord_would_post_twice(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    """The model itself: after the nonce window the same nonce makes a second message, as on Discord."""
    clock = FakeClock(START)
    discord_server.clock = clock
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        channel = running.bot.get_partial_messageable(guild.channel("quiet-moments").id, guild_id=guild.id)
        first = await channel.send("one", nonce="qm-model-check")
        clock.advance(timedelta(minutes=4))
        assert (await channel.send("one", nonce="qm-model-check")).id == first.id
        clock.advance(timedelta(minutes=2))
        assert (await channel.send("one", nonce="qm-model-check")).id != first.id
    finally:
        await running.stop()


STATE = "SELECT state FROM moment_posts WHERE guild_id = ?"


@pytest.mark.parametrize("cloudflare", [False, True], ids=["outlasts-retries", "cloudflare-no-via"])
async def test_rate_limited_post_is_retried_not_recorded_as_the_days_failure(
    discord_server: DiscordServer, db_path: Path, guild: Guild, cloudflare: bool
) -> None:
    clock = FakeClock(START)
    discord_server.clock = clock
    sends = rf"/channels/{guild.channel('quiet-moments').id}/messages$"
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await configure(discord_server, guild)
        await settle(running)
        fault = discord_server.fail("POST", sends, 429, times=1 if cloudflare else 5, cloudflare=cloudflare)
        clock.set(DUE)
        await discord_server.wait_for(lambda: fault.times == 0)
        await settle(running)
        with sqlite3.connect(db_path) as conn:
            (state,) = conn.execute(
                "SELECT state FROM moment_posts WHERE guild_id = ?", (guild.id,)
            ).fetchone()
        assert state == "claimed", "a rate limit is not the day's failure"
        assert posts(discord_server, guild) == []
        clock.set(DUE + timedelta(minutes=1))
        await settle(running)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 1)
        await settle(running)
        with sqlite3.connect(db_path) as conn:
            (state,) = conn.execute(
                "SELECT state FROM moment_posts WHERE guild_id = ?", (guild.id,)
            ).fetchone()
        assert state == "sent"
    finally:
        await running.stop()


async def test_a_callback_after_three_seconds_fails_like_discord(
    discord_server: DiscordServer, steady: object, guild: Guild
) -> None:
    """The local Discord enforces the 3-second deadline on real time: a late first reply is 10062."""
    discord_server.interaction_deadline = 0.0
    result = await discord_server.slash("quietmoment", user=discord_server.member, guild=guild)
    await discord_server.wait_for(lambda: discord_server.late_callbacks >= 1)
    assert result.callback is None and result.expired
    late = [r for r in discord_server.requests_to("POST", rf"/interactions/{result.id}/") if r.status == 404]
    assert late, "the late callback was refused with 404 Unknown interaction"
    discord_server.interaction_deadline = 3.0
    again = await (await discord_server.slash("quietmoment", user=discord_server.member, guild=guild)).wait()
    assert again.callback is not None and not again.expired


async def test_lookup_reads_past_a_busy_channel_to_find_the_earlier_post(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    """150 member messages since the look-back start: the post is on the second page of history."""
    clock = FakeClock(START)
    discord_server.clock = clock
    channel = guild.channel("quiet-moments")
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await configure(discord_server, guild)
        await settle(running)
        clock.set(DUE - timedelta(minutes=5))
        chatter = discord_server.messages.setdefault(channel.id, [])
        for n in range(150):
            chatter.append(
                discord_server._new_message(channel.id, discord_server.member, {"content": f"hi {n}"})
            )
        lost = discord_server.lose_response("POST", rf"/channels/{channel.id}/messages$")
        clock.set(DUE)
        await discord_server.wait_for(lambda: lost.times == 0)
        await settle(running)
    finally:
        await running.stop()
    clock.set(DUE + timedelta(minutes=10))
    again = await start_bot(discord_server, db_path, clock=clock)
    try:
        await settle(again)
        assert len(posts(discord_server, guild)) == 1
        assert_recorded_as_sent(db_path, discord_server, guild)
        assert len(discord_server.requests_to("GET", rf"/channels/{channel.id}/messages$")) == 2
    finally:
        await again.stop()
