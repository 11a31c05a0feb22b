"""People own their data; servers that remove Steady are forgotten after 30 days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.privacy import GuildDataOwner, UserDataOwner
from bot.testing import DiscordServer, Guild, RunningBot, start_bot, text_of


async def test_every_feature_answers_for_its_data(steady: RunningBot) -> None:
    """A new feature cannot forget the delete hooks: it implements them or says it keeps nothing."""
    for name, cog in steady.bot.cogs.items():
        user_ok = isinstance(cog, UserDataOwner) or getattr(type(cog), "stores_user_data", None) is False
        assert user_ok, f"cog {name} must implement UserDataOwner or set stores_user_data = False"
        assert isinstance(cog, GuildDataOwner), f"cog {name} must implement delete_guild_data"


async def test_mydata_with_nothing_stored(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    result = await (await discord_server.slash("mydata", user=discord_server.member, guild=guild)).wait()
    assert result.ephemeral and "Nothing at all" in text_of(result.data)
    in_dm = await (await discord_server.slash("mydata", user=discord_server.member)).wait()
    assert in_dm.ephemeral and "Nothing at all" in text_of(in_dm.data)


async def region_of(bot: RunningBot, guild: Guild) -> str | None:
    row = await bot.bot.db.fetchone("SELECT region FROM guild_settings WHERE guild_id = ?", (guild.id,))
    return None if row is None else str(row["region"])


async def advance(clock: FakeClock, delta: timedelta) -> None:
    clock.advance(delta)
    for _ in range(20):
        await asyncio.sleep(0.01)


async def test_removed_server_kept_30_days_then_purged(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    clock = FakeClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        admin = discord_server.admin
        await (await discord_server.slash("config region", user=admin, guild=guild, region="IE")).wait()
        discord_server.remove_guild(guild)
        await discord_server.wait_for(lambda: running.bot.get_guild(guild.id) is None)
        await advance(clock, timedelta(days=29))
        assert await region_of(running, guild) == "IE"

        discord_server.readd_guild(guild)
        await discord_server.wait_for(lambda: running.bot.get_guild(guild.id) is not None)
        await asyncio.sleep(0.05)
        await advance(clock, timedelta(days=5))
        assert await region_of(running, guild) == "IE", "a re-add within 30 days keeps the settings"

        discord_server.remove_guild(guild)
        await discord_server.wait_for(lambda: running.bot.get_guild(guild.id) is None)
        await asyncio.sleep(0.05)
        await advance(clock, timedelta(days=29, hours=23))
        assert await region_of(running, guild) == "IE"
        await advance(clock, timedelta(hours=7))
        await discord_server.wait_for(lambda: True)
        for _ in range(50):
            if await region_of(running, guild) is None:
                break
            await asyncio.sleep(0.02)
        assert await region_of(running, guild) is None
    finally:
        await running.stop()


async def test_removal_while_offline_is_noticed(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    clock = FakeClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    running = await start_bot(discord_server, db_path, clock=clock)
    await (
        await discord_server.slash("config region", user=discord_server.admin, guild=guild, region="IN")
    ).wait()
    await running.stop()
    discord_server.left_guilds.add(guild.id)
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await asyncio.sleep(0.1)
        row = await running.bot.db.fetchone(
            "SELECT removed_at FROM guild_settings WHERE guild_id = ?", (guild.id,)
        )
        assert row is not None and row["removed_at"] is not None
    finally:
        await running.stop()
