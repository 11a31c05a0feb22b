"""End to end: /faq and /config faq-add / faq-remove, through the local Discord server to the real bot."""

from __future__ import annotations

from pathlib import Path

from bot.faq import SERVER_ANSWER_MAX, SERVER_ENTRIES_MAX
from bot.testing import DiscordServer, Guild, RunningBot, buttons_of, start_bot, text_of


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
