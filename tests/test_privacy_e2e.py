"""People own their data; servers that remove Steady are forgotten after 30 days."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.privacy import GuildDataOwner, UserDataOwner
from bot.testing import DiscordServer, Guild, RunningBot, User, buttons_of, start_bot, text_of


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


async def presence(bot: RunningBot, guild: Guild) -> tuple[str | None] | None:
    row = await bot.bot.db.fetchone("SELECT removed_at FROM guild_presence WHERE guild_id = ?", (guild.id,))
    return None if row is None else (row["removed_at"],)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5) -> None:
    """Await a condition the bot reaches on its own (no fixed sleeps)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition was not reached in time")
        await asyncio.sleep(0.005)


async def purge_pass(bot: RunningBot, clock: FakeClock, delta: timedelta) -> None:
    """Move the clock and wait until the purge loop has run a pass at the new time."""
    cog = bot.bot.get_cog("Privacy")
    assert cog is not None
    before = cog.purge_passes  # type: ignore[attr-defined]
    clock.advance(delta)
    await eventually(lambda: _true(cog.purge_passes > before))  # type: ignore[attr-defined]


async def _true(value: bool) -> bool:
    return value


async def test_removed_server_kept_30_days_then_purged(
    discord_server: DiscordServer, steady_on_fake_clock: RunningBot, fake_clock: FakeClock, guild: Guild
) -> None:
    running, clock = steady_on_fake_clock, fake_clock
    admin = discord_server.admin
    await (await discord_server.slash("config region", user=admin, guild=guild, region="IE")).wait()
    discord_server.remove_guild(guild)
    await eventually(lambda: _removed(running, guild))
    await purge_pass(running, clock, timedelta(days=29))
    assert await region_of(running, guild) == "IE"

    discord_server.readd_guild(guild)
    await eventually(lambda: _present(running, guild))
    await purge_pass(running, clock, timedelta(days=5))
    assert await region_of(running, guild) == "IE", "a re-add within 30 days keeps the settings"
    status = await (await discord_server.slash("config status", user=admin, guild=guild)).wait()
    assert "kept 30 days" in text_of(status.data)

    discord_server.remove_guild(guild)
    await eventually(lambda: _removed(running, guild))
    await purge_pass(running, clock, timedelta(days=29, hours=23))
    assert await region_of(running, guild) == "IE"
    await purge_pass(running, clock, timedelta(hours=7))
    assert await region_of(running, guild) is None
    assert await presence(running, guild) is None


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
        await eventually(lambda: _removed(running, guild))
    finally:
        await running.stop()


async def test_server_with_no_settings_removed_while_offline_is_purged_after_30_days(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    """It never ran /config, so it has no guild_settings row; it is still recorded, noticed and purged."""
    clock = FakeClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    running = await start_bot(discord_server, db_path, clock=clock)
    text = "A calm hand on a hard night matters more than we say."
    await (
        await discord_server.slash("share-moment", user=discord_server.member, guild=guild, text=text)
    ).wait()
    await eventually(lambda: _present(running, guild))
    assert await region_of(running, guild) is None
    await running.stop()
    discord_server.left_guilds.add(guild.id)
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        await eventually(lambda: _removed(running, guild))
        await purge_pass(running, clock, timedelta(days=29))
        assert await running.bot.db.fetchone(
            "SELECT 1 FROM moment_submissions WHERE guild_id = ?", (guild.id,)
        )
        await purge_pass(running, clock, timedelta(days=1, hours=6))
        assert await presence(running, guild) is None
        gone = await running.bot.db.fetchone(
            "SELECT 1 FROM moment_submissions WHERE guild_id = ?", (guild.id,)
        )
        assert gone is None, "its shared moments are deleted after 30 days"
    finally:
        await running.stop()


async def _removed(bot: RunningBot, guild: Guild) -> bool:
    row = await presence(bot, guild)
    return row is not None and row[0] is not None


async def _present(bot: RunningBot, guild: Guild) -> bool:
    return await presence(bot, guild) == (None,)


def rows_mentioning(db_path: Path, user_id: int) -> list[str]:
    """Every row, in every table, that holds this id in any column."""
    found = []
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                if any(value == user_id or value == str(user_id) for value in row):
                    found.append(f"{table}: {row}")
    return found


async def finish_selfcheck(server: DiscordServer, guild: Guild, user: User) -> None:
    await (await server.slash("selfcheck", user=user, guild=guild)).final()
    for _ in range(40):
        message = server.dm_messages(user)[-1]
        answers = [b for b in buttons_of(message) if b["custom_id"].startswith("selfcheck:a:")]
        if not answers:
            return
        await (await server.click(message, answers[2]["custom_id"], user=user)).wait()
    raise AssertionError("the self-check did not finish")


async def test_mydata_shows_everything_and_deletes_every_row(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    member = discord_server.member
    await finish_selfcheck(discord_server, guild, member)
    await (await discord_server.slash("selfcheck", user=member, guild=guild)).final()
    text = "Coffee at 3 a.m. with the night team is its own kind of medicine."
    await (await discord_server.slash("share-moment", user=member, guild=guild, text=text)).wait()
    review = await (
        await discord_server.slash("config review", user=discord_server.admin, guild=guild)
    ).wait()
    approve = next(b for b in buttons_of(await review.final()) if "approve" in b["custom_id"])
    await (
        await discord_server.click(await review.final(), approve["custom_id"], user=discord_server.admin)
    ).wait()
    assert rows_mentioning(db_path, member.id)

    shown = await (await discord_server.slash("mydata", user=member)).wait()
    shown_text = text_of(shown.data)
    assert shown.ephemeral
    assert "Self-check" in shown_text or "self-check" in shown_text
    assert "moment" in shown_text.lower()
    ask = next(b for b in buttons_of(shown.original) if b["custom_id"] == "steady:mydata:ask")
    confirm = await (await discord_server.click(shown.original, ask["custom_id"], user=member)).wait()
    assert confirm.ephemeral and "can't be undone" in text_of(confirm.data)
    assert rows_mentioning(db_path, member.id), "nothing is deleted before the confirmation"
    yes = next(b for b in buttons_of(confirm.original) if b["custom_id"] == "steady:mydata:yes")
    done = await (await discord_server.click(confirm.original, yes["custom_id"], user=member)).wait()
    assert "deleted" in text_of(done.component_message or {})

    assert rows_mentioning(db_path, member.id) == []
    empty = await (await discord_server.slash("mydata", user=member, guild=guild)).wait()
    assert "Nothing at all" in text_of(empty.data)


async def delete_all(server: DiscordServer, user: User) -> None:
    shown = await (await server.slash("mydata", user=user)).wait()
    confirm = await (await server.click(shown.original, "steady:mydata:ask", user=user)).wait()
    await (await server.click(confirm.original, "steady:mydata:yes", user=user)).wait()


async def test_a_moderator_deleting_their_data_leaves_others_moments(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    admin, sam = discord_server.admin, discord_server.add_user("sam")
    text = "Some nights the bravest thing is staying kind. You did."
    await (await discord_server.slash("share-moment", user=sam, guild=guild, text=text)).wait()
    review = await (await discord_server.slash("config review", user=admin, guild=guild)).wait()
    approve = next(b for b in buttons_of(await review.final()) if "approve" in b["custom_id"])
    await (await discord_server.click(await review.final(), approve["custom_id"], user=admin)).wait()
    assert rows_mentioning(db_path, admin.id)
    await delete_all(discord_server, admin)
    assert rows_mentioning(db_path, admin.id) == []
    assert len(rows_mentioning(db_path, sam.id)) == 1, "sam's approved moment stays"
