"""End to end: quiet moments through the local Discord server, with the real bot in and out of process."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.moments.content import load_moments
from bot.testing import BotProcess, DiscordServer, Guild, RunningBot, buttons_of, start_bot, text_of
from cogs.moments import QuietMoments

START = datetime(2024, 6, 3, 7, 0, tzinfo=UTC)  # 08:00 in London (BST)
DUE = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)  # 09:00 in London
BUILTIN_TEXTS = {m.text for m in load_moments()}


def cog_of(running: RunningBot) -> QuietMoments:
    cog = running.bot.get_cog("QuietMoments")
    assert cog is not None and type(cog).__name__ == "QuietMoments"  # extensions load as a fresh module
    return cog  # type: ignore[return-value]


async def settle(running: RunningBot) -> None:
    cog = cog_of(running)
    await running.bot.wait_until_ready()
    for _ in range(200):
        if cog.runner is not None:
            break
        await discord_sleep()
    assert cog.runner is not None
    await cog.runner.settled()


async def discord_sleep() -> None:
    await asyncio.sleep(0.01)


async def configure(
    server: DiscordServer, guild: Guild, *, time: str = "09:00", zone: str = "Europe/London", **extra: Any
) -> Any:
    result = await server.slash(
        "config moments",
        user=server.admin,
        guild=guild,
        channel_=guild.channel("quiet-moments"),
        time=time,
        timezone=zone,
        **extra,
    )
    return await result.wait()


def posts(server: DiscordServer, guild: Guild) -> list[dict[str, Any]]:
    return [m for m in server.channel_messages(guild.channel("quiet-moments")) if m.get("embeds")]


def assert_recorded_as_sent(db_path: Path, server: DiscordServer, guild: Guild) -> None:
    """The day's record says sent, with the id of the one post in the channel."""
    with sqlite3.connect(db_path) as conn:
        state, message_id = conn.execute(
            "SELECT state, message_id FROM moment_posts WHERE guild_id = ?", (guild.id,)
        ).fetchone()
    assert state == "sent" and str(message_id) == posts(server, guild)[0]["id"]


def stored_config(db_path: Path, guild: Guild) -> Any:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT * FROM moments_config WHERE guild_id = ?", (guild.id,)).fetchone()


async def test_configure_post_arrives_at_due_time_and_restart_does_not_repeat(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    clock = FakeClock(START)
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        done = await configure(discord_server, guild)
        assert done.ephemeral and "09:00" in text_of(done.data) and "Europe/London" in text_of(done.data)
        assert f"<t:{int(DUE.timestamp())}:F>" in text_of(done.data)
        await settle(running)
        clock.set(DUE - timedelta(minutes=1))
        await settle(running)
        assert posts(discord_server, guild) == []
        clock.set(DUE)
        await settle(running)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 1)
        post = posts(discord_server, guild)[0]
        assert post["embeds"][0]["description"] in BUILTIN_TEXTS
        assert post["allowed_mentions"] == {"parse": []}, "posts must not ping anyone"
        assert post.get("nonce")
    finally:
        await running.stop()

    clock.set(DUE + timedelta(minutes=30))
    again = await start_bot(discord_server, db_path, clock=clock)
    try:
        await settle(again)
        assert len(posts(discord_server, guild)) == 1
        status = await (
            await discord_server.slash("config status", user=discord_server.admin, guild=guild)
        ).wait()
        text = text_of(status.data)
        assert "posted" in text and posts(discord_server, guild)[0]["id"] in text
        tomorrow = DUE + timedelta(days=1)
        assert f"<t:{int(tomorrow.timestamp())}:F>" in text
        today = await (
            await discord_server.slash("quietmoment", user=discord_server.member, guild=guild)
        ).wait()
        assert today.ephemeral and "Today's quiet moment" in text_of(today.data)
        assert posts(discord_server, guild)[0]["embeds"][0]["description"] in text_of(today.data)
        clock.set(tomorrow)
        await settle(again)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 2)
        first, second = posts(discord_server, guild)
        assert first["embeds"][0]["description"] != second["embeds"][0]["description"]
    finally:
        await again.stop()


class SimulatedCrash(BaseException):
    """The process dying at a checkpoint: not an Exception, so nothing in the runner handles it."""


@pytest.mark.parametrize("step", ["before_claim", "after_claim", "after_send", "after_mark"])
async def test_crash_at_every_step_then_restart_gives_exactly_one_message_at_discord(
    discord_server: DiscordServer, db_path: Path, guild: Guild, step: str
) -> None:
    clock = FakeClock(START)
    running = await start_bot(discord_server, db_path, clock=clock)
    crashed = asyncio.Event()

    async def checkpoint(name: str, guild_id: int) -> None:
        if name == step:
            crashed.set()
            raise SimulatedCrash(name)

    try:
        await configure(discord_server, guild)
        await settle(running)
        runner = cog_of(running).runner
        assert runner is not None
        runner.checkpoint = checkpoint
        clock.set(DUE)
        await asyncio.wait_for(crashed.wait(), 10)
    finally:
        await running.stop()
    assert len(posts(discord_server, guild)) == (1 if step in ("after_send", "after_mark") else 0)

    clock.set(DUE + timedelta(minutes=2))
    again = await start_bot(discord_server, db_path, clock=clock)
    try:
        await settle(again)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) >= 1)
        await settle(again)
        assert len(posts(discord_server, guild)) == 1
        assert_recorded_as_sent(db_path, discord_server, guild)
        sends = discord_server.requests_to("POST", rf"/channels/{guild.channel('quiet-moments').id}/messages")
        assert len(sends) == 1, "a send cut short is found in the channel, not repeated"
    finally:
        await again.stop()


async def test_kill_before_due_and_restart_after_gives_one_late_post(
    discord_server: DiscordServer, tmp_path: Path, guild: Guild
) -> None:
    db_path = tmp_path / "steady.sqlite3"
    bot = BotProcess(discord_server, db_path, STEADY_CLOCK_START=START.isoformat())
    try:
        await bot.start()
        done = await configure(discord_server, guild)
        assert "09:00" in text_of(done.data), bot.log()[-2000:]
        await bot.kill()
        assert posts(discord_server, guild) == []
        late = BotProcess(discord_server, db_path, STEADY_CLOCK_START=(DUE + timedelta(hours=2)).isoformat())
        bot = late
        await late.start()
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 1, timeout=20)
        await late.terminate()
        again = BotProcess(
            discord_server, db_path, STEADY_CLOCK_START=(DUE + timedelta(hours=2, minutes=5)).isoformat()
        )
        bot = again
        await again.start()
        result = await (
            await discord_server.slash("config status", user=discord_server.admin, guild=guild)
        ).wait(timeout=15)
        assert "posted" in text_of(result.data)
        with pytest.raises(TimeoutError):
            await discord_server.wait_for(lambda: len(posts(discord_server, guild)) > 1, timeout=1.5)
    finally:
        await bot.ensure_stopped()


async def test_missing_permission_is_recorded_shown_and_bot_keeps_serving(
    discord_server: DiscordServer, db_path: Path, guild: Guild, other_guild: Guild
) -> None:
    clock = FakeClock(START)
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await configure(discord_server, guild)
        await configure(discord_server, other_guild)
        discord_server.set_bot_can_send(guild.channel("quiet-moments"), False)
        await settle(running)
        clock.set(DUE)
        await settle(running)
        await discord_server.wait_for(lambda: len(posts(discord_server, other_guild)) == 1)
        assert posts(discord_server, guild) == []
        sends = discord_server.requests_to("POST", rf"/channels/{guild.channel('quiet-moments').id}/messages")
        assert len(sends) == 1 and sends[0].status == 403
        status = await (
            await discord_server.slash("config status", user=discord_server.admin, guild=guild)
        ).wait()
        text = text_of(status.data)
        assert status.ephemeral and "failed" in text and "50013" in text and "permission" in text
        clock.set(DUE + timedelta(hours=3))
        await settle(running)
        assert (
            len(
                discord_server.requests_to("POST", rf"/channels/{guild.channel('quiet-moments').id}/messages")
            )
            == 1
        )
        served = await (
            await discord_server.slash("quietmoment", user=discord_server.member, guild=guild)
        ).wait()
        assert served.ephemeral and text_of(served.data)
        discord_server.set_bot_can_send(guild.channel("quiet-moments"), True)
        clock.set(DUE + timedelta(days=1))
        await settle(running)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 1)
    finally:
        await running.stop()


@pytest.mark.parametrize(
    ("time", "zone", "words"),
    [
        ("25:00", "Europe/London", "00 to 23"),
        ("9am", "Europe/London", "HH:MM"),
        ("", "Europe/London", "HH:MM"),
        ("09:00", "Mars/Base", "isn't a time zone"),
    ],
)
async def test_bad_input_gets_a_clear_ephemeral_error_and_nothing_is_stored(
    discord_server: DiscordServer,
    steady: RunningBot,
    db_path: Path,
    guild: Guild,
    time: str,
    zone: str,
    words: str,
) -> None:
    result = await configure(discord_server, guild, time=time, zone=zone)
    assert result.ephemeral
    assert words in text_of(result.data)
    assert stored_config(db_path, guild) is None


async def test_channel_the_bot_cannot_post_in_is_refused(
    discord_server: DiscordServer, steady: RunningBot, db_path: Path, guild: Guild
) -> None:
    discord_server.set_bot_can_send(guild.channel("quiet-moments"), False)
    await discord_server.wait_for(
        lambda: (
            not steady.bot.get_channel(guild.channel("quiet-moments").id)
            .permissions_for(steady.bot.get_guild(guild.id).me)  # type: ignore[union-attr]
            .send_messages
        )
    )
    result = await configure(discord_server, guild)
    assert result.ephemeral and "Send Messages" in text_of(result.data)
    assert stored_config(db_path, guild) is None


async def test_member_cannot_configure(
    discord_server: DiscordServer, steady: RunningBot, db_path: Path, guild: Guild
) -> None:
    result = await discord_server.slash(
        "config moments",
        user=discord_server.member,
        guild=guild,
        channel_=guild.channel("quiet-moments"),
        time="09:00",
        timezone="Europe/London",
    )
    await result.wait()
    assert result.ephemeral and "Manage Server" in text_of(result.data)
    assert stored_config(db_path, guild) is None


async def test_timezone_autocomplete_is_fuzzy(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    async def suggest(typed: str) -> list[str]:
        choices = await discord_server.autocomplete(
            "config moments", "timezone", user=discord_server.admin, guild=guild, timezone=typed
        )
        return [c["value"] for c in choices]

    assert "America/New_York" in (await suggest("new york"))[:3]
    assert "Asia/Kathmandu" in (await suggest("katmandu"))[:3]
    assert "Europe/London" in (await suggest("londn"))[:3]
    assert "Australia/Lord_Howe" in (await suggest("lord howe"))[:3]
    assert "Europe/London" in await suggest("")
    assert await suggest("Mars/Base") == [] or "Mars/Base" not in await suggest("Mars/Base")


async def test_thread_option_opens_a_thread(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    clock = FakeClock(START)
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        done = await configure(discord_server, guild, thread=True)
        assert "thread" in text_of(done.data)
        await settle(running)
        clock.set(DUE)
        await settle(running)
        await discord_server.wait_for(lambda: len(discord_server.requests_to("POST", r"/threads$")) == 1)
        post = posts(discord_server, guild)[0]
        assert discord_server.channels[int(post["id"])].parent_id == guild.channel("quiet-moments").id
        thread = discord_server.requests_to("POST", r"/threads$")[0].body
        assert thread["name"].endswith("(no patient details, please)") and len(thread["name"]) <= 100
        prompt = [f["name"] for f in post["embeds"][0].get("fields", [])]
        assert all("no patient details" in name for name in prompt)
    finally:
        await running.stop()


async def test_pause_and_resume(discord_server: DiscordServer, db_path: Path, guild: Guild) -> None:
    clock = FakeClock(START)
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await configure(discord_server, guild)
        paused = await (
            await discord_server.slash("config pause", user=discord_server.admin, guild=guild)
        ).wait()
        assert paused.ephemeral and "/config resume" in text_of(paused.data)
        await settle(running)
        clock.set(DUE + timedelta(minutes=5))
        await settle(running)
        assert posts(discord_server, guild) == []
        resumed = await (
            await discord_server.slash("config resume", user=discord_server.admin, guild=guild)
        ).wait()
        tomorrow = DUE + timedelta(days=1)
        assert f"<t:{int(tomorrow.timestamp())}:F>" in text_of(resumed.data)
        clock.set(tomorrow)
        await settle(running)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 1)
    finally:
        await running.stop()


async def test_share_review_approve_joins_rotation_and_member_cannot_review(
    discord_server: DiscordServer, db_path: Path, guild: Guild, other_guild: Guild
) -> None:
    clock = FakeClock(START)
    running = await start_bot(discord_server, db_path, clock=clock)
    words = "On the hard days, the smallest kindness from a coworker can carry you to the end of the shift."
    try:
        short = await (
            await discord_server.slash(
                "share-moment", user=discord_server.member, guild=guild, text="too short"
            )
        ).wait()
        assert short.ephemeral and "10 to 500" in text_of(short.data)
        shared = await (
            await discord_server.slash("share-moment", user=discord_server.member, guild=guild, text=words)
        ).wait()
        assert shared.ephemeral and "patient details" in text_of(shared.data)
        await (
            await discord_server.slash(
                "share-moment", user=discord_server.member, guild=guild, text="A second one, to be set aside."
            )
        ).wait()

        refused = await (
            await discord_server.slash("config review", user=discord_server.member, guild=guild)
        ).wait()
        assert refused.ephemeral and "Manage Server" in text_of(refused.data)

        review = await (
            await discord_server.slash("config review", user=discord_server.admin, guild=guild)
        ).wait()
        assert review.ephemeral and words in text_of(review.data)
        page = review.original
        approve = next(b for b in buttons_of(page) if b["label"] == "Approve")
        nope = await (
            await discord_server.click(page, approve["custom_id"], user=discord_server.member)
        ).wait()
        assert nope.ephemeral and "Manage Server" in text_of(nope.data)

        await running.stop()  # the buttons must still work after a restart
        running = await start_bot(discord_server, db_path, clock=clock)
        clicked = await (
            await discord_server.click(page, approve["custom_id"], user=discord_server.admin)
        ).wait()
        assert clicked.type == 7
        assert "Approved" in text_of(page) and "A second one" in text_of(page)
        reject = next(b for b in buttons_of(page) if b["label"] == "Reject")
        await (await discord_server.click(page, reject["custom_id"], user=discord_server.admin)).wait()
        assert "Nothing is waiting" in text_of(page)
        mentions = [r for r in discord_server.requests if "allowed_mentions" in str(r.body)]
        assert all('"parse": []' in str(r.body).replace("'", '"') for r in mentions)

        with sqlite3.connect(db_path) as conn:
            sub_id = conn.execute("SELECT id FROM moment_submissions WHERE status = 'approved'").fetchone()[0]
            # Leave only the approved moment unused in this server's cycle, so the next post must be it.
            conn.executemany(
                "INSERT INTO moment_rotation_used (guild_id, moment_key) VALUES (?, ?)",
                [(guild.id, m.key) for m in load_moments()],
            )
            conn.execute("INSERT INTO moment_rotation (guild_id, cycle) VALUES (?, 0)", (guild.id,))
        peek = await (
            await discord_server.slash("quietmoment", user=discord_server.member, guild=guild)
        ).wait()
        assert words in text_of(peek.data) and "next one" in text_of(peek.data)
        elsewhere = await (
            await discord_server.slash("quietmoment", user=discord_server.member, guild=other_guild)
        ).wait()
        assert words not in text_of(elsewhere.data)

        await configure(discord_server, guild)
        await settle(running)
        clock.set(DUE)
        await settle(running)
        await discord_server.wait_for(lambda: len(posts(discord_server, guild)) == 1)
        post = posts(discord_server, guild)[0]
        assert post["embeds"][0]["description"] == words
        assert "Shared by a member" in text_of(post) and str(discord_server.member.id) not in text_of(post)
        with sqlite3.connect(db_path) as conn:
            key = conn.execute(
                "SELECT moment_key FROM moment_posts WHERE guild_id = ?", (guild.id,)
            ).fetchone()[0]
        assert key == f"sub:{sub_id}"
    finally:
        await running.stop()
