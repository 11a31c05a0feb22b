"""End to end: /resources and /config region, through the local Discord server."""

from __future__ import annotations

from pathlib import Path

from bot.testing import DiscordServer, Guild, RunningBot, start_bot, text_of
from tests.care_helpers import assert_nothing_public, picker_of


async def test_bot_logs_in_syncs_and_starts_at_international_lines(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    names = {c["name"] for c in discord_server.app.global_commands}
    assert {"resources", "config"} <= names
    result = await discord_server.slash("resources", user=discord_server.member, guild=guild)
    await result.wait()
    assert result.type == 4
    assert result.ephemeral
    text = text_of(result.data)
    assert "International" in text and "findahelpline.com" in text and "988" not in text
    assert picker_of(result.data) is not None, "an unset region offers a picker"
    assert "Checked 01 December 2026" in text
    assert_nothing_public(discord_server, guild)


async def test_admin_switches_region_and_member_is_refused(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, other_guild: Guild
) -> None:
    admin, member = discord_server.admin, discord_server.member
    refused = await (
        await discord_server.slash("config region", user=member, guild=guild, region="UK")
    ).wait()
    assert refused.ephemeral and "Manage Server" in text_of(refused.data)
    still_intl = await (await discord_server.slash("resources", user=member, guild=guild)).wait()
    assert "International" in text_of(still_intl.data)

    done = await (await discord_server.slash("config region", user=admin, guild=guild, region="UK")).wait()
    assert done.ephemeral and "United Kingdom" in text_of(done.data)
    uk = await (await discord_server.slash("resources", user=member, guild=guild)).wait()
    text = text_of(uk.data)
    assert "116 123" in text and "988" not in text and "0808 808 8000" in text
    assert picker_of(uk.data) is None
    elsewhere = await (await discord_server.slash("resources", user=member, guild=other_guild)).wait()
    assert "International" in text_of(elsewhere.data)


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
