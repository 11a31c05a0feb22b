"""Recognising Steady's own daily post in a channel's history, for when Discord has forgotten the nonce."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any


def post_marker(day: date) -> str:
    """Written into the daily post's embed footer: the local date the post is for."""
    return f"Quiet moment for {day.isoformat()}"


def find_own_post(messages: Iterable[Mapping[str, Any]], bot_id: int, day: date) -> int | None:
    """The id of the first message by ``bot_id`` whose embed footer carries the marker for ``day``."""
    marker = post_marker(day)
    for message in messages:
        author = message.get("author") or {}
        if str(author.get("id")) != str(bot_id):
            continue
        for embed in message.get("embeds") or []:
            footer = (embed.get("footer") or {}).get("text") or ""
            if marker in footer:
                return int(message["id"])
    return None
