"""Shared checks for the care tests: nothing public, and the region picker on a message."""

from __future__ import annotations

from typing import Any

from bot.testing import DiscordServer, Guild


def picker_of(message: dict[str, Any]) -> dict[str, Any] | None:
    for row in message.get("components") or []:
        for item in row.get("components", []):
            if item.get("type") == 3 and str(item.get("custom_id", "")).startswith("steady:region:pick"):
                return item
    return None


def public_messages(server: DiscordServer, guild: Guild, *, except_channel: str | None = None) -> list[Any]:
    """Every message the bot posted in the server's channels (not ephemeral replies)."""
    found = []
    for channel in guild.channels.values():
        if except_channel and channel.name == except_channel:
            continue
        found += server.channel_messages(channel)
    return found


def assert_nothing_public(server: DiscordServer, guild: Guild, *, except_channel: str | None = None) -> None:
    assert public_messages(server, guild, except_channel=except_channel) == []
    for result in server._interactions.values():
        if result.callback is not None and result.callback.get("type") in (4, 5):
            assert result.ephemeral, result.callback
