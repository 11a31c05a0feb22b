"""End to end, issue 14: the member rough edges in the self-check and /mydata, through the local
Discord server with the real bot."""

from __future__ import annotations

from pathlib import Path

from bot.testing import DiscordServer, Guild, RunningBot, text_of
from tests.test_selfcheck_e2e import CONTENT, TOTAL, _answer_from, _button, _click


async def test_every_answer_almost_always_gets_a_result_written_for_it(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    member = discord_server.member
    await (await discord_server.slash("selfcheck", user=member)).wait()
    dm = discord_server.dm_messages(member)[0]
    intro = text_of(dm)
    assert f"rate {TOTAL} statements" in intro and "{count}" not in intro
    assert "No one in the server sees your answers" in intro and "/mydata" in intro
    assert "Only you see your answers" not in intro
    await _answer_from(discord_server, dm, member, 0, [3] * TOTAL)
    result = text_of(dm)
    assert CONTENT.all_strengths is not None
    assert CONTENT.all_strengths.title in result and CONTENT.all_strengths.reflection in result
    assert "areas to grow below" not in result and "No area stood out" not in result
    assert "/resources" in result and "not a diagnosis" in result
    shown = text_of((await (await discord_server.slash("mydata", user=member)).wait()).data)
    assert CONTENT.all_strengths.title in shown and "No area to grow stood out" in shown


async def test_closed_dms_and_resume_need_one_press(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    discord_server.closed_dms.add(member.id)
    first = await (await discord_server.slash("selfcheck", user=member, guild=guild)).final(timeout=15)
    await _click(discord_server, first, "Take it here", member)
    await _click(discord_server, first, CONTENT.labels[2], member)
    assert f"Question 2 of {TOTAL}" in text_of(first)

    offer = await (await discord_server.slash("selfcheck", user=member, guild=guild)).wait()
    page = offer.original
    assert page is not None and "with 1 answer saved" in text_of(page)
    await discord_server.click(page, _button(page, "Resume"), user=member)
    await discord_server.wait_for(lambda: "Question 2 of" in text_of(page), timeout=15)
    assert "Take it here" not in text_of(page) and "couldn't send you a direct message" in text_of(page)
    clicked = await _click(discord_server, page, CONTENT.labels[1], member)
    assert clicked.type == 7 and f"Question 3 of {TOTAL}" in text_of(page)


async def test_no_resume_offer_when_nothing_was_answered(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    await (await discord_server.slash("selfcheck", user=member, guild=guild)).final(timeout=15)
    again = await (await discord_server.slash("selfcheck", user=member, guild=guild)).final(timeout=15)
    assert "Resume" not in text_of(again) and "Start over" not in text_of(again)
    assert len(discord_server.dm_messages(member)) == 2
    assert f"Question 1 of {TOTAL}" in text_of(discord_server.dm_messages(member)[-1])


async def test_mydata_speaks_in_words(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    member = discord_server.member
    await (await discord_server.slash("selfcheck", user=member)).wait()
    dm = discord_server.dm_messages(member)[0]
    await _answer_from(discord_server, dm, member, 0, [2] * (TOTAL - 1) + [0])
    await (
        await discord_server.slash(
            "share-moment", user=member, guild=guild, text="Small steady kindness is still kindness."
        )
    ).wait()
    shown = text_of((await (await discord_server.slash("mydata", user=member)).wait()).data)
    band = next(b for b in CONTENT.bands if b.key == "promising")
    assert band.title in shown and "Strengths: patience with people in distress" in shown
    assert "Areas to grow: calm in a crisis" in shown
    assert "1 waiting for review" in shown and "The 1 quiet moment you shared" in shown
    for inside in ("band", "'promising'", "shift_work", "/3", "pending", "(s)"):
        assert inside not in shown, inside
