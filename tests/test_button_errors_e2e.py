"""Every button shares one error path: a database or Discord error ends in a private, kind reply."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.testing import DiscordServer, Guild, RunningBot, buttons_of, text_of
from cogs._views import SOMETHING_WRONG


async def _to_delete_confirmation(server: DiscordServer, guild: Guild) -> tuple[dict, str]:
    member = server.member
    text = "Slow breaths at the nurses' station count as a break too."
    shared = await (await server.slash("share-moment", user=member, guild=guild, text=text)).wait()
    assert "Thank you for sharing this" in text_of(shared.data), text_of(shared.data)
    shown = await (await server.slash("mydata", user=member, guild=guild)).wait()
    assert buttons_of(shown.data), text_of(shown.data)
    ask = next(b for b in buttons_of(shown.data) if b["custom_id"] == "steady:mydata:ask")
    asked = await (await server.click(shown.original, ask["custom_id"], user=member)).wait()
    assert asked.original is not None
    return asked.original, "steady:mydata:yes"


async def test_database_error_in_a_button_gets_the_shared_private_reply(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    message, yes = await _to_delete_confirmation(discord_server, guild)
    with sqlite3.connect(db_path) as conn:  # the database breaks under the bot: a real SQLite error
        conn.execute("ALTER TABLE moment_submissions RENAME TO moment_submissions_away")
    failed = await (await discord_server.click(message, yes, user=discord_server.member)).wait()
    assert failed.ephemeral and text_of(failed.data) == SOMETHING_WRONG
    with sqlite3.connect(db_path) as conn:
        conn.execute("ALTER TABLE moment_submissions_away RENAME TO moment_submissions")
        assert conn.execute("SELECT COUNT(*) FROM moment_submissions").fetchone() == (1,), "nothing lost"
    again = await (await discord_server.click(message, yes, user=discord_server.member)).wait()
    assert "Everything Steady kept about you has been deleted" in text_of(again.data)


async def test_discord_error_in_a_button_gets_the_shared_private_reply(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    message, _ = await _to_delete_confirmation(discord_server, guild)
    discord_server.fail("POST", r"/interactions/\d+/[^/]+/callback", 400, 50035, message="Invalid Form Body")
    result = await (
        await discord_server.click(message, "steady:mydata:no", user=discord_server.member)
    ).wait()
    assert result.ephemeral and text_of(result.data) == SOMETHING_WRONG


async def test_database_error_in_a_self_check_click_gets_the_shared_private_reply(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    """Self-check buttons are click routes, not DynamicItems; they share the same error path."""
    member = discord_server.member
    await (await discord_server.slash("selfcheck", user=member, guild=guild)).final(timeout=15)
    await discord_server.wait_for(lambda: bool(discord_server.dm_messages(member)))
    message = discord_server.dm_messages(member)[-1]
    first = buttons_of(message)[0]["custom_id"]
    with sqlite3.connect(db_path) as conn:
        conn.execute("ALTER TABLE selfcheck_answers RENAME TO selfcheck_answers_away")
    failed = await (await discord_server.click(message, first, user=member)).wait()
    assert failed.ephemeral and text_of(failed.data) == SOMETHING_WRONG
    with sqlite3.connect(db_path) as conn:
        conn.execute("ALTER TABLE selfcheck_answers_away RENAME TO selfcheck_answers")
    again = await (await discord_server.click(message, first, user=member)).wait()
    assert again.type == 7 and "Question 2" in text_of(again.data)
