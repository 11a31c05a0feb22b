"""Per-person limits: a kind message that says when to try again, measured on the bot's clock."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.testing import DiscordServer, Guild, RunningBot, text_of
from tests.conftest import FAKE_START


async def share(server: DiscordServer, guild: Guild, text: str) -> str:
    result = await (await server.slash("share-moment", user=server.member, guild=guild, text=text)).wait()
    return text_of(result.data)


async def test_share_moment_allows_three_a_day(
    discord_server: DiscordServer, steady_on_fake_clock: RunningBot, fake_clock: FakeClock, guild: Guild
) -> None:
    for n in range(3):
        reply = await share(
            discord_server, guild, f"Moment number {n}: the small things you noticed mattered."
        )
        assert "Thank you for sharing this" in reply
        fake_clock.advance(timedelta(hours=1))
    text = "One more, because today was a full and good day."
    refused = await share(discord_server, guild, text)
    again_at = int((FAKE_START + timedelta(days=1)).timestamp())
    assert "share again" in refused and f"<t:{again_at}:R>" in refused
    rows = await steady_on_fake_clock.bot.db.fetchall(
        "SELECT id FROM moment_submissions WHERE author_id = ?", (discord_server.member.id,)
    )
    assert len(rows) == 3
    fake_clock.advance(timedelta(hours=22))
    assert "Thank you for sharing this" in await share(discord_server, guild, text)


async def test_starting_the_selfcheck_is_gently_limited(
    discord_server: DiscordServer, steady_on_fake_clock: RunningBot, fake_clock: FakeClock, guild: Guild
) -> None:
    member = discord_server.member
    for _ in range(6):
        opened = await (await discord_server.slash("selfcheck", user=member, guild=guild)).final()
        assert "start it again" not in text_of(opened)
    paused = await (await discord_server.slash("selfcheck", user=member, guild=guild)).wait()
    assert paused.ephemeral and "start it again" in text_of(paused.data)
    fake_clock.advance(timedelta(minutes=10))
    opened = await (await discord_server.slash("selfcheck", user=member, guild=guild)).final()
    assert "start it again" not in text_of(opened)
