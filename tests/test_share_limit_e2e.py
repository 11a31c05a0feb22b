"""`/share-moment`'s daily limit holds even when one person's shares arrive at the same moment."""

from __future__ import annotations

import asyncio

from bot.moments.store import SHARES_PER_DAY
from bot.testing import DiscordServer, Guild, RunningBot, text_of


async def test_two_simultaneous_shares_past_the_limit_store_only_one(
    discord_server: DiscordServer, steady_on_fake_clock: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    for n in range(SHARES_PER_DAY - 1):
        text = f"Shift {n}: a quiet cup of tea before handover helps more than it should."
        await (await discord_server.slash("share-moment", user=member, guild=guild, text=text)).wait()
    texts = [f"Together {n}: you stayed kind on a long shift, and someone noticed." for n in range(2)]
    sent = await asyncio.gather(
        *[discord_server.slash("share-moment", user=member, guild=guild, text=t) for t in texts]
    )
    replies = [text_of((await r.wait()).data) for r in sent]
    row = await steady_on_fake_clock.bot.db.fetchone(
        "SELECT COUNT(*) AS n FROM moment_submissions WHERE author_id = ?", (member.id,)
    )
    assert row is not None and row["n"] == SHARES_PER_DAY, "the limit let both through"
    assert sum("Thank you for sharing this" in r for r in replies) == 1
    assert sum("moments a day" in r for r in replies) == 1
