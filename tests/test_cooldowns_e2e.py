"""Per-person limits: a kind message that says when to try again, measured on the bot's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.testing import DiscordServer, Guild, start_bot, text_of


async def test_share_moment_allows_three_a_day(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    clock = FakeClock(datetime(2026, 5, 4, 9, tzinfo=UTC))
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        member = discord_server.member
        for n in range(3):
            text = f"Moment number {n}: the small things you noticed today mattered."
            ok = await (
                await discord_server.slash("share-moment", user=member, guild=guild, text=text)
            ).wait()
            assert "Thank you for sharing this" in text_of(ok.data)
            clock.advance(timedelta(hours=1))
        text = "One more, because today was a full and good day."
        refused = await (
            await discord_server.slash("share-moment", user=member, guild=guild, text=text)
        ).wait()
        assert refused.ephemeral and "share again" in text_of(refused.data)
        again_at = int((datetime(2026, 5, 5, 9, tzinfo=UTC)).timestamp())
        assert f"<t:{again_at}:R>" in text_of(refused.data)
        rows = await running.bot.db.fetchall(
            "SELECT id FROM moment_submissions WHERE author_id = ?", (member.id,)
        )
        assert len(rows) == 3
        clock.advance(timedelta(hours=22))
        ok = await (await discord_server.slash("share-moment", user=member, guild=guild, text=text)).wait()
        assert "Thank you for sharing this" in text_of(ok.data)
    finally:
        await running.stop()


async def test_starting_the_selfcheck_is_gently_limited(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    clock = FakeClock(datetime(2026, 5, 4, 9, tzinfo=UTC))
    running = await start_bot(discord_server, db_path, clock=clock)
    try:
        member = discord_server.member
        for _ in range(6):
            opened = await (await discord_server.slash("selfcheck", user=member, guild=guild)).final()
            assert "start it again" not in text_of(opened)
        paused = await (await discord_server.slash("selfcheck", user=member, guild=guild)).wait()
        assert paused.ephemeral and "start it again" in text_of(paused.data)
        clock.advance(timedelta(minutes=10))
        opened = await (await discord_server.slash("selfcheck", user=member, guild=guild)).final()
        assert "start it again" not in text_of(opened)
    finally:
        await running.stop()
