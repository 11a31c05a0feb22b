"""Recognising Steady's own daily post in a channel's history."""

from __future__ import annotations

from datetime import date

from bot.moments.own_post import find_own_post, post_marker

BOT = 42
DAY = date(2025, 3, 4)


def message(mid: int, author: int, footer: str | None) -> dict:
    embeds = [] if footer is None else [{"footer": {"text": footer}}]
    return {"id": str(mid), "author": {"id": str(author)}, "embeds": embeds}


def test_finds_only_the_bots_post_for_that_date() -> None:
    ours = f"{post_marker(DAY)} · Add your own with /share-moment."
    history = [
        message(1, 7, ours),  # someone quoting the footer is not Steady
        message(2, BOT, "Add your own with /share-moment."),  # another post without the date
        message(3, BOT, f"{post_marker(date(2025, 3, 3))} · Add your own with /share-moment."),
        message(4, BOT, None),
        message(5, BOT, ours),
    ]
    assert find_own_post(history, BOT, DAY) == 5
    assert find_own_post(history[:4], BOT, DAY) is None
