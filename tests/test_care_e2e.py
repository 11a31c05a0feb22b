"""End to end: words of distress meet crisis lines, privately, in the person's own region."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.testing import DiscordServer, Guild, RunningBot, buttons_of, start_bot, text_of
from cogs._care import CARE_CHOICE, CARE_CHOICE_NAME, WORK_POINTER
from tests.care_helpers import assert_nothing_public, picker_of, public_messages

DISTRESS_SHARE = "honestly I can't go on anymore and I want to die, every shift is too much"


async def ask(server: DiscordServer, guild: Guild | None, question: str):
    result = await server.slash("faq", user=server.member, guild=guild, question=question)
    return await result.wait()


async def test_faq_with_distress_gets_the_lines_first_privately(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    mine = await ask(discord_server, guild, "I want to die")
    assert mine.ephemeral
    first = mine.data["embeds"][0]
    assert first["title"] == "You don't have to carry this alone"
    assert "findahelpline.com" in first["description"] and "112" in first["description"]
    assert picker_of(mine.data) is not None, "no region known yet: a picker comes with the lines"

    await (
        await discord_server.slash("config region", user=discord_server.admin, guild=guild, region="US")
    ).wait()
    for words in ("i'm not safe right now", "thinking about killing myself", "I took too many pills", "kms"):
        reply = await ask(discord_server, guild, words)
        card = reply.data["embeds"][0]["description"]
        assert reply.ephemeral, words
        assert "Call 988" in card and "Text HOME to 741741" in card and "Call 911" in card, words
        assert picker_of(reply.data) is None
    assert_nothing_public(discord_server, guild)


async def test_faq_about_someone_else_says_how_to_help_them(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    await (
        await discord_server.slash("config region", user=discord_server.admin, guild=guild, region="UK")
    ).wait()
    reply = await ask(discord_server, guild, "my friend says she wants to kill herself what do i do")
    assert reply.ephemeral
    card = reply.data["embeds"][0]
    assert card["title"] == "When someone you care about may be in danger"
    assert "Call 116 123" in card["description"] and "999" in card["description"]
    assert "together" in card["description"]
    assert_nothing_public(discord_server, guild)


async def test_work_question_in_the_same_words_gets_an_answer_and_a_pointer(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    reply = await ask(discord_server, guild, "a patient told me they want to die, what do I do")
    assert reply.ephemeral
    assert WORK_POINTER in (reply.data.get("content") or "")
    assert all(e.get("title") != "You don't have to carry this alone" for e in reply.data.get("embeds", []))
    assert_nothing_public(discord_server, guild)


async def test_autocomplete_offers_someone_to_talk_to_first(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    choices = await discord_server.autocomplete(
        "faq", "question", user=member, guild=guild, question="i just want to end it all"
    )
    assert choices[0] == {"name": CARE_CHOICE_NAME, "value": CARE_CHOICE}
    ordinary = await discord_server.autocomplete(
        "faq", "question", user=member, guild=guild, question="do I need a degree"
    )
    assert all(c["value"] != CARE_CHOICE for c in ordinary)
    picked = await ask(discord_server, guild, choices[0]["value"])
    assert picked.ephemeral and picked.data["embeds"][0]["title"] == "You don't have to carry this alone"
    assert_nothing_public(discord_server, guild)


def submission_rows(db_path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT text, status, care FROM moment_submissions ORDER BY id").fetchall()


async def test_share_held_marked_and_moderators_told_without_the_words(
    discord_server: DiscordServer,
    steady_on_fake_clock: RunningBot,
    fake_clock: FakeClock,
    guild: Guild,
    db_path: Path,
) -> None:
    admin, member = discord_server.admin, discord_server.member
    mods = guild.channel("general")
    discord_server.set_bot_can_send(mods, False)
    refused = await (
        await discord_server.slash("config mod-channel", user=admin, guild=guild, channel_=mods)
    ).wait()
    assert refused.ephemeral and "Send Messages" in text_of(refused.data)
    discord_server.set_bot_can_send(mods, True)
    await asyncio.sleep(0.05)
    done = await (
        await discord_server.slash("config mod-channel", user=admin, guild=guild, channel_=mods)
    ).wait()
    assert done.ephemeral and "never post what people wrote" in text_of(done.data)

    shared = await (
        await discord_server.slash("share-moment", user=member, guild=guild, text=DISTRESS_SHARE)
    ).wait()
    assert shared.ephemeral
    assert shared.data["embeds"][0]["title"] == "You don't have to carry this alone"
    assert "waits for a moderator" in shared.data["content"]
    assert submission_rows(db_path) == [(DISTRESS_SHARE, "pending", 1)]

    await discord_server.wait_for(lambda: len(discord_server.channel_messages(mods)) == 1)
    notice = discord_server.channel_messages(mods)[0]
    assert "marked for care" in notice["content"] and f"<@{member.id}>" in notice["content"]
    assert DISTRESS_SHARE[:20] not in str(notice) and notice["allowed_mentions"]["parse"] == []
    button = buttons_of(notice)[0]

    not_mod = await (await discord_server.click(notice, button["custom_id"], user=member)).wait()
    assert not_mod.ephemeral and "Manage Server" in text_of(not_mod.data)
    review = await (await discord_server.click(notice, button["custom_id"], user=admin)).wait()
    page = text_of(review.data)
    assert review.ephemeral and "Marked for care" in page and "patient details" in page

    calm = "Coffee at 3 a.m. with the night team is its own kind of medicine."
    fake_clock.advance(timedelta(minutes=1))
    await (await discord_server.slash("share-moment", user=admin, guild=guild, text=calm)).wait()
    await asyncio.sleep(0.1)
    assert len(discord_server.channel_messages(mods)) == 1, "at most one notice every few hours"
    fake_clock.advance(timedelta(hours=4, minutes=20))
    await discord_server.wait_for(lambda: len(discord_server.channel_messages(mods)) == 2)
    waiting = discord_server.channel_messages(mods)[1]
    assert "2 shared moments are waiting" in waiting["content"] and calm[:20] not in str(waiting)
    assert public_messages(discord_server, guild, except_channel="general") == []
    assert_nothing_public(discord_server, guild, except_channel="general")


async def test_dm_picker_keeps_working_after_a_restart(discord_server: DiscordServer, db_path: Path) -> None:
    member = discord_server.member
    first = await start_bot(discord_server, db_path)
    try:
        shown = await (await discord_server.slash("resources", user=member)).wait()
        assert shown.ephemeral and "International" in text_of(shown.data)
        picker = picker_of(shown.data)
        assert picker is not None and {o["value"] for o in picker["options"]} >= {"UK", "IE", "INTL"}
    finally:
        await first.stop()
    second = await start_bot(discord_server, db_path)
    try:
        assert shown.original is not None
        chosen = await (
            await discord_server.select(shown.original, picker["custom_id"], ["IE"], user=member)
        ).wait()
        assert chosen.type == 7, "the picker answered after the restart"
        assert "116 123" in text_of(chosen.component_message or {})
        again = await (await discord_server.slash("resources", user=member)).wait()
        assert "Ireland" in text_of(again.data) and picker_of(again.data) is None
    finally:
        await second.stop()


async def test_members_region_is_remembered_then_deleted_by_mydata(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    admin, member = discord_server.admin, discord_server.member
    await (await discord_server.slash("config region", user=admin, guild=guild, region="US")).wait()
    chosen = await (await discord_server.slash("resources", user=member, guild=guild, region="UK")).wait()
    assert chosen.ephemeral and "116 123" in text_of(chosen.data) and "remember" in text_of(chosen.data)
    later = await (await discord_server.slash("resources", user=member, guild=guild)).wait()
    assert "116 123" in text_of(later.data) and "988" not in text_of(later.data)
    card = await ask(discord_server, guild, "i want to kill myself")
    assert "116 123" in text_of(card.data), "the crisis card follows the person's own region"

    shown = await (await discord_server.slash("mydata", user=member)).wait()
    assert "United Kingdom" in text_of(shown.data)
    confirm = await (await discord_server.click(shown.original, "steady:mydata:ask", user=member)).wait()
    await (await discord_server.click(confirm.original, "steady:mydata:yes", user=member)).wait()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM user_regions").fetchone() == (0,)
    back = await (await discord_server.slash("resources", user=member, guild=guild)).wait()
    assert "988" in text_of(back.data), "after deletion the server's region applies again"
    assert_nothing_public(discord_server, guild)


async def test_unset_server_reminds_admins_to_choose_a_region(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    admin = discord_server.admin
    status = await (await discord_server.slash("config status", user=admin, guild=guild)).wait()
    assert "Not chosen yet" in text_of(status.data) and "/config region" in text_of(status.data)
    moments = await (
        await discord_server.slash(
            "config moments",
            user=admin,
            guild=guild,
            channel_=guild.channel("quiet-moments"),
            time="09:00",
            timezone="Europe/London",
        )
    ).wait()
    assert "/config region" in text_of(moments.data)
    await (await discord_server.slash("config region", user=admin, guild=guild, region="NZ")).wait()
    status = await (await discord_server.slash("config status", user=admin, guild=guild)).wait()
    assert "New Zealand" in text_of(status.data) and "Not chosen yet" not in text_of(status.data)
    assert "/config mod-channel" in text_of(status.data)


async def test_any_text_gets_a_prompt_private_answer(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    """Emoji, control characters, other scripts, right-to-left marks: every /faq gets an answer in time."""
    rng = random.Random(11)
    alphabet = "abc xyz I want to die 😀🙂💔 \u202e\u200b\x07 дом 家 حياة ñ é ß ½ ॐ \t\n"
    for _ in range(20):
        text = "".join(rng.choices(alphabet, k=rng.randint(1, 200))).strip() or "x"
        result = await ask(discord_server, guild, text)
        assert result.answered_at is not None and result.answered_at - result.sent_at < 3, text
        if result.data.get("embeds") and result.data["embeds"][0].get("title", "").startswith("You don't"):
            assert result.ephemeral
    assert all("You don't have to carry" not in text_of(m) for m in public_messages(discord_server, guild))


async def test_a_notice_that_cannot_be_posted_is_retried_later_not_in_a_loop(
    discord_server: DiscordServer, steady_on_fake_clock: RunningBot, fake_clock: FakeClock, guild: Guild
) -> None:
    admin, member = discord_server.admin, discord_server.member
    mods = guild.channel("general")
    await (await discord_server.slash("config mod-channel", user=admin, guild=guild, channel_=mods)).wait()
    discord_server.set_bot_can_send(mods, False)
    await asyncio.sleep(0.05)
    text = "Some nights the bravest thing is staying kind to yourself."
    await (await discord_server.slash("share-moment", user=member, guild=guild, text=text)).wait()

    def attempts() -> int:
        return len(discord_server.requests_to("POST", rf"/channels/{mods.id}/messages"))

    await discord_server.wait_for(lambda: attempts() >= 1)
    await asyncio.sleep(0.3)
    assert attempts() == 1, "a refused notice is not retried straight away"
    discord_server.set_bot_can_send(mods, True)
    fake_clock.advance(timedelta(minutes=16))
    await discord_server.wait_for(lambda: len(discord_server.channel_messages(mods)) == 1)
    notice = discord_server.channel_messages(mods)[0]
    assert attempts() == 2 and "1 shared moment is waiting" in notice["content"]
