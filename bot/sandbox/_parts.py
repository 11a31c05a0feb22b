"""The sandbox's pieces: its clock, what a typed line shows, and the demo server's fixed world."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import FakeClock
from bot.sandbox.commands import CommandError
from bot.testing import Channel, DiscordServer, Guild, User
from bot.testing.discord_server import DISCORD_EPOCH_MS, EPHEMERAL

CHANNELS = ("general", "quiet-moments", "support")
GUILD_NAME = "Steady Sandbox"
MAX_WAIT = timedelta(days=60)
_BASE_ID = (1_735_689_600_000 - DISCORD_EPOCH_MS) << 22


class SandboxClock(FakeClock):
    """The bot's one clock, remembering who sleeps until when, so /wait can stop at each wake-up."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.waiting: list[datetime] = []

    async def sleep_until(self, when: datetime) -> None:
        self.waiting.append(when)
        try:
            await super().sleep_until(when)
        finally:
            self.waiting.remove(when)


@dataclass
class Shown:
    """A message the bot sent or changed, as of now, with where it is and when (on the bot's clock)."""

    message: dict[str, Any]
    where: str
    at: datetime
    edited: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.message.get("flags") or 0) & EPHEMERAL)


@dataclass
class Outcome:
    """What one typed line led to: sandbox notes, and the bot's messages in the order it sent them."""

    notes: list[str] = field(default_factory=list)
    shown: list[Shown] = field(default_factory=list)
    form: dict[str, Any] | None = None
    extra: list[Any] = field(default_factory=list)
    ok: bool = True


def parse_duration(text: str) -> timedelta:
    """``1d``, ``2h``, ``30m``, or combinations such as ``1d12h``."""
    parts = re.fullmatch(r"\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*", text.lower())
    if not text.strip() or parts is None:
        raise CommandError("Say how long to wait, for example /wait 1d, /wait 2h, /wait 30m or /wait 1d12h.")
    days, hours, minutes = (int(p or 0) for p in parts.groups())
    delta = timedelta(days=days, hours=hours, minutes=minutes)
    if not timedelta(0) < delta <= MAX_WAIT:
        raise CommandError("You can wait from 1 minute up to 60 days at a time.")
    return delta


def describe_span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return "".join(parts) or "less than a minute"


def underscored(values: dict[str, Any]) -> dict[str, Any]:
    """The local server reads ``name_`` as option ``name``, so options called ``channel`` or ``user`` pass."""
    return {f"{name}_": value for name, value in values.items()}


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = message.get("components") or []
    return [c for row in rows for c in row.get("components", []) if c.get("type") == 2]


def demo_world(server: DiscordServer) -> Guild:
    """A server with a few channels, an admin and a member, with ids that stay the same between runs
    (so a kept sandbox database still recognises its server, channels and people)."""
    for old in (server.admin, server.member):
        server.users.pop(old.id, None)
    server.admin, server.member = User(_BASE_ID + 1, "ada"), User(_BASE_ID + 2, "max")
    for person in (server.admin, server.member):
        server.users[person.id] = person
    guild = Guild(_BASE_ID + 10, GUILD_NAME, server.admin.id, admin_role=_BASE_ID + 11)
    guild.bot_role = _BASE_ID + 12
    for number, name in enumerate(CHANNELS):
        channel = Channel(_BASE_ID + 20 + number, name, guild_id=guild.id)
        guild.channels[channel.id] = channel
        server.channels[channel.id] = channel
    guild.members = {server.admin.id: [guild.admin_role], server.member.id: []}
    for app in server.apps.values():
        guild.members[app.user.id] = [guild.bot_role]
    server.guilds[guild.id] = guild
    return guild
