"""End to end: /resources and /config region, through the local Discord server."""

from __future__ import annotations

from pathlib import Path

from bot.testing import DiscordServer, Guild, RunningBot, start_bot, text_of


async def test_bot_logs_in_syncs_and_answers_resources(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    names = {c["name"] for c in discord_server.app.global_commands}
    assert {"resources", "config"} <= names
    result = await discord_server.slash("resources", user=discord_server.member, guild=guild)
    await result.wait()
    assert result.type == 4
    assert result.ephemeral
    assert "988" in text_of(result.data)


async def test_admin_switches_region_and_member_is_refused(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, other_guild: Guild
) -> None:
    admin, member = discord_server.admin, discord_server.member
    refused = await (
        await discord_server.slash("config region", user=member, guild=guild, region="UK")
    ).wait()
    assert refused.ephemeral and "Manage Server" in text_of(refused.data)
    still_us = await (await discord_server.slash("resources", user=member, guild=guild)).wait()
    assert "988" in text_of(still_us.data)

    done = await (await discord_server.slash("config region", user=admin, guild=guild, region="UK")).wait()
    assert done.ephemeral and "United Kingdom" in text_of(done.data)
    uk = await (await discord_server.slash("resources", user=member, guild=guild)).wait()
    assert "116 123" in text_of(uk.data) and "988" not in text_of(uk.data)
    elsewhere = await (await discord_server.slash("resources", user=member, guild=other_guild)).wait()
    assert "988" in text_of(elsewhere.data)


async def test_resources_in_dm_shows_default_and_how_servers_choose(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    result = await (await discord_server.slash("resources", user=discord_server.member)).wait()
    assert result.ephemeral
    assert "988" in text_of(result.data) and "/config region" in text_of(result.data)


async def test_region_survives_restart(discord_server: DiscordServer, db_path: Path, guild: Guild) -> None:
    first = await start_bot(discord_server, db_path)
    await (
        await discord_server.slash("config region", user=discord_server.admin, guild=guild, region="AU")
    ).wait()
    await first.stop()
    second = await start_bot(discord_server, db_path)
    try:
        result = await (
            await discord_server.slash("resources", user=discord_server.member, guild=guild)
        ).wait()
        assert "13 11 14" in text_of(result.data)
    finally:
        await second.stop()
