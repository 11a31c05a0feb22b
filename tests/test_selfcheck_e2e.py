"""End to end: the self-check through the local Discord server, with the real bot (in process or killed)."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

from bot.selfcheck import load_selfcheck
from bot.selfcheck.screens import intro_text
from bot.testing import (
    BotProcess,
    DiscordServer,
    Guild,
    InteractionResult,
    RunningBot,
    User,
    buttons_of,
    text_of,
)

CONTENT = load_selfcheck()
TOTAL = CONTENT.total
VALUES = [3, 2, 3, 1, 2, 3, 0, 2, 3, 3, 2, 1, 3, 2]


def _rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def _button(message: dict[str, Any], label: str) -> str:
    for button in buttons_of(message):
        if button.get("label") == label:
            return str(button["custom_id"])
    raise AssertionError(f"no {label!r} button in {text_of(message)!r}")


async def _click(server: DiscordServer, message: dict[str, Any], label: str, user: User) -> InteractionResult:
    result = await server.click(message, _button(message, label), user=user)
    return await result.wait(timeout=15)


async def _answer_from(
    server: DiscordServer, message: dict[str, Any], user: User, start: int, values: list[int] = VALUES
) -> None:
    """Answer questions ``start``.. to the end on one message, checking each edit shows the next question."""
    for q in range(start, TOTAL):
        text = text_of(message)
        assert f"Question {q + 1} of {TOTAL}" in text, text
        assert CONTENT.statements[q].text in text
        result = await _click(server, message, CONTENT.labels[values[q]], user)
        assert result.type == 7, result.callback


def _assert_result(message: dict[str, Any], values: list[int] = VALUES) -> None:
    text = text_of(message)
    share = sum(values) / (3 * TOTAL)
    band = next(b for b in CONTENT.bands if share >= b.min)
    assert band.title in text and band.reflection in text
    assert CONTENT.disclaimer in text and "/resources" in text
    assert "Strengths" in text and "Areas to grow" in text
    assert any(s.text in text for s in CONTENT.next_steps if s.kind == "education")
    assert [b["label"] for b in buttons_of(message)] == ["Retake"]


async def _start_in_guild(
    server: DiscordServer, guild: Guild, user: User
) -> tuple[dict[str, Any], dict[str, Any]]:
    result = await server.slash("selfcheck", user=user, guild=guild)
    ack = await result.final(timeout=15)
    assert result.ephemeral
    await server.wait_for(lambda: bool(server.dm_messages(user)))
    return ack, server.dm_messages(user)[-1]


async def test_guild_command_sends_every_statement_to_dms_and_ends_with_the_result(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    member = discord_server.member
    ack, dm = await _start_in_guild(discord_server, guild, member)
    assert "DMs" in text_of(ack)
    assert [b.get("url", "").split("/")[-1] for b in buttons_of(ack)] == [dm["id"]]
    assert intro_text(CONTENT) in text_of(dm) and "▱" in text_of(dm)
    assert [b["label"] for b in buttons_of(dm)] == [*CONTENT.labels, "Back"]
    assert buttons_of(dm)[-1].get("disabled") is True
    await _answer_from(discord_server, dm, member, 0)
    _assert_result(dm)
    assert len(discord_server.dm_messages(member)) == 1, "every click edits the same message"
    assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_answers") == [(0,)]
    assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_runs") == [(0,)]
    (scores,) = _rows(db_path, "SELECT scores FROM selfcheck_results WHERE user_id = ?", (member.id,))
    assert '"patience": [5, 6]' in scores[0]


async def test_progress_and_back(discord_server: DiscordServer, steady: RunningBot, guild: Guild) -> None:
    member = discord_server.member
    _, dm = await _start_in_guild(discord_server, guild, member)
    for q in range(3):
        await _click(discord_server, dm, CONTENT.labels[VALUES[q]], member)
    text = text_of(dm)
    assert f"Question 4 of {TOTAL}" in text and "▰▰▰▱" in text and f"3/{TOTAL}" in text
    back = await _click(discord_server, dm, "Back", member)
    assert back.type == 7
    assert f"Question 3 of {TOTAL}" in text_of(dm)
    chosen = [b for b in buttons_of(dm) if b.get("style") == 1]
    assert [b["label"] for b in chosen] == [CONTENT.labels[VALUES[2]]]
    await _answer_from(discord_server, dm, member, 2)
    _assert_result(dm)


async def test_sigkill_after_third_answer_then_fourth_click_on_same_message(
    discord_server: DiscordServer, guild: Guild, tmp_path: Path
) -> None:
    db_path = tmp_path / "steady.sqlite3"
    member = discord_server.member
    bot = BotProcess(discord_server, db_path)
    try:
        await bot.start()
        _, dm = await _start_in_guild(discord_server, guild, member)
        for q in range(3):
            await _click(discord_server, dm, CONTENT.labels[VALUES[q]], member)
        await bot.kill()
        assert _rows(db_path, "SELECT question_index, value FROM selfcheck_answers ORDER BY 1") == [
            (q, VALUES[q]) for q in range(3)
        ]
        await bot.start()
        await _answer_from(discord_server, dm, member, 3)
        _assert_result(dm)
        assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_answers") == [(0,)]
        (scores,) = _rows(db_path, "SELECT scores FROM selfcheck_results")
        import json

        assert sum(p for p, _ in json.loads(scores[0]).values()) == sum(VALUES)
    finally:
        await bot.ensure_stopped()
    assert "Traceback" not in bot.log()


async def test_selfcheck_mid_run_offers_resume_which_works(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    _, first = await _start_in_guild(discord_server, guild, member)
    for q in range(2):
        await _click(discord_server, first, CONTENT.labels[VALUES[q]], member)
    again = await (await discord_server.slash("selfcheck", user=member, guild=guild)).wait()
    offer = again.original
    assert again.ephemeral and offer is not None
    assert f"question 3 of {TOTAL}" in text_of(offer) and "2 answers saved" in text_of(offer)
    resumed = await _click(discord_server, offer, "Resume", member)
    assert resumed.type == 6
    await discord_server.wait_for(lambda: "sent the self-check" in text_of(offer))
    assert len(discord_server.dm_messages(member)) == 2 and "Resume" not in text_of(offer)
    dm = discord_server.dm_messages(member)[-1]
    assert intro_text(CONTENT) not in text_of(dm)
    await _answer_from(discord_server, dm, member, 2)
    _assert_result(dm)


async def test_start_over_replaces_the_run_and_old_message_is_handled_kindly(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild
) -> None:
    member = discord_server.member
    _, first = await _start_in_guild(discord_server, guild, member)
    await _click(discord_server, first, CONTENT.labels[1], member)
    offer = (await (await discord_server.slash("selfcheck", user=member, guild=guild)).wait()).original
    assert offer is not None
    double = copy.deepcopy(offer)
    await _click(discord_server, offer, "Start over", member)
    await discord_server.wait_for(lambda: len(discord_server.dm_messages(member)) == 2)
    fresh = discord_server.dm_messages(member)[-1]
    assert f"Question 1 of {TOTAL}" in text_of(fresh)
    stale = await _click(discord_server, first, CONTENT.labels[0], member)
    assert stale.type == 4 and stale.ephemeral and "started over" in text_of(stale.data)
    twice = await _click(discord_server, double, "Start over", member)
    assert twice.ephemeral and "already started a fresh" in text_of(twice.data)
    await _answer_from(discord_server, fresh, member, 0)
    _assert_result(fresh)


async def test_closed_dms_fall_back_to_an_ephemeral_self_check(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    member = discord_server.member
    discord_server.closed_dms.add(member.id)
    result = await discord_server.slash("selfcheck", user=member, guild=guild)
    reply = await result.final(timeout=15)
    assert result.ephemeral
    assert "Privacy Settings" in text_of(reply) and "Direct Messages" in text_of(reply)
    here = await _click(discord_server, reply, "Take it here", member)
    assert here.type == 7 and f"Question 1 of {TOTAL}" in text_of(reply)
    assert "Privacy Settings" not in text_of(reply)
    await _answer_from(discord_server, reply, member, 0)
    _assert_result(reply)
    assert discord_server.dm_messages(member) == []
    assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_answers") == [(0,)]
    retake = await _click(discord_server, reply, "Retake", member)
    assert retake.ephemeral and f"Question 1 of {TOTAL}" in text_of(retake.data)


async def test_stale_clicks_get_a_kind_note_and_change_nothing(
    discord_server: DiscordServer, steady: RunningBot, guild: Guild, db_path: Path
) -> None:
    member = discord_server.member
    _, dm = await _start_in_guild(discord_server, guild, member)
    await _click(discord_server, dm, CONTENT.labels[2], member)
    old_view = copy.deepcopy(dm)
    await _click(discord_server, dm, CONTENT.labels[2], member)
    await _click(discord_server, dm, CONTENT.labels[2], member)
    late = await _click(discord_server, old_view, CONTENT.labels[0], member)
    assert late.type == 7 and f"Question 4 of {TOTAL}" in text_of(old_view), "the stale message catches up"
    await late.wait(lambda r: bool(r.followups))
    note = late.followups[0]
    assert note["flags"] & 64 and "question 2" in text_of(note) and "question 4" in text_of(note)
    assert _rows(db_path, "SELECT value FROM selfcheck_answers ORDER BY question_index") == [(2,), (2,), (2,)]
    # A double click on an answer repeats nothing.
    double = copy.deepcopy(dm)
    await _click(discord_server, dm, CONTENT.labels[1], member)
    repeat = await _click(discord_server, double, CONTENT.labels[1], member)
    assert repeat.type == 7
    assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_answers") == [(4,)]
    values = [2, 2, 2, 1, *VALUES[4:]]
    await _answer_from(discord_server, dm, member, 4, values)
    _assert_result(dm, values)
    finished = await _click(discord_server, old_view, CONTENT.labels[3], member)
    assert finished.type == 4 and finished.ephemeral and "already finished" in text_of(finished.data)
    someone_else = discord_server.admin
    _, theirs = await _start_in_guild(discord_server, guild, someone_else)
    intruder = await _click(discord_server, theirs, CONTENT.labels[0], member)
    assert intruder.ephemeral and "someone else" in text_of(intruder.data)
    assert "Question 1 of" in text_of(theirs)


async def test_selfcheck_in_a_dm_starts_right_there(
    discord_server: DiscordServer, steady: RunningBot
) -> None:
    member = discord_server.member
    result = await (await discord_server.slash("selfcheck", user=member)).wait()
    assert result.type == 4 and not result.ephemeral
    dm = discord_server.dm_messages(member)
    assert len(dm) == 1 and f"Question 1 of {TOTAL}" in text_of(dm[0])
    await _answer_from(discord_server, dm[0], member, 0)
    _assert_result(dm[0])
    retake = await _click(discord_server, dm[0], "Retake", member)
    assert retake.type == 4 and not retake.ephemeral
    assert len(discord_server.dm_messages(member)) == 2
    # Nothing answered yet in the new run: /selfcheck simply starts it again, no Resume / Start over.
    again = await (await discord_server.slash("selfcheck", user=member)).wait()
    assert not again.ephemeral and "Resume" not in text_of(again.data)
    fresh = discord_server.dm_messages(member)[-1]
    assert f"Question 1 of {TOTAL}" in text_of(fresh)
    await _click(discord_server, fresh, CONTENT.labels[1], member)
    offer = await (await discord_server.slash("selfcheck", user=member)).wait()
    assert (
        offer.ephemeral and "Resume" in text_of(offer.data) and "with 1 answer saved" in text_of(offer.data)
    )
    assert offer.original is not None
    resumed = await _click(discord_server, offer.original, "Resume", member)
    assert resumed.type == 7 and "just below" in text_of(offer.original)
    await resumed.wait(lambda r: bool(r.followups))
    assert f"Question 2 of {TOTAL}" in text_of(resumed.followups[0])


async def test_mydata_shows_and_deletes_the_kept_summary(
    discord_server: DiscordServer, steady: RunningBot, db_path: Path
) -> None:
    member = discord_server.member
    await (await discord_server.slash("selfcheck", user=member)).wait()
    dm = discord_server.dm_messages(member)[0]
    await _answer_from(discord_server, dm, member, 0)
    await (await discord_server.slash("selfcheck", user=member)).wait()
    shown = await (await discord_server.slash("mydata", user=member)).wait()
    text = text_of(shown.data)
    assert "Career self-check" in text and "summary of your self-check" in text and "0 answers so far" in text
    assert "band" not in text and "shift_work" not in text
    assert shown.original is not None
    ask = await _click(discord_server, shown.original, "Delete all my data", member)
    confirm = ask.original if ask.type == 4 else shown.original
    assert confirm is not None
    await _click(discord_server, confirm, "Yes, delete everything", member)
    assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_results") == [(0,)]
    assert _rows(db_path, "SELECT COUNT(*) FROM selfcheck_runs") == [(0,)]
