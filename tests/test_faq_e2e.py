"""End to end: /faq and /config faq-add / faq-remove, through the local Discord server to the real bot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.faq import SERVER_ANSWER_MAX, SERVER_ENTRIES_MAX
from bot.testing import DiscordServer, Guild, InteractionResult, RunningBot, buttons_of, start_bot, text_of


async def test_autocomplete_partial_word_offers_education(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    choices = await discord_server.autocomplete(
        "faq", "question", user=discord_server.member, guild=guild, question="degr"
    )
    assert choices and choices[0]["value"] == "education"
    assert "degree" in choices[0]["name"].lower()
    empty = await discord_server.autocomplete("faq", "question", user=discord_server.member, question="")
    assert 10 <= len(empty) <= 25


async def test_free_text_about_stress_answers_privately_with_resources(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    result = await (
        await discord_server.slash(
            "faq", user=discord_server.member, guild=guild, question="is this job stressful?"
        )
    ).wait()
    text = text_of(result.data)
    assert result.type == 4 and result.ephemeral
    assert "stressful" in result.data["embeds"][0]["title"].lower()
    assert "/resources" in text
    assert buttons_of(result.data), "related topics come as buttons"


async def test_picked_topic_is_answered_in_the_channel(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    result = await (
        await discord_server.slash("faq", user=discord_server.member, guild=guild, question="education")
    ).wait()
    assert not result.ephemeral
    assert result.data["embeds"][0]["title"].startswith("Do I need a degree")
    assert result.data["allowed_mentions"]["parse"] == []


async def test_gibberish_gets_no_good_match_and_three_suggestions(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    result = await (
        await discord_server.slash("faq", user=discord_server.member, guild=guild, question="qwzx plorbt vvk")
    ).wait()
    assert result.ephemeral
    assert "couldn't find a good answer" in text_of(result.data)
    assert "/resources" in text_of(result.data)
    buttons = buttons_of(result.data)
    assert len(buttons) == 3 and all(b["custom_id"].startswith("steady:faq:") for b in buttons)


async def test_no_option_lists_topics_by_theme(discord_server: DiscordServer, steady: RunningBot) -> None:
    result = await (await discord_server.slash("faq", user=discord_server.member)).wait()
    assert result.ephemeral
    embed = result.data["embeds"][0]
    themes = [f["name"] for f in embed["fields"]]
    assert {"The role", "Getting started", "Wellbeing", "Growth"} <= set(themes)
    assert "Do I need a degree to become a mental health technician?" in text_of(result.data)


async def test_related_button_opens_topic_also_after_restart(
    discord_server: DiscordServer, db_path: Path, guild: Guild
) -> None:
    first = await start_bot(discord_server, db_path)
    try:
        answer = await (
            await discord_server.slash("faq", user=discord_server.member, guild=guild, question="education")
        ).wait()
        message = answer.original
        assert message is not None
        buttons = {b["custom_id"]: b["label"] for b in buttons_of(message)}
        assert "steady:faq:certification" in buttons
        clicked = await (
            await discord_server.click(message, "steady:faq:certification", user=discord_server.admin)
        ).wait()
        assert clicked.ephemeral and "certified" in clicked.data["embeds"][0]["title"]
    finally:
        await first.stop()
    second = await start_bot(discord_server, db_path)
    try:
        clicked = await (
            await discord_server.click(message, "steady:faq:first-job", user=discord_server.member)
        ).wait()
        assert clicked.type == 4 and clicked.ephemeral
        assert "first tech job" in clicked.data["embeds"][0]["title"]
    finally:
        await second.stop()


async def test_admin_entry_shows_in_that_server_only_and_can_be_removed(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, other_guild: Guild
) -> None:
    admin, member = discord_server.admin, discord_server.member
    added = await (
        await discord_server.slash(
            "config faq-add",
            user=admin,
            guild=guild,
            question="Where do we park for night shift?",
            answer="Use the staff lot behind building C; the gate code is on the break room board.",
        )
    ).wait()
    assert added.ephemeral and "Added" in text_of(added.data)

    choices = await discord_server.autocomplete("faq", "question", user=member, guild=guild, question="park")
    assert choices and choices[0]["name"] == "Where do we park for night shift?"
    key = choices[0]["value"]
    answer = await (
        await discord_server.slash("faq", user=member, guild=guild, question="parking night shift")
    ).wait()
    assert "staff lot behind building C" in text_of(answer.data)

    elsewhere = await discord_server.autocomplete(
        "faq", "question", user=member, guild=other_guild, question="park"
    )
    assert all(c["value"] != key for c in elsewhere)
    other = await (
        await discord_server.slash("faq", user=member, guild=other_guild, question="parking night shift")
    ).wait()
    assert "building C" not in text_of(other.data)
    dm = await (await discord_server.slash("faq", user=member, question=key)).wait()
    assert "building C" not in text_of(dm.data)

    own = await discord_server.autocomplete(
        "config faq-remove", "question", user=admin, guild=guild, question=""
    )
    assert [c["value"] for c in own] == [key]
    removed = await (
        await discord_server.slash("config faq-remove", user=admin, guild=guild, question=key)
    ).wait()
    assert removed.ephemeral and "Removed" in text_of(removed.data)
    gone = await (
        await discord_server.slash("faq", user=member, guild=guild, question="parking night shift")
    ).wait()
    assert "building C" not in text_of(gone.data)
    again = await (
        await discord_server.slash("config faq-remove", user=admin, guild=guild, question=key)
    ).wait()
    assert "couldn't find" in text_of(again.data)


async def test_member_cannot_add_entries(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    refused = await (
        await discord_server.slash(
            "config faq-add", user=discord_server.member, guild=guild, question="Free pizza?", answer="Yes!"
        )
    ).wait()
    assert refused.ephemeral and "Manage Server" in text_of(refused.data)
    assert steady.bot.get_cog("Faq").store.entries(guild.id) == ()  # type: ignore[union-attr]


async def test_overlong_answer_is_refused_with_a_clear_message(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    result = await (
        await discord_server.slash(
            "config faq-add",
            user=discord_server.admin,
            guild=guild,
            question="What is our handover routine?",
            answer="x" * (SERVER_ANSWER_MAX + 1),
        )
    ).wait()
    text = text_of(result.data)
    assert result.ephemeral and "1,001 characters" in text and "up to 1,000" in text
    row = await steady.bot.db.fetchone("SELECT COUNT(*) AS n FROM faq_server_entries")
    assert row is not None and row["n"] == 0


async def test_everyone_inside_a_server_answer_pings_nobody(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    admin, member = discord_server.admin, discord_server.member
    ping = f"@everyone @here <@{member.id}> <@&{guild.admin_role}>"
    added = await (
        await discord_server.slash(
            "config faq-add",
            user=admin,
            guild=guild,
            question=f"Who covers weekends {ping}",
            answer=f"Ask in the rota channel {ping}",
        )
    ).wait()
    assert added.data["allowed_mentions"]["parse"] == []
    answer = await (
        await discord_server.slash("faq", user=member, guild=guild, question="who covers weekends")
    ).wait()
    assert "@everyone" in text_of(answer.data)
    mentions = answer.data["allowed_mentions"]
    assert mentions["parse"] == [] and not mentions.get("users") and not mentions.get("roles")
    assert "@everyone" not in (answer.data.get("content") or "")


async def test_index_stays_within_discord_limits_with_a_full_server(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    admin = discord_server.admin
    for i in range(SERVER_ENTRIES_MAX):
        question = (
            f"Question {i:02d} about our unit's routines, rotas, parking, lockers and study groups "
            + "x" * 20
        )
        result = await (
            await discord_server.slash(
                "config faq-add", user=admin, guild=guild, question=question, answer="Yes."
            )
        ).wait()
        assert "Added" in text_of(result.data)
    full = await (
        await discord_server.slash(
            "config faq-add", user=admin, guild=guild, question="One more?", answer="No."
        )
    ).wait()
    assert f"already has {SERVER_ENTRIES_MAX}" in text_of(full.data)
    index = await (await discord_server.slash("faq", user=discord_server.member, guild=guild)).wait()
    embed = index.data["embeds"][0]
    assert embed["fields"][0]["name"] == "From this server"
    assert "more: start typing" in embed["fields"][0]["value"]
    assert any(f["name"] == "Growth" for f in embed["fields"]), "the built-in themes still show"
    assert not discord_server.violations
    choices = await discord_server.autocomplete(
        "faq", "question", user=discord_server.member, guild=guild, question=""
    )
    assert len(choices) == 25


# --- issue 13: the working technician's topics, the answer policy, the repeat rule, replacing built-ins


async def ask(server: DiscordServer, guild: Guild | None, question: str) -> InteractionResult:
    """/faq from the ordinary member, waited for."""
    return await (await server.slash("faq", user=server.member, guild=guild, question=question)).wait()


async def test_a_new_topic_is_answered_in_the_channel_with_its_sources(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    result = await ask(discord_server, guild, "what is CPI training")
    assert result.type == 4 and not result.ephemeral
    embed = result.data["embeds"][0]
    assert embed["title"] == "What training do techs get: CPR, BLS and de-escalation?"
    sources = next(f for f in embed["fields"] if f["name"] == "Check the official pages")
    assert "https://www.bls.gov/" in sources["value"]


async def test_an_unsure_question_is_answered_privately_with_choices_and_picking_one_answers(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    result = await (
        await discord_server.slash("faq", user=member, guild=guild, question="night shift tips")
    ).wait()
    assert result.ephemeral and "not sure I understood" in text_of(result.data)
    assert not result.data.get("embeds"), "no answer is posted while unsure"
    buttons = [b["custom_id"] for b in buttons_of(result.data)]
    assert {"steady:faq:shift-work", "steady:faq:night-sleep"} <= set(buttons)
    assert result.original is not None
    picked = await (await discord_server.click(result.original, "steady:faq:night-sleep", user=member)).wait()
    assert picked.type == 4 and picked.ephemeral
    assert picked.data["embeds"][0]["title"] == "How do I sleep well around night shifts?"
    assert "/resources" in text_of(picked.data)


async def test_the_same_answer_again_within_minutes_goes_privately_with_a_link(
    discord_server: DiscordServer, steady_on_fake_clock: RunningBot, guild: Guild, fake_clock: FakeClock
) -> None:
    general, other = guild.channel("general"), guild.channel("quiet-moments")
    ask = "can techs give meds"

    async def faq(user: object, channel: object) -> InteractionResult:
        return await (
            await discord_server.slash("faq", user=user, guild=guild, channel=channel, question=ask)
        ).wait()

    first = await faq(discord_server.member, general)
    assert not first.ephemeral and first.original is not None
    link = f"https://discord.com/channels/{guild.id}/{general.id}/{first.original['id']}"
    fake_clock.advance(timedelta(minutes=3))
    again = await faq(discord_server.admin, general)
    assert again.ephemeral and link in text_of(again.data)
    assert again.data["embeds"][0]["title"] == first.data["embeds"][0]["title"], "the answer still comes"
    elsewhere = await faq(discord_server.admin, other)
    assert not elsewhere.ephemeral, "another channel gets its own answer"
    fake_clock.advance(timedelta(minutes=5))
    later = await faq(discord_server.admin, general)
    assert not later.ephemeral, "after a few minutes the answer is posted again"
    assert [m["id"] for m in discord_server.messages[general.id]] == [
        first.original["id"],
        later.original["id"],
    ]


async def test_a_server_entry_replaces_a_builtin_and_removing_it_brings_the_builtin_back(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    admin, member = discord_server.admin, discord_server.member
    title = "Do I need a degree to become a mental health technician?"
    added = await (
        await discord_server.slash(
            "config faq-add",
            user=admin,
            guild=guild,
            question=title,
            answer="Here at Riverside we train you.",
        )
    ).wait()
    assert added.ephemeral and "replaces the built-in topic" in text_of(added.data)

    choices = await discord_server.autocomplete("faq", "question", user=member, guild=guild, question="degr")
    assert [c["name"] for c in choices].count(title) == 1, "one title in autocomplete, not two"
    key = next(c["value"] for c in choices if c["name"] == title)
    assert key.startswith("g:")
    answer = await (
        await discord_server.slash("faq", user=member, guild=guild, question="do i need a degree")
    ).wait()
    assert "Riverside" in text_of(answer.data)
    related = await (await discord_server.slash("faq", user=member, guild=guild, question="education")).wait()
    assert "Riverside" in text_of(related.data), "the built-in's key opens the server's answer"
    elsewhere = await (await discord_server.slash("faq", user=member, question="do i need a degree")).wait()
    assert "Riverside" not in text_of(elsewhere.data)

    removed = await (
        await discord_server.slash("config faq-remove", user=admin, guild=guild, question=key)
    ).wait()
    assert "built-in answer" in text_of(removed.data) and "is back" in text_of(removed.data)
    choices = await discord_server.autocomplete("faq", "question", user=member, guild=guild, question="degr")
    assert choices[0]["value"] == "education"
    back = await (
        await discord_server.slash("faq", user=member, guild=guild, question="do i need a degree")
    ).wait()
    assert "Riverside" not in text_of(back.data) and back.data["embeds"][0]["title"] == title
